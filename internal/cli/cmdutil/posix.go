package cmdutil

import "github.com/ipcctl/ipcctl/pkg/ipc"

// ParsePosixName checks a POSIX object name of kind k (pshm, psem or mq)
// typed on the command line; a bad name is a usage error.
func ParsePosixName(k ipc.Kind, s string) (string, error) {
	name, err := ipc.ParsePosixName(k, s)
	if err != nil {
		return "", FlagErrorWrap(err)
	}
	return name, nil
}

package compat

import (
	"strings"

	"github.com/ipcctl/ipcctl/pkg/ipc"
	"golang.org/x/sys/unix"
)

// posixName turns a POSIX object name as typed into the canonical "/NAME"
// that pkg/ipc takes, or the errno glibc and the kernel give for it:
// shm_open and sem_open drop any leading slashes (glibc's
// __shm_get_name), mq_open insists on one and the kernel refuses the rest.
func posixName(kind ipc.Kind, given string) (string, unix.Errno) {
	if kind == ipc.KindMq {
		if !strings.HasPrefix(given, "/") {
			return "", unix.EINVAL
		}
		base := given[1:]
		switch {
		case base == "" || base == "." || base == ".." || strings.Contains(base, "/"):
			return "", unix.EACCES
		case len(base) > ipc.NameMax:
			return "", unix.ENAMETOOLONG
		}
		return "/" + base, 0
	}
	base := strings.TrimLeft(given, "/")
	prefix := 0
	if kind == ipc.KindPsem {
		prefix = len("sem.")
	}
	const shmdirBuf = len("/dev/shm/") + 1 + 4 + ipc.NameMax // glibc's struct shmdir_name
	switch {
	case base == "" || strings.Contains(base, "/"):
		return "", unix.EINVAL
	case len("/dev/shm/")+prefix+len(base)+1 > shmdirBuf:
		return "", unix.EINVAL
	case prefix+len(base) > ipc.NameMax:
		return "", unix.ENAMETOOLONG
	case kind == ipc.KindPshm && (base == "." || base == ".."):
		return "", unix.EISDIR
	}
	name := "/" + base
	if _, err := ipc.ParsePosixName(kind, name); err != nil {
		// "sem.*" as shared memory, "." as a semaphore: names glibc
		// would take but that pkg/ipc refuses (docs/compat.md)
		return "", unix.EINVAL
	}
	return name, 0
}

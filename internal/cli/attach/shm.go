package attach

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

func init() {
	kinds = append(kinds, func(f *cmdutil.Factory) *cobra.Command { return NewCmdAttachShm(f, nil) })
}

var shmKind = func() *segmentKind {
	k := &segmentKind{
		name:  "shm",
		use:   "shm ID [DATA]",
		short: "Read, write or dump a System V shared memory segment",
		example: `  ipcctl attach shm 42 --read --out seg.bin
  ipcctl attach shm 42 --hexdump --length 256
  ipcctl attach shm 42 --write 'hello' --offset 128
  ipcctl attach shm 42 --write --in payload.bin
  ipcctl attach shm 42 --hold --rdonly &`,
		noun:   "segment",
		rdonly: "attach read-only (SHM_RDONLY)",
		parse: func(arg string, opts *Options) error {
			id, err := cmdutil.ParseID(arg)
			opts.ID = id
			return err
		},
		attach: func(opts *Options, readOnly bool) (*ipc.Mapping, error) {
			a, err := opts.Factory.IPC().ShmAttach(opts.ID, ipc.ShmAttachOptions{ReadOnly: readOnly})
			if err != nil {
				return nil, err
			}
			return a.Mapping(), nil
		},
		label: func(opts *Options) string { return fmt.Sprintf("shm %d", opts.ID) },
	}
	k.long = k.longHelp("Attach System V shared memory segment ID (shmat) and do one thing with it:",
		"stay attached (nattch counts this process) until SIGINT or SIGTERM",
		`--read and --hexdump attach read-only (SHM_RDONLY), so read
permission is enough; --rdonly makes --hold attach read-only too.`)
	return k
}()

// NewCmdAttachShm builds `attach shm`; runF replaces the run in tests.
func NewCmdAttachShm(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newSegmentCmd(f, shmKind, runF)
}

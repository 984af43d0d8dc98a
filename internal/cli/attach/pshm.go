package attach

import (
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

func init() {
	kinds = append(kinds, func(f *cmdutil.Factory) *cobra.Command { return NewCmdAttachPshm(f, nil) })
}

var pshmKind = func() *segmentKind {
	k := &segmentKind{
		name:  "pshm",
		use:   "pshm /NAME [DATA]",
		short: "Read, write or dump a POSIX shared memory object",
		example: `  ipcctl attach pshm /frames --read --out frames.bin
  ipcctl attach pshm /frames --hexdump --length 256
  ipcctl attach pshm /frames --write 'hello' --offset 128
  ipcctl attach pshm /frames --write --in payload.bin
  ipcctl attach pshm /frames --hold --rdonly &`,
		noun:   "object",
		rdonly: "map read-only (O_RDONLY, PROT_READ)",
		parse: func(arg string, opts *Options) error {
			if _, err := cmdutil.ParsePosixName(ipc.KindPshm, arg); err != nil {
				return err
			}
			opts.Name = arg
			return nil
		},
		attach: func(opts *Options, readOnly bool) (*ipc.Mapping, error) {
			return opts.Factory.IPC().PshmAttach(opts.Name, !readOnly)
		},
		label: func(opts *Options) string { return "pshm " + opts.Name },
	}
	k.long = k.longHelp(`Map POSIX shared memory object /NAME (shm_open + mmap MAP_SHARED, the
file /dev/shm/NAME) and do one thing with it:`,
		"stay mapped (it shows in /proc/PID/maps) until SIGINT or SIGTERM",
		`--read and --hexdump open and map it read-only, so read
permission is enough; --rdonly makes --hold map read-only too. The
object's size is what it is now: attach never grows or shrinks it.`)
	return k
}()

// NewCmdAttachPshm builds `attach pshm`; runF replaces the run in tests.
func NewCmdAttachPshm(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newSegmentCmd(f, pshmKind, runF)
}

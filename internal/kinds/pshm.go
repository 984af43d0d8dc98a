package kinds

import (
	"errors"
	"io/fs"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// pshmKind is POSIX shared memory: the files of /dev/shm.
var pshmKind = &Kind{
	Name:    ipc.KindPshm,
	Family:  POSIX,
	Title:   "POSIX Shared Memory",
	Object:  "POSIX Shared Memory",
	Help:    "POSIX shared memory objects (/dev/shm/NAME)",
	Filters: ByOwner | ByAge,
	Create:  pshmCreate,
	attach: func(f *cmdutil.Factory, t Target, readOnly bool) (*ipc.Mapping, error) {
		return f.IPC().PshmAttach(t.Name, !readOnly)
	},
	change: posixChange((*ipc.Client).PshmChown, (*ipc.Client).PshmChmod),
	remove: posixRemove((*ipc.Client).PshmRemove),
}

func init() {
	pshmKind.ops = &spec[ipc.Pshm]{
		kind:    pshmKind,
		columns: columns.Pshm,
		views:   posixViews(),
		all:     func(c *ipc.Client, _ []string) ([]ipc.Pshm, error) { return c.PshmList() },
		stat:    func(f *cmdutil.Factory, t Target) (ipc.Pshm, error) { return f.IPC().PshmStat(t.Name) },
		ident:   func(p *ipc.Pshm) (int, string) { return -1, p.Name },
		object:  func(p *ipc.Pshm) Object { return posixObject(p.PosixFile) },
		describe: func(p *ipc.Pshm) string {
			return table.HumanSize(p.Size)
		},
		holding: posixHolding(func(p *ipc.Pshm) ipc.PosixFile { return p.PosixFile }),
	}
}

var pshmCreate = &Create{
	Use:   "pshm /NAME --size SIZE",
	Short: "Create a POSIX shared memory object",
	Long: `Create a POSIX shared memory object, /dev/shm/NAME as shm_open(3) makes
it, of --size bytes (4096, 64K, 1M: binary units), and print its name.
An existing name exits 5 and is never truncated; --reuse prints it and
leaves it as it is.`,
	Example: `  ipcctl create pshm /cache --size 64M
  ipcctl create pshm /cache --size 64M --mode 0660 --reuse`,
	Flags: func(cmd *cobra.Command, f *cmdutil.Factory) Maker {
		var size string
		cmd.Flags().StringVar(&size, "size", "", "object size in bytes, or with K, M, G... (required)")
		return func(f *cmdutil.Factory, r Request) (Made, error) {
			if size == "" {
				return Made{}, cmdutil.FlagErrorf("create pshm: --size is required")
			}
			n, err := cmdutil.ParsePositiveSize("--size", size)
			if err != nil {
				return Made{}, err
			}
			p, err := f.IPC().PshmCreate(r.Name, ipc.PshmCreateOptions{Size: n, Mode: r.Mode})
			m := Made{Target: Target{Label: r.Name, ID: -1, Name: r.Name}}
			if r.Reuse && errors.Is(err, fs.ErrExist) {
				if p, err = f.IPC().PshmStat(r.Name); err != nil {
					return Made{}, err
				}
				m.Reused = true
				m.Differs = differs(m.Differs, "size", p.Size, n)
				if r.ModeGiven {
					m.Differs = differs(m.Differs, "mode", mode(p.Mode), mode(r.Mode))
				}
			}
			return m, err
		}
	},
}

package kinds

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// psemKind is glibc's named semaphores: the sem.NAME files of /dev/shm.
var psemKind = &Kind{
	Name:    ipc.KindPsem,
	Family:  POSIX,
	Title:   "POSIX Named Semaphores",
	Object:  "POSIX Named Semaphore",
	Help:    "POSIX named semaphores (/dev/shm/sem.NAME)",
	Filters: ByOwner | ByAge,
	Create:  psemCreate,
	change:  posixChange((*ipc.Client).PsemChown, (*ipc.Client).PsemChmod),
	remove:  posixRemove((*ipc.Client).PsemRemove),
}

func init() {
	psemKind.ops = &spec[ipc.Psem]{
		kind:    psemKind,
		columns: columns.Psem,
		views:   posixViews("waiters"),
		all:     func(c *ipc.Client, cols []string) ([]ipc.Psem, error) { return c.PsemListNeeds(posixNeeds(cols)) },
		stat:    func(f *cmdutil.Factory, t Target) (ipc.Psem, error) { return f.IPC().PsemStat(t.Name) },
		ident:   func(p *ipc.Psem) (int, string) { return -1, p.Name },
		object:  func(p *ipc.Psem) Object { return posixObject(p.PosixFile) },
		describe: func(p *ipc.Psem) string {
			if p.Value == nil {
				return string(p.Status)
			}
			return fmt.Sprintf("value %d", *p.Value)
		},
		holding: posixHolding(func(p *ipc.Psem) ipc.PosixFile { return p.PosixFile }),
	}
}

var psemCreate = &Create{
	Use:   "psem /NAME [--value V]",
	Short: "Create a POSIX named semaphore",
	Long: fmt.Sprintf(`Create a glibc named semaphore, /dev/shm/sem.NAME as sem_open(3) makes
it, with --value V (0 to SEM_VALUE_MAX, %d; default 0), and print its
name. The semaphore is complete before it gets its name. An existing
name exits 5 and is never reinitialised; --reuse prints it and leaves
its value as it is.`, ipc.SemValueMax),
	Example: `  ipcctl create psem /lock --value 1
  ipcctl create psem /jobs --mode 0660 --reuse`,
	Flags: func(cmd *cobra.Command, f *cmdutil.Factory) Maker {
		var value string
		cmd.Flags().StringVar(&value, "value", "0", "initial value")
		return func(f *cmdutil.Factory, r Request) (Made, error) {
			v, err := strconv.ParseUint(value, 10, 32)
			if err != nil || v > ipc.SemValueMax {
				return Made{}, cmdutil.FlagErrorf("invalid --value %q: want 0 to SEM_VALUE_MAX (%d)", value, ipc.SemValueMax)
			}
			_, err = f.IPC().PsemCreate(r.Name, ipc.PsemCreateOptions{Value: uint32(v), Mode: r.Mode})
			m := Made{Target: Target{Label: r.Name, ID: -1, Name: r.Name}}
			if r.Reuse && errors.Is(err, fs.ErrExist) {
				p, err := f.IPC().PsemStat(r.Name)
				if err != nil {
					return Made{}, err
				}
				m.Reused = true
				if r.ModeGiven {
					m.Differs = differs(m.Differs, "mode", mode(p.Mode), mode(r.Mode))
				}
				return m, nil
			}
			return m, err
		}
	},
}

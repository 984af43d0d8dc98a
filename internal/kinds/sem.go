package kinds

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// semKind is System V semaphore sets.
var semKind = &Kind{
	Name:    ipc.KindSem,
	Family:  SysV,
	Title:   "Semaphore Arrays",
	Object:  "Semaphore Array",
	Help:    "System V semaphore sets",
	Filters: ByOwner | ByKey | ByAge,
	Create:  semCreate,
	change: sysvChange(func(c *ipc.Client, id int, ch Change) error {
		return c.SemSet(id, ch.PermUpdate)
	}),
	remove: sysvRemove(ipc.KindSem),
}

func init() {
	semKind.ops = &spec[ipc.Sem]{
		kind:    semKind,
		columns: columns.Sem,
		views:   sysvViews([]string{"otime"}, []string{"otime", "ctime"}),
		all:     func(c *ipc.Client, _ []string) ([]ipc.Sem, error) { return c.SemListNeeds(ipc.ListNeeds{}) },
		removeEach: func(c *ipc.Client, pick func(*ipc.Sem) bool, done func(*ipc.Sem, error) error) error {
			return c.SemRemoveEach(pick, done)
		},
		stat:  func(f *cmdutil.Factory, t Target) (ipc.Sem, error) { return f.IPC().SemStat(t.ID) },
		ident: func(s *ipc.Sem) (int, string) { return s.ID, "" },
		object: func(s *ipc.Sem) Object {
			o := sysvObject(s.Perm)
			o.CTime = s.CTime
			return o
		},
		nested: func(s *ipc.Sem) []*table.Table {
			t := columns.Semaphore().Build("semaphores", "Semaphores", s.Sems)
			if s.Sems == nil && s.NSems > 0 {
				t.Absent = true
				if s.SemsErr != nil {
					t.AbsentWhy = errclass.Message(s.SemsErr)
				}
			}
			return []*table.Table{t}
		},
		nestedSets: []*table.Set{columns.Semaphore().Set("semaphores")},
		describe: func(s *ipc.Sem) string {
			return fmt.Sprintf("key 0x%08x, %d semaphores", uint32(s.Key), s.NSems)
		},
	}
}

// semVMX is SEMVMX, the largest semaphore value (include/uapi/linux/sem.h).
const semVMX = 32767

var semCreate = &Create{
	Use:   "sem --nsems N",
	Short: "Create a System V semaphore set",
	Long: `Create a System V semaphore set of --nsems semaphores and print its id.
--value V sets every semaphore to V, --values v1,v2,... one each (0 to
32767). The values are in before any other user can reach the set: it
is created owner-only, set with SETALL, then given --mode.`,
	Example: `  ipcctl create sem --nsems 1 --value 1
  ipcctl create sem --nsems 3 --values 1,0,5 --key 0x1234 --mode 0660`,
	Flags: func(cmd *cobra.Command, f *cmdutil.Factory) Maker {
		var nsems, value, values string
		fl := cmd.Flags()
		fl.StringVar(&nsems, "nsems", "", "number of semaphores in the set (required)")
		fl.StringVar(&value, "value", "", "initial value of every semaphore")
		fl.StringVar(&values, "values", "", "initial values, one per semaphore: v1,v2,...")
		cmd.MarkFlagsMutuallyExclusive("value", "values")
		cmd.MarkFlagsMutuallyExclusive("reuse", "value")
		cmd.MarkFlagsMutuallyExclusive("reuse", "values")
		return func(f *cmdutil.Factory, r Request) (Made, error) {
			if nsems == "" {
				return Made{}, cmdutil.FlagErrorf("create sem: --nsems is required")
			}
			n, err := strconv.ParseUint(nsems, 10, 31)
			if err != nil || n == 0 {
				return Made{}, cmdutil.FlagErrorf("invalid --nsems %q: want a whole number from 1", nsems)
			}
			if lim, err := f.IPC().SysvLimits(); err == nil && n > lim.SemMsl {
				return Made{}, cmdutil.FlagErrorf("--nsems %d is over the kernel's semmsl of %d semaphores per set", n, lim.SemMsl)
			}
			o := ipc.SemCreateOptions{Key: r.Key, NSems: int(n), Mode: r.Mode}
			switch {
			case value != "":
				v, err := parseSemValue(value)
				if err != nil {
					return Made{}, err
				}
				o.Values = make([]uint16, n)
				for i := range o.Values {
					o.Values[i] = v
				}
			case values != "":
				parts := strings.Split(values, ",")
				if len(parts) != int(n) {
					return Made{}, cmdutil.FlagErrorf("--values has %d values for --nsems %d", len(parts), n)
				}
				o.Values = make([]uint16, n)
				for i, s := range parts {
					if o.Values[i], err = parseSemValue(s); err != nil {
						return Made{}, err
					}
				}
			}
			c := f.IPC()
			id, err := c.SemCreate(o)
			if r.Reuse && isExists(err) {
				if id, err = c.SemGet(r.Key, int(n)); err != nil {
					return Made{}, err
				}
				s, err := c.SemStat(id)
				if err != nil {
					return Made{}, err
				}
				m := Made{Target: Target{Label: strconv.Itoa(id), ID: id}, Reused: true}
				m.Differs = differs(m.Differs, "nsems", s.NSems, n)
				if r.ModeGiven {
					m.Differs = differs(m.Differs, "mode", mode(s.Mode&0o777), mode(r.Mode))
				}
				return m, nil
			}
			if err != nil {
				return Made{}, err
			}
			return Made{Target: Target{Label: strconv.Itoa(id), ID: id}}, nil
		}
	},
}

func parseSemValue(s string) (uint16, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil || v > semVMX {
		return 0, cmdutil.FlagErrorf("invalid semaphore value %q: want 0 to %d", s, semVMX)
	}
	return uint16(v), nil
}

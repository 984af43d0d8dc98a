package kinds

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// msgKind is System V message queues.
var msgKind = &Kind{
	Name:      ipc.KindMsg,
	Family:    SysV,
	Title:     "Message Queues",
	Object:    "Message Queue",
	Help:      "System V message queues",
	Filters:   ByOwner | ByKey | ByAge,
	HasQBytes: true,
	Create:    msgCreate,
	change: sysvChange(func(c *ipc.Client, id int, ch Change) error {
		return qbytesError(c.MsgSet(id, ch.PermUpdate, ch.QBytes))
	}),
	remove: sysvRemove(ipc.KindMsg),
}

func init() {
	msgKind.ops = &spec[ipc.Msg]{
		kind:    msgKind,
		columns: columns.Msg,
		views:   sysvViews([]string{"lspid", "lrpid"}, []string{"stime", "rtime", "ctime"}),
		all: func(c *ipc.Client, cols []string) ([]ipc.Msg, error) {
			return c.MsgListNeeds(ipc.ListNeeds{QBytes: slices.Contains(cols, "qbytes")})
		},
		removeEach: func(c *ipc.Client, pick func(*ipc.Msg) bool, done func(*ipc.Msg, error) error) error {
			return c.MsgRemoveEach(pick, done)
		},
		stat:  func(f *cmdutil.Factory, t Target) (ipc.Msg, error) { return f.IPC().MsgStat(t.ID) },
		ident: func(m *ipc.Msg) (int, string) { return m.ID, "" },
		object: func(m *ipc.Msg) Object {
			o := sysvObject(m.Perm)
			o.CTime = m.CTime
			return o
		},
		describe: func(m *ipc.Msg) string {
			return fmt.Sprintf("key 0x%08x, %d messages", uint32(m.Key), m.QNum)
		},
	}
}

// qbytesError explains EPERM from raising a queue over msgmnb.
func qbytesError(err error) error {
	if errors.Is(err, unix.EPERM) {
		return fmt.Errorf("%w (a capacity over msgmnb, /proc/sys/kernel/msgmnb, needs CAP_SYS_RESOURCE)", err)
	}
	return err
}

var msgCreate = &Create{
	Use:   "msg",
	Short: "Create a System V message queue",
	Long: `Create a System V message queue and print its id. --qbytes sets its
capacity in bytes (default msgmnb); above msgmnb needs CAP_SYS_RESOURCE.`,
	Example: `  ipcctl create msg
  ipcctl create msg --qbytes 64K --key 0x1234`,
	Flags: func(cmd *cobra.Command, f *cmdutil.Factory) Maker {
		var qbytes string
		cmd.Flags().StringVar(&qbytes, "qbytes", "", "queue capacity in bytes, or with K, M...")
		cmd.MarkFlagsMutuallyExclusive("reuse", "qbytes")
		return func(f *cmdutil.Factory, r Request) (Made, error) {
			o := ipc.MsgCreateOptions{Key: r.Key, Mode: r.Mode}
			if qbytes != "" {
				var err error
				if o.QBytes, err = cmdutil.ParsePositiveSize("--qbytes", qbytes); err != nil {
					return Made{}, err
				}
			}
			c := f.IPC()
			id, err := c.MsgCreate(o)
			if r.Reuse && isExists(err) {
				if id, err = c.MsgGet(r.Key); err != nil {
					return Made{}, err
				}
				m := Made{Target: Target{Label: strconv.Itoa(id), ID: id}, Reused: true}
				if r.ModeGiven {
					q, err := c.MsgStat(id)
					if err != nil {
						return Made{}, err
					}
					m.Differs = differs(m.Differs, "mode", mode(q.Mode&0o777), mode(r.Mode))
				}
				return m, nil
			}
			if err != nil {
				return Made{}, qbytesError(err)
			}
			return Made{Target: Target{Label: strconv.Itoa(id), ID: id}}, nil
		}
	},
}

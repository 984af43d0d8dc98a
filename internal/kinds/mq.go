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
	"golang.org/x/sys/unix"
)

// mqKind is POSIX message queues: the files of the mqueue filesystem.
var mqKind = &Kind{
	Name:    ipc.KindMq,
	Family:  POSIX,
	Title:   "POSIX Message Queues",
	Object:  "POSIX Message Queue",
	Help:    "POSIX message queues (/dev/mqueue/NAME)",
	Filters: ByOwner | ByAge,
	Create:  mqCreate,
	change:  posixChange((*ipc.Client).MqChown, (*ipc.Client).MqChmod),
	remove:  posixRemove((*ipc.Client).MqRemove),
}

func init() {
	mqKind.ops = &spec[ipc.Mq]{
		kind:    mqKind,
		columns: columns.Mq,
		views:   posixViews("notify_pid"),
		all:     func(c *ipc.Client, cols []string) ([]ipc.Mq, error) { return c.MqListNeeds(posixNeeds(cols)) },
		stat:    func(f *cmdutil.Factory, t Target) (ipc.Mq, error) { return f.IPC().MqStat(t.Name) },
		ident:   func(q *ipc.Mq) (int, string) { return -1, q.Name },
		object:  func(q *ipc.Mq) Object { return posixObject(q.PosixFile) },
		describe: func(q *ipc.Mq) string {
			if q.CurMsgs == nil {
				return "queue"
			}
			return fmt.Sprintf("%d messages", *q.CurMsgs)
		},
		holding: posixHolding(func(q *ipc.Mq) ipc.PosixFile { return q.PosixFile }),
	}
}

var mqCreate = &Create{
	Use:   "mq /NAME [--maxmsg N --msgsize N]",
	Short: "Create a POSIX message queue",
	Long: `Create a POSIX message queue with mq_open(3) and print its name. It holds
--maxmsg messages of up to --msgsize bytes each (both or neither: the
defaults are /proc/sys/fs/mqueue/msg_default and msgsize_default), at
most msg_max and msgsize_max. An existing name exits 5; --reuse prints
it and leaves it as it is.`,
	Example: `  ipcctl create mq /events --maxmsg 10 --msgsize 8K
  ipcctl create mq /events --mode 0620 --reuse`,
	Flags: func(cmd *cobra.Command, f *cmdutil.Factory) Maker {
		var maxMsg, msgSize string
		cmd.Flags().StringVar(&maxMsg, "maxmsg", "", "most messages in the queue")
		cmd.Flags().StringVar(&msgSize, "msgsize", "", "largest message in bytes, or with K, M...")
		cmd.MarkFlagsRequiredTogether("maxmsg", "msgsize")
		return func(f *cmdutil.Factory, r Request) (Made, error) {
			o := ipc.MqCreateOptions{Mode: r.Mode}
			if maxMsg != "" {
				n, err := strconv.ParseUint(maxMsg, 10, 63)
				if err != nil || n == 0 {
					return Made{}, cmdutil.FlagErrorf("invalid --maxmsg %q: want a whole number from 1", maxMsg)
				}
				size, err := cmdutil.ParsePositiveSize("--msgsize", msgSize)
				if err != nil {
					return Made{}, err
				}
				if lim, err := f.IPC().MqueueLimits(); err == nil {
					if n > lim.MsgMax {
						return Made{}, cmdutil.FlagErrorf("--maxmsg %d is over the kernel's msg_max of %d messages (/proc/sys/fs/mqueue/msg_max)", n, lim.MsgMax)
					}
					if size > lim.MsgSizeMax {
						return Made{}, cmdutil.FlagErrorf("--msgsize %d is over the kernel's msgsize_max of %d bytes (/proc/sys/fs/mqueue/msgsize_max)", size, lim.MsgSizeMax)
					}
				}
				o.MaxMsg, o.MsgSize = int64(n), int64(size)
			}
			c := f.IPC()
			_, err := c.MqCreate(r.Name, o)
			if errors.Is(err, unix.EMFILE) {
				err = fmt.Errorf("%w: the queue would exceed RLIMIT_MSGQUEUE (ulimit -q), the bytes all of this user's queues may take", err)
			}
			m := Made{Target: Target{Label: r.Name, ID: -1, Name: r.Name}}
			if r.Reuse && errors.Is(err, fs.ErrExist) {
				q, err := c.MqStat(r.Name)
				if err != nil {
					return Made{}, err
				}
				m.Reused = true
				if o.MaxMsg != 0 && q.MaxMsg != nil {
					m.Differs = differs(m.Differs, "maxmsg", *q.MaxMsg, o.MaxMsg)
					m.Differs = differs(m.Differs, "msgsize", *q.MsgSize, o.MsgSize)
				}
				if r.ModeGiven {
					m.Differs = differs(m.Differs, "mode", mode(q.Mode), mode(r.Mode))
				}
				return m, nil
			}
			return m, err
		}
	},
}

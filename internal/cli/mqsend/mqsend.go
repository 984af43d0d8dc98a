// Package mqsend implements `ipcctl mq-send`: put a message on a System
// V message queue by id. A first argument starting with "/" names a
// POSIX message queue (posix.go).
package mqsend

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl mq-send`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	ID      int
	Name    string  // POSIX queue name ("/NAME"); empty for System V
	Body    *string // the MESSAGE argument
	In      string
	Type    int64
	NoWait  bool
	Timeout time.Duration

	// POSIX only.
	Priority uint32
}

// NewCmdMqSend builds the command; runF replaces mqSendRun in tests.
func NewCmdMqSend(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	var mtype, priority string
	cmd := &cobra.Command{
		Use:   "mq-send ID|/NAME [MESSAGE]",
		Short: "Send a message to a System V or POSIX message queue",
		Long: `Send one message to System V message queue ID (msgsnd) or POSIX message
queue /NAME (mq_timedsend): MESSAGE, the contents of --in FILE, or
standard input, byte for byte.

--type (System V) is the message type, 1 to 9223372036854775807 (a C
long). --priority (POSIX) is the message priority, 0 to 32767
(MQ_PRIO_MAX-1); higher priorities are received first. Without --nowait,
mq-send waits while the queue is full; with it, a full queue exits 6.
--timeout bounds the wait, then exits 6 and sends nothing. A message longer than
kernel.msgmax or than the System V queue's capacity, or longer than the
POSIX queue's msgsize, is refused and nothing is sent.`,
		Example: `  ipcctl mq-send 3 'hello'
  ipcctl mq-send 3 --type 7 --in job.json
  printf 'x' | ipcctl mq-send 3 --nowait
  ipcctl mq-send 3 'hello' --timeout 2s
  ipcctl mq-send /jobs 'urgent' --priority 10
  ipcctl mq-send /jobs --in job.json --timeout 5s`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return cmdutil.FlagErrorf("mq-send: want a queue id and an optional MESSAGE; got %d argument(s)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("timeout") && opts.Timeout <= 0 {
				return cmdutil.FlagErrorf("mq-send: --timeout must be positive")
			}
			if len(args) == 2 {
				opts.Body = &args[1]
				if opts.In != "" {
					return cmdutil.FlagErrorf("mq-send: give MESSAGE or --in, not both")
				}
			}
			if strings.HasPrefix(args[0], "/") {
				if err := opts.parsePosix(cmd, args[0], priority); err != nil {
					return err
				}
			} else {
				id, err := cmdutil.ParseID(args[0])
				if err != nil {
					return err
				}
				opts.ID = id
				t, err := strconv.ParseInt(mtype, 10, 64)
				if err != nil || t < 1 {
					return cmdutil.FlagErrorf("invalid --type %q: want 1 to %d", mtype, int64(math.MaxInt64))
				}
				opts.Type = t
				if err := refusePosixFlags(cmd); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return mqSendRun(opts)
		},
	}
	cmd.Flags().StringVar(&mtype, "type", "1", "System V message `TYPE`, 1 or more")
	cmd.Flags().StringVar(&opts.In, "in", "", "send the contents of `FILE`")
	cmd.Flags().BoolVar(&opts.NoWait, "nowait", false, "exit 6 instead of waiting when the queue is full (IPC_NOWAIT)")
	cmd.Flags().StringVar(&priority, "priority", "0", "POSIX message `PRIORITY`, 0 to 32767")
	cmdutil.DurationVar(cmd.Flags(), &opts.Timeout, "timeout", 0, "give up waiting for room after `DURATION`, exit 6")
	cmd.MarkFlagsMutuallyExclusive("nowait", "timeout")
	cmdutil.AddNSFlag(cmd, f)
	return cmd
}

func mqSendRun(opts *Options) error {
	if opts.Name != "" {
		if err := posixSend(opts); err != nil {
			return fmt.Errorf("mq-send %s: %w", opts.Name, err)
		}
		return nil
	}
	if err := sysvSend(opts); err != nil {
		return fmt.Errorf("mq-send msg %d: %w", opts.ID, err)
	}
	return nil
}

func sysvSend(opts *Options) error {
	c := opts.Factory.IPC()
	msgmax, err := c.MsgMax()
	if err != nil {
		return err
	}
	body, err := readBody(opts, msgmax)
	if err != nil {
		return err
	}
	if len(body) > msgmax {
		return cmdutil.FlagErrorf("the message is larger than msgmax (%d bytes); nothing sent", msgmax)
	}
	// A message longer than the queue's capacity would wait for ever.
	if q, err := c.MsgStat(opts.ID); err != nil {
		return err
	} else if q.QBytes != nil && uint64(len(body)) > *q.QBytes {
		return cmdutil.FlagErrorf("the message (%d bytes) is larger than the queue's capacity (qbytes %d); nothing sent", len(body), *q.QBytes)
	}
	var flags ipc.MsgFlags
	if opts.NoWait {
		flags |= ipc.MsgNoWait
	}
	return c.MsgSendTimeout(opts.ID, opts.Type, body, flags, opts.Timeout)
}

// readBody returns the message: MESSAGE, or --in FILE or stdin read up to
// limit+1 bytes so an oversized one is noticed without reading all of it.
func readBody(opts *Options, limit int) ([]byte, error) {
	if opts.Body != nil {
		return []byte(*opts.Body), nil
	}
	b, _, err := cmdutil.ReadInput(opts.IO.In, opts.In, uint64(limit))
	return b, err
}

package mqsend

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// parsePosix fills opts for `mq-send /NAME` and refuses System V flags.
func (o *Options) parsePosix(cmd *cobra.Command, name, priority string) error {
	if _, err := cmdutil.ParsePosixName(ipc.KindMq, name); err != nil {
		return err
	}
	o.Name = name
	if cmd.Flags().Changed("type") {
		return cmdutil.FlagErrorf("mq-send: --type is for System V queues; a POSIX queue takes --priority")
	}
	p, err := strconv.ParseUint(priority, 10, 32)
	if err != nil || p >= ipc.MqPrioMax {
		return cmdutil.FlagErrorf("invalid --priority %q: want 0 to %d (MQ_PRIO_MAX-1)", priority, ipc.MqPrioMax-1)
	}
	o.Priority = uint32(p)
	return nil
}

// refusePosixFlags fails on a POSIX-only flag given for a System V queue.
func refusePosixFlags(cmd *cobra.Command) error {
	for _, name := range []string{"priority"} {
		if cmd.Flags().Changed(name) {
			return cmdutil.FlagErrorf("mq-send: --%s is for POSIX queues (mq-send /NAME)", name)
		}
	}
	return nil
}

func posixSend(opts *Options) error {
	q, err := opts.Factory.IPC().MqOpen(opts.Name, unix.O_WRONLY)
	if err != nil {
		return err
	}
	defer q.Close()
	a, err := q.Attr()
	if err != nil {
		return err
	}
	body, err := readBody(opts, int(a.MsgSize))
	if err != nil {
		return err
	}
	if int64(len(body)) > a.MsgSize {
		what := "the message"
		if opts.Body == nil {
			what = "the input" // read only up to msgsize+1 bytes
		}
		return cmdutil.FlagErrorf("%s (%s) is larger than the queue's msgsize (%d bytes); nothing sent", what, sizeOf(opts, body), a.MsgSize)
	}
	timeout := ipc.Forever
	switch {
	case opts.NoWait:
		timeout = ipc.NoWait
	case opts.Timeout > 0:
		timeout = opts.Timeout
	}
	err = q.Send(body, opts.Priority, timeout)
	if errors.Is(err, ipc.ErrWouldBlock) {
		return fmt.Errorf("the queue is full: %w", ipc.ErrWouldBlock)
	}
	return err
}

// sizeOf describes the size of a refused body: exact for MESSAGE, a lower
// bound for input that was read only up to one byte past the limit.
func sizeOf(opts *Options, body []byte) string {
	if opts.Body != nil {
		return strconv.Itoa(len(body)) + " bytes"
	}
	return "more than " + strconv.Itoa(len(body)-1) + " bytes"
}

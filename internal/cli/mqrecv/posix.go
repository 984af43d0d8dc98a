package mqrecv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

const posixHelp = `For POSIX queue /NAME, messages come highest priority first and --json
shows "priority" instead of "type":
  {"priority":3,"size":5,"encoding":"text","body":"hello"}
--wait-notify waits for the queue to hold a message through mq_notify
(SIGUSR1; only one process may be registered on a queue), then receives.
A queue removed (mq_unlink) while mq-recv waits stays usable by the
processes that have it open: mq-recv goes on waiting; --timeout bounds
it. A message that cannot be written out is sent back to the queue with
its priority (so it comes after the messages of that priority already
there) and mq-recv exits 1 saying so.`

const posixExample = `  ipcctl mq-recv /jobs --timeout 5s
  ipcctl mq-recv /jobs --all --json
  ipcctl mq-recv /jobs --wait-notify --count 2`

// notifySignal is the signal --wait-notify registers with mq_notify.
const notifySignal = unix.SIGUSR1

// parsePosix records the queue name and refuses System V flags.
func (o *Options) parsePosix(cmd *cobra.Command, name string) error {
	if _, err := cmdutil.ParsePosixName(ipc.KindMq, name); err != nil {
		return err
	}
	o.Name = name
	for _, f := range []string{"type", "except", "noerror", "max-size", "peek"} {
		if cmd.Flags().Changed(f) {
			return cmdutil.FlagErrorf("mq-recv: --%s is for System V queues; a POSIX queue gives its messages highest priority first", f)
		}
	}
	return nil
}

// refusePosixFlags fails on a POSIX-only flag given for a System V queue.
func refusePosixFlags(cmd *cobra.Command) error {
	if cmd.Flags().Changed("wait-notify") {
		return cmdutil.FlagErrorf("mq-recv: --wait-notify is for POSIX queues (mq-recv /NAME)")
	}
	return nil
}

func posixRecv(opts *Options) (err error) {
	out, err := openOutput(opts)
	if err != nil {
		return err
	}
	defer func() { err = out.finish(err) }()
	q, err := openForReceive(opts.Factory.IPC(), opts.Name)
	if err != nil {
		return err
	}
	defer q.Close()
	a, err := q.Attr()
	if err != nil {
		return err
	}
	buf := make([]byte, a.MsgSize)
	budget := newBudget(opts.Timeout)
	for i := 0; opts.All || i < opts.Count; i++ {
		n, prio, err := receiveOne(opts, q, buf, budget, i == 0)
		switch {
		case opts.All && errors.Is(err, ipc.ErrWouldBlock):
			return nil
		case errors.Is(err, ipc.ErrWouldBlock):
			return fmt.Errorf("no message: %w", ipc.ErrWouldBlock)
		case err != nil:
			return err
		}
		body := buf[:n]
		if err := out.write(received{Priority: &prio, Body: body}, opts.JSON); err != nil {
			return keepMessage(fmt.Sprintf("the message of priority %d (%d bytes)", prio, n), body, err,
				fmt.Sprintf("it was sent back to the queue with priority %d (after the messages of that priority already there)", prio),
				func() error { return q.Send(body, prio, ipc.NoWait) })
		}
	}
	return nil
}

// openForReceive opens the queue read-write, so that a message that
// cannot be written out can be sent back, or read-only when that is all
// the permissions allow (a message is then only kept in base64 on stderr).
func openForReceive(c *ipc.Client, name string) (*ipc.PosixMq, error) {
	q, err := c.MqOpen(name, unix.O_RDWR)
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, unix.EACCES) {
		q, err = c.MqOpen(name, unix.O_RDONLY)
	}
	return q, err
}

// receiveOne takes the next message: at once for --nowait and --all
// (except the first with --wait-notify), else waiting within the
// --timeout budget, through mq_notify with --wait-notify.
func receiveOne(opts *Options, q *ipc.PosixMq, buf []byte, budget budget, first bool) (int, uint32, error) {
	timeout := ipc.Forever
	switch {
	case opts.NoWait, opts.All && !(first && opts.WaitNotify):
		timeout = ipc.NoWait
	case opts.Timeout > 0:
		left, err := budget.left()
		if err != nil {
			return 0, 0, err
		}
		timeout = left
	}
	if !opts.WaitNotify || timeout == ipc.NoWait {
		return q.ReceiveInto(buf, timeout)
	}
	for {
		if err := waitNotify(q, budget); err != nil {
			return 0, 0, err
		}
		// The wait ends on the notification, or on a SIGUSR1 from anyone,
		// or another receiver may be first: take the message only if it is there.
		n, prio, err := q.ReceiveInto(buf, ipc.NoWait)
		if !errors.Is(err, ipc.ErrWouldBlock) {
			return n, prio, err
		}
	}
}

// waitNotify waits through mq_notify until the queue holds a message.
func waitNotify(q *ipc.PosixMq, budget budget) error {
	ctx := context.Background()
	if !budget.end.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, budget.end)
		defer cancel()
	}
	err := q.WaitNotify(ctx, notifySignal)
	if errors.Is(err, unix.EBUSY) {
		return fmt.Errorf("another process is registered for notification on the queue (mq_notify): %w", err)
	}
	return err
}

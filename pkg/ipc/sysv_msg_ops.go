package ipc

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"golang.org/x/sys/unix"
)

// MsgFlags modify MsgSend and MsgReceive.
type MsgFlags int

const (
	// MsgNoWait (IPC_NOWAIT): return ErrWouldBlock instead of waiting for
	// room (send) or for a message (receive).
	MsgNoWait MsgFlags = sys.IPC_NOWAIT
	// MsgNoError (MSG_NOERROR): truncate a message longer than maxSize
	// instead of failing; the rest of it is lost.
	MsgNoError MsgFlags = sys.MSG_NOERROR
	// MsgExcept (MSG_EXCEPT): with mtype > 0, take the first message whose
	// type is not mtype.
	MsgExcept MsgFlags = sys.MSG_EXCEPT
)

// Message is one System V message.
type Message struct {
	Type int64 // mtype, > 0
	Body []byte
}

// ErrMsgTooLarge: the message is longer than the receive buffer (E2BIG);
// it was left in the queue.
var ErrMsgTooLarge error = &kindError{"message is larger than the receive size; it was left in the queue", unix.E2BIG}

// MsgMax is the largest message the kernel accepts (kernel.msgmax), read
// through the client's filesystem, or from msgctl(IPC_INFO) without it.
func (c *Client) MsgMax() (int, error) {
	if c.remote() {
		return nsCall(c, (*Client).MsgMax)
	}
	if l, err := c.fs.SysvLimits(); err == nil {
		return int(l.MsgMax), nil
	}
	var info sys.MsgInfo
	if _, err := sys.Msgctl(0, sys.IPC_INFO, unsafe.Pointer(&info)); err != nil {
		return 0, fmt.Errorf("read msgmax: %w", err)
	}
	return int(info.Msgmax), nil
}

// MsgSend puts a message of type mtype (> 0) on queue id, waiting for
// room unless flags has MsgNoWait. A signal during the wait is not an
// error: the send is retried.
// Equivalent to: `msgsnd(id, {mtype, body}, len(body), flags)`.
func (c *Client) MsgSend(id int, mtype int64, body []byte, flags MsgFlags) error {
	return c.MsgSendTimeout(id, mtype, body, flags, 0)
}

// MsgSendTimeout is MsgSend that waits for room at most timeout (> 0),
// then returns ErrTimeout and sends nothing. msgsnd(2) has no timeout: the
// wait is interrupted as MsgReceive's is (see there).
// Equivalent to: `msgsnd(id, {mtype, body}, len(body), flags)` with a deadline.
func (c *Client) MsgSendTimeout(id int, mtype int64, body []byte, flags MsgFlags, timeout time.Duration) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.MsgSendTimeout(id, mtype, body, flags, timeout) })
	}
	if mtype < 1 {
		return fmt.Errorf("message type %d: must be at least 1", mtype)
	}
	bp := getMsgBuf(sys.MsgHeaderSize + len(body))
	defer putMsgBuf(bp)
	buf := *bp
	sys.PutMtype(buf, mtype)
	copy(buf[sys.MsgHeaderSize:], body)
	send := func() error { return sys.Msgsnd(id, buf, int(flags&MsgNoWait)) }
	var err error
	if timeout > 0 && flags&MsgNoWait == 0 {
		err = interruptAfter(timeout, send)
	} else {
		for err = send(); err == unix.EINTR; err = send() {
		}
	}
	switch err {
	case nil:
		return nil
	case ErrTimeout:
		return fmt.Errorf("no room in the queue: %w", ErrTimeout)
	case unix.EAGAIN:
		return fmt.Errorf("queue is full: %w", ErrWouldBlock)
	case unix.EIDRM:
		return fmt.Errorf("queue removed while waiting: %w", ErrNotFound)
	case unix.EINVAL:
		// EINVAL is also a message longer than msgmax.
		if max, merr := c.MsgMax(); merr == nil && len(body) > max {
			return fmt.Errorf("message of %d bytes is larger than msgmax (%d bytes)", len(body), max)
		}
	}
	return sysvErr(KindMsg, id, err)
}

// MsgReceive takes a message from queue id: the first one when mtype is
// 0, the first of type mtype when mtype > 0 (of any other type with
// MsgExcept), the first of the lowest type <= -mtype when mtype < 0.
// maxSize is the largest body accepted; a longer message stays in the
// queue and ErrMsgTooLarge is returned, unless flags has MsgNoError.
//
// Without MsgNoWait it waits; with a timeout > 0 it waits at most that
// long and returns ErrTimeout. A signal during the wait is not an error:
// the wait resumes. msgrcv(2) has no timeout, so a timed receive blocks in
// msgrcv on a locked OS thread and, at the deadline, interrupts it with
// SIGURG sent to that thread (the Go runtime handles and ignores SIGURG;
// System V waits are never restarted, so msgrcv returns EINTR). The wait
// stays a real kernel wait — woken at once by a send, in turn with other
// receivers — and a message is either received or left in the queue.
// Equivalent to: `msgrcv(id, buf, maxSize, mtype, flags)`.
func (c *Client) MsgReceive(id, maxSize int, mtype int64, flags MsgFlags, timeout time.Duration) (Message, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (Message, error) { return c.MsgReceive(id, maxSize, mtype, flags, timeout) })
	}
	if maxSize < 0 {
		return Message{}, fmt.Errorf("receive size %d: must not be negative", maxSize)
	}
	bp := getMsgBuf(sys.MsgHeaderSize + maxSize)
	defer putMsgBuf(bp)
	buf := *bp
	kflags := int(flags & (MsgNoWait | MsgNoError | MsgExcept))
	if timeout <= 0 || flags&MsgNoWait != 0 {
		return receive(id, buf, mtype, kflags)
	}
	return receiveTimed(id, buf, mtype, kflags, timeout)
}

// receiveTimed is a blocking msgrcv that a timer interrupts at the deadline.
func receiveTimed(id int, buf []byte, mtype int64, flags int, timeout time.Duration) (Message, error) {
	var m Message
	err := interruptAfter(timeout, func() error {
		var err error
		m, err = receiveOnce(id, buf, mtype, flags)
		return err
	})
	return m, err
}

// interruptAfter runs wait, a blocking System V call that returns EINTR
// when a signal interrupts it, until it returns anything else or timeout
// passes (ErrTimeout). It runs on a locked OS thread, and at the deadline
// a timer sends that thread SIGURG (which the Go runtime handles and
// ignores), repeating until wait returns: a signal that lands between the
// expiry check and the system call would be missed. A late one reaches a
// thread doing something else, where SIGURG is harmless.
func interruptAfter(timeout time.Duration, wait func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid, tid := unix.Getpid(), unix.Gettid()
	var expired atomic.Bool
	done := make(chan struct{})
	defer close(done)
	timer := time.AfterFunc(timeout, func() {
		expired.Store(true)
		for {
			unix.Tgkill(pid, tid, unix.SIGURG)
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	defer timer.Stop()
	for !expired.Load() {
		if err := wait(); err != unix.EINTR {
			return err
		}
	}
	return ErrTimeout
}

// MsgPeek copies message number index (0 is the oldest) of queue id
// without removing it (MSG_COPY). It never waits: ErrWouldBlock when the
// queue has no message with that index. Kernels built without
// CONFIG_CHECKPOINT_RESTORE answer ENOSYS (ErrUnsupported); kernels
// older than 3.8 ignore MSG_COPY and would remove the message, so
// MsgPeek refuses to run there.
// Equivalent to: `msgrcv(id, buf, maxSize, index, MSG_COPY|IPC_NOWAIT)`.
func (c *Client) MsgPeek(id, maxSize int, index int64, flags MsgFlags) (Message, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (Message, error) { return c.MsgPeek(id, maxSize, index, flags) })
	}
	if index < 0 {
		return Message{}, fmt.Errorf("message index %d: must not be negative", index)
	}
	if !kernelAtLeast(3, 8) {
		return Message{}, fmt.Errorf("MSG_COPY needs Linux 3.8 or later: %w", ErrUnsupported)
	}
	bp := getMsgBuf(sys.MsgHeaderSize + maxSize)
	defer putMsgBuf(bp)
	m, err := receive(id, *bp, index, int(flags&MsgNoError)|sys.MSG_COPY|sys.IPC_NOWAIT)
	if err == unix.ENOSYS {
		return m, fmt.Errorf("MSG_COPY (kernel built without CONFIG_CHECKPOINT_RESTORE): %w", ErrUnsupported)
	}
	return m, err
}

// receive is msgrcv with EINTR retried and errnos mapped.
func receive(id int, buf []byte, msgtyp int64, flags int) (Message, error) {
	for {
		m, err := receiveOnce(id, buf, msgtyp, flags)
		if err != unix.EINTR {
			return m, err
		}
	}
}

// receiveOnce is one msgrcv with errnos mapped, except EINTR.
func receiveOnce(id int, buf []byte, msgtyp int64, flags int) (Message, error) {
	n, err := sys.Msgrcv(id, buf, msgtyp, flags)
	switch err {
	case nil:
		return Message{Type: sys.Mtype(buf), Body: bytes.Clone(buf[sys.MsgHeaderSize : sys.MsgHeaderSize+n])}, nil
	case unix.EINTR:
		return Message{}, err
	case unix.ENOMSG, unix.EAGAIN:
		return Message{}, ErrWouldBlock
	case unix.E2BIG:
		return Message{}, ErrMsgTooLarge
	case unix.EIDRM:
		return Message{}, fmt.Errorf("queue removed while waiting: %w", ErrNotFound)
	}
	return Message{}, sysvErr(KindMsg, id, err)
}

// msgBufs holds struct msgbuf buffers for reuse: a receive needs room for
// the largest message (kernel.msgmax, 8 KiB by default) but keeps only
// what arrived.
var msgBufs = sync.Pool{New: func() any { return new([]byte) }}

func getMsgBuf(n int) *[]byte {
	p := msgBufs.Get().(*[]byte)
	if cap(*p) < n {
		*p = make([]byte, n)
	}
	*p = (*p)[:n]
	return p
}

// putMsgBuf returns a buffer to the pool, unless it is too large to keep.
func putMsgBuf(p *[]byte) {
	if cap(*p) <= 1<<20 {
		msgBufs.Put(p)
	}
}

// kernelAtLeast reports whether the running kernel is major.minor or newer.
func kernelAtLeast(major, minor int) bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	var ma, mi int
	if _, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

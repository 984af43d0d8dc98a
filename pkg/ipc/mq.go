package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"time"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// POSIX message queues are reached by name through the mq_* system calls,
// which need no mounted filesystem; only listing reads the mqueue
// filesystem at /dev/mqueue, whose files say QSIZE:... NOTIFY:... SIGNO:...
// NOTIFY_PID:.... The kernel's name has no leading "/".

// MqPrioMax is MQ_PRIO_MAX: priorities run from 0 to MqPrioMax-1.
const MqPrioMax = sys.MQ_PRIO_MAX

// Timeouts for the blocking operations of PosixMq and PosixSem.
const (
	Forever time.Duration = -1 // block until done
	NoWait  time.Duration = 0  // fail with ErrWouldBlock instead of blocking
)

// Mq is a POSIX message queue.
type Mq struct {
	PosixFile
	// Status is the mqueue file's QSIZE (bytes queued) and notification
	// registration; nil when this process may not read the file.
	Status *procfs.MqueueStatus
	// From mq_getsetattr when this process may open the queue for reading
	// (and the client reads the live system); nil otherwise.
	MaxMsg  *uint64
	MsgSize *uint64
	CurMsgs *uint64
}

// MqAttr is a queue's struct mq_attr.
type MqAttr struct {
	MaxMsg   int64 // most messages
	MsgSize  int64 // largest message, bytes
	CurMsgs  int64 // messages now queued
	NonBlock bool  // O_NONBLOCK on this descriptor
}

// errMqueueNotMounted explains how to make the mqueue filesystem visible.
var errMqueueNotMounted = fmt.Errorf("%w: the mqueue filesystem is not mounted on /dev/mqueue "+
	"(mount it as root with `ipcctl ls mq --mount` or `mount -t mqueue none /dev/mqueue`)", ErrUnsupported)

// MqueueMounted reports whether an mqueue filesystem is mounted on
// /dev/mqueue, from proc/self/mounts. A tree without that file (a
// fixture) counts as mounted when it has a dev/mqueue directory.
func (c *Client) MqueueMounted() (bool, error) {
	if c.ns != nil {
		return c.ns.mqFD >= 0, c.ns.mqErr
	}
	mounts, err := c.fs.Mounts()
	if errors.Is(err, fs.ErrNotExist) {
		fi, err := os.Stat(c.mqDir())
		return err == nil && fi.IsDir(), nil
	}
	if err != nil {
		return false, err
	}
	for _, m := range mounts {
		if m.Point == "/dev/mqueue" && m.Type == "mqueue" {
			return true, nil
		}
	}
	return false, nil
}

// MqueueMount mounts the mqueue filesystem on /dev/mqueue (needs
// CAP_SYS_ADMIN), creating the directory if needed.
// Equivalent to: `mount -t mqueue none /dev/mqueue`.
func (c *Client) MqueueMount() error {
	if c.ns != nil {
		return errNSNoMount
	}
	dir := c.mqDir()
	if err := os.MkdirAll(dir, 0o1777); err != nil {
		return err
	}
	if err := unix.Mount("mqueue", dir, "mqueue", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return &fs.PathError{Op: "mount mqueue", Path: dir, Err: err}
	}
	return nil
}

// MqueueEnsureMounted mounts the mqueue filesystem on /dev/mqueue unless
// it is mounted already, and reports whether it mounted it now.
// Equivalent to: `mountpoint -q /dev/mqueue || mount -t mqueue none /dev/mqueue`.
func (c *Client) MqueueEnsureMounted() (bool, error) {
	mounted, err := c.MqueueMounted()
	if err != nil || mounted {
		return false, err
	}
	if err := c.MqueueMount(); err != nil {
		return false, err
	}
	return true, nil
}

// MqStat returns one queue; ErrNotFound when there is none. Without the
// mqueue mount only the attributes are known (no file, owner or QSIZE).
func (c *Client) MqStat(name string) (Mq, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (Mq, error) { return c.MqStat(name) })
	}
	if _, err := ParsePosixName(KindMq, name); err != nil {
		return Mq{}, err
	}
	mounted, err := c.MqueueMounted()
	if err != nil {
		return Mq{}, err
	}
	if !mounted {
		q := Mq{PosixFile: PosixFile{Name: name}}
		if err := c.mqAttrs(&q); err != nil {
			return Mq{}, err
		}
		if q.MaxMsg == nil {
			return Mq{}, errMqueueNotMounted
		}
		return q, nil
	}
	return c.mqStat(name)
}

func (c *Client) mqStat(name string) (Mq, error) {
	st, ok, err := lstatRegular(c.mqDir(), name[1:])
	if err != nil {
		return Mq{}, err
	}
	if !ok {
		return Mq{}, fmt.Errorf("message queue %s: %w", name, ErrNotFound)
	}
	q := Mq{PosixFile: posixFileFromStat(name, &st)}
	st2, err := c.mqueueFile(name[1:])
	switch {
	case err == nil:
		q.Status = &st2
	case errors.Is(err, fs.ErrPermission):
	default:
		return Mq{}, notFound(err)
	}
	if err := c.mqAttrs(&q); err != nil {
		return Mq{}, err
	}
	return q, nil
}

// mqAttrs fills the mq_getsetattr fields when the queue opens for reading.
func (c *Client) mqAttrs(q *Mq) error {
	if !c.live() {
		return nil
	}
	fd, e := sys.MqOpen(q.Name[1:], unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0, nil)
	switch e {
	case 0:
	case unix.EACCES, unix.EPERM:
		return nil
	case unix.ENOENT:
		return fmt.Errorf("message queue %s: %w", q.Name, ErrNotFound)
	default:
		return fmt.Errorf("mq_open %s: %w", q.Name, e)
	}
	defer unix.Close(fd)
	var a sys.MqAttr
	if e := sys.MqGetsetattr(fd, nil, &a); e != 0 {
		return fmt.Errorf("mq_getsetattr %s: %w", q.Name, e)
	}
	maxmsg, msgsize, cur := uint64(a.Maxmsg), uint64(a.Msgsize), uint64(a.Curmsgs)
	q.MaxMsg, q.MsgSize, q.CurMsgs = &maxmsg, &msgsize, &cur
	return nil
}

// MqCreateOptions say how to create a message queue.
type MqCreateOptions struct {
	MaxMsg  int64 // most messages; 0 with MsgSize 0 takes the kernel defaults (fs/mqueue/msg_default)
	MsgSize int64 // largest message in bytes; 0 with MaxMsg 0 takes msgsize_default
	Mode    uint32
	// Reuse opens an existing queue as it is instead of failing with EEXIST.
	Reuse bool
}

// MqCreate creates a queue, exclusively unless o.Reuse, and returns its
// attributes. The mode is exact: mq_open applies the umask, so the new
// queue is then fchmod-ed to o.Mode.
// Equivalent to: mq_open(NAME, O_CREAT|O_EXCL|O_RDWR, MODE, &attr).
func (c *Client) MqCreate(name string, o MqCreateOptions) (MqAttr, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (MqAttr, error) { return c.MqCreate(name, o) })
	}
	if _, err := ParsePosixName(KindMq, name); err != nil {
		return MqAttr{}, err
	}
	if (o.MaxMsg == 0) != (o.MsgSize == 0) {
		return MqAttr{}, fmt.Errorf("create %s: maxmsg and msgsize must be given together: %w", name, unix.EINVAL)
	}
	var attr *sys.MqAttr
	if o.MaxMsg != 0 {
		attr = &sys.MqAttr{Maxmsg: o.MaxMsg, Msgsize: o.MsgSize}
	}
	fd, e := sys.MqOpen(name[1:], unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, o.Mode&0o777, attr)
	if e == unix.EEXIST && o.Reuse {
		q, err := c.MqOpen(name, unix.O_RDONLY)
		if err != nil {
			return MqAttr{}, err
		}
		defer q.Close()
		return q.Attr()
	}
	if e != 0 {
		return MqAttr{}, fmt.Errorf("create %s: %w", name, e)
	}
	q := &PosixMq{name: name, fd: fd}
	defer q.Close()
	if err := unix.Fchmod(fd, o.Mode&0o777); err != nil {
		sys.MqUnlink(name[1:])
		return MqAttr{}, fmt.Errorf("create %s: fchmod: %w", name, err)
	}
	return q.Attr()
}

// MqRemove removes a queue's name; processes that have it open keep it.
// Equivalent to: mq_unlink(NAME).
func (c *Client) MqRemove(name string) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.MqRemove(name) })
	}
	if _, err := ParsePosixName(KindMq, name); err != nil {
		return err
	}
	if e := sys.MqUnlink(name[1:]); e != 0 {
		return fmt.Errorf("message queue %s: %w", name, mqErr(e))
	}
	return nil
}

// MqChmod sets a queue's permission bits (fchmod on a descriptor opened
// O_RDONLY, so it needs read permission or CAP_DAC_OVERRIDE).
// Equivalent to: `chmod MODE /dev/mqueue/NAME`.
func (c *Client) MqChmod(name string, mode uint32) error {
	q, err := c.MqOpen(name, unix.O_RDONLY)
	if err != nil {
		return err
	}
	defer q.Close()
	if err := unix.Fchmod(q.fd, mode&0o7777); err != nil {
		return fmt.Errorf("chmod %s: %w", name, err)
	}
	return nil
}

// MqChown sets a queue's owner, and its group unless gid is nil.
// 4294967295 ((uid_t)-1, chown's "no change") is refused as a usage error.
// Equivalent to: `chown UID[:GID] /dev/mqueue/NAME`.
func (c *Client) MqChown(name string, uid uint32, gid *uint32) error {
	if err := checkOwner(&uid, gid); err != nil {
		return err
	}
	q, err := c.MqOpen(name, unix.O_RDONLY)
	if err != nil {
		return err
	}
	defer q.Close()
	g := -1
	if gid != nil {
		g = int(*gid)
	}
	if err := unix.Fchown(q.fd, int(uid), g); err != nil {
		return fmt.Errorf("chown %s: %w", name, err)
	}
	return nil
}

// mqErr maps ENOENT to ErrNotFound.
func mqErr(e unix.Errno) error {
	if e == unix.ENOENT {
		return ErrNotFound
	}
	return e
}

// PosixMq is an open message queue descriptor.
type PosixMq struct {
	name     string
	fd       int
	msgsize  int64
	nonblock bool
}

// MqOpen opens an existing queue; access is unix.O_RDONLY, O_WRONLY or O_RDWR.
// Equivalent to: mq_open(NAME, ACCESS).
func (c *Client) MqOpen(name string, access int) (*PosixMq, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (*PosixMq, error) { return c.MqOpen(name, access) })
	}
	if _, err := ParsePosixName(KindMq, name); err != nil {
		return nil, err
	}
	fd, e := sys.MqOpen(name[1:], access&unix.O_ACCMODE|unix.O_CLOEXEC, 0, nil)
	if e != 0 {
		return nil, fmt.Errorf("message queue %s: %w", name, mqErr(e))
	}
	q := &PosixMq{name: name, fd: fd}
	a, err := q.Attr()
	if err != nil {
		q.Close()
		return nil, err
	}
	q.msgsize = a.MsgSize
	return q, nil
}

// Name is the queue's name, with its "/".
func (q *PosixMq) Name() string { return q.name }

// Attr returns the queue's attributes.
// Equivalent to: mq_getattr(3).
func (q *PosixMq) Attr() (MqAttr, error) {
	var a sys.MqAttr
	if e := sys.MqGetsetattr(q.fd, nil, &a); e != 0 {
		return MqAttr{}, fmt.Errorf("mq_getattr %s: %w", q.name, e)
	}
	return MqAttr{MaxMsg: a.Maxmsg, MsgSize: a.Msgsize, CurMsgs: a.Curmsgs, NonBlock: a.Flags&unix.O_NONBLOCK != 0}, nil
}

// setNonblock switches O_NONBLOCK on the descriptor when it must change.
func (q *PosixMq) setNonblock(on bool) error {
	if q.nonblock == on {
		return nil
	}
	a := sys.MqAttr{}
	if on {
		a.Flags = unix.O_NONBLOCK
	}
	if e := sys.MqGetsetattr(q.fd, &a, nil); e != 0 {
		return fmt.Errorf("mq_setattr %s: %w", q.name, e)
	}
	q.nonblock = on
	return nil
}

// deadline prepares a blocking call: NoWait switches to non-blocking,
// Forever gives no deadline, a positive timeout an absolute
// CLOCK_REALTIME deadline (what mq_timedsend/receive take).
func (q *PosixMq) deadline(timeout time.Duration) (*unix.Timespec, error) {
	if err := q.setNonblock(timeout == NoWait); err != nil {
		return nil, err
	}
	if timeout <= 0 {
		return nil, nil
	}
	var now unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME, &now); err != nil {
		return nil, err
	}
	ts := addTimespec(now, timeout) // clamped: --timeout 2562047h is "very long", not EINVAL
	return &ts, nil
}

// waitErr turns the errnos of a blocking call into the package errors.
func waitErr(e unix.Errno) error {
	switch e {
	case unix.EAGAIN:
		return ErrWouldBlock
	case unix.ETIMEDOUT:
		return ErrTimeout
	}
	return e
}

// Send queues msg with priority prio (0..MqPrioMax-1), waiting up to
// timeout while the queue is full (Forever, NoWait, or a duration). A
// message longer than the queue's msgsize is refused (EMSGSIZE).
// Equivalent to: mq_timedsend(3).
func (q *PosixMq) Send(msg []byte, prio uint32, timeout time.Duration) error {
	if prio >= MqPrioMax {
		return fmt.Errorf("send %s: priority %d out of range 0..%d: %w", q.name, prio, MqPrioMax-1, unix.EINVAL)
	}
	if int64(len(msg)) > q.msgsize {
		return fmt.Errorf("send %s: message of %d bytes exceeds the queue's msgsize %d: %w", q.name, len(msg), q.msgsize, unix.EMSGSIZE)
	}
	dl, err := q.deadline(timeout)
	if err != nil {
		return err
	}
	for {
		e := sys.MqTimedsend(q.fd, msg, prio, dl)
		if e == unix.EINTR {
			continue // the deadline is absolute: retrying keeps it
		}
		if e != 0 {
			return fmt.Errorf("send %s: %w", q.name, waitErr(e))
		}
		return nil
	}
}

// MqMessage is one message received from a POSIX queue.
type MqMessage struct {
	Data     []byte
	Priority uint32
}

// Receive takes the oldest message of the highest priority, waiting up to
// timeout while the queue is empty (Forever, NoWait, or a duration).
// Equivalent to: mq_timedreceive(3).
func (q *PosixMq) Receive(timeout time.Duration) (MqMessage, error) {
	buf := make([]byte, q.msgsize)
	n, prio, err := q.ReceiveInto(buf, timeout)
	if err != nil {
		return MqMessage{}, err
	}
	return MqMessage{Data: buf[:n:n], Priority: prio}, nil
}

// ReceiveInto is Receive into buf, which must hold the queue's msgsize
// (Attr().MsgSize) bytes; it returns the message length.
func (q *PosixMq) ReceiveInto(buf []byte, timeout time.Duration) (int, uint32, error) {
	if int64(len(buf)) < q.msgsize {
		return 0, 0, fmt.Errorf("receive %s: buffer of %d bytes is smaller than msgsize %d: %w", q.name, len(buf), q.msgsize, unix.EMSGSIZE)
	}
	dl, err := q.deadline(timeout)
	if err != nil {
		return 0, 0, err
	}
	for {
		var prio uint32
		n, e := sys.MqTimedreceive(q.fd, buf, &prio, dl)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, 0, fmt.Errorf("receive %s: %w", q.name, waitErr(e))
		}
		return n, prio, nil
	}
}

// NotifySignal asks the kernel to send sig to this process when a message
// arrives on the empty queue (one shot; EBUSY if another process is
// registered). Linux drops the registration when this process closes any
// descriptor of the queue, including a read of /dev/mqueue/NAME or an
// MqStat/MqList from this process (ipc/mqueue.c, mqueue_flush_file). sig 0 registers with SIGEV_NONE: the registration blocks
// others without any signal. A thread notification (SIGEV_THREAD) is a
// glibc construct and is not offered.
// Equivalent to: mq_notify(3) with SIGEV_SIGNAL or SIGEV_NONE.
func (q *PosixMq) NotifySignal(sig unix.Signal) error {
	sev := sys.Sigevent{Notify: sys.SIGEV_SIGNAL, Signo: int32(sig)}
	if sig == 0 {
		sev.Notify = sys.SIGEV_NONE
	}
	if e := sys.MqNotify(q.fd, &sev); e != 0 {
		return fmt.Errorf("mq_notify %s: %w", q.name, e)
	}
	return nil
}

// NotifyRemove removes this process's registration.
// Equivalent to: mq_notify(mqdes, NULL).
func (q *PosixMq) NotifyRemove() error {
	if e := sys.MqNotify(q.fd, nil); e != 0 {
		return fmt.Errorf("mq_notify %s: %w", q.name, e)
	}
	return nil
}

// WaitNotify blocks until the queue holds a message, through mq_notify:
// it registers for sig with SIGEV_SIGNAL (caught here with os/signal),
// returns at once if a message is already queued (the kernel notifies only
// on a transition from empty), and otherwise waits for the signal or for
// ctx to end (ErrTimeout for a deadline). It takes no message. Another
// sender of sig to this process also ends the wait, so callers re-check,
// e.g. with Receive(NoWait); the registration is removed on every way
// out, so a stray signal never leaves this process registered (which
// would make its next WaitNotify fail with EBUSY). EBUSY means another
// process is registered.
// WaitMessage does the same without a signal or a registration.
func (q *PosixMq) WaitNotify(ctx context.Context, sig unix.Signal) error {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sig)
	defer signal.Stop(ch)
	if err := q.NotifySignal(sig); err != nil {
		return err
	}
	a, err := q.Attr()
	if err == nil && a.CurMsgs > 0 {
		err = q.NotifyRemove()
		return err
	}
	if err != nil {
		q.NotifyRemove()
		return err
	}
	select {
	case <-ch:
		// The kernel's notification ends the registration; a stray signal
		// does not, and mq_notify(NULL) is a no-op once it has gone.
		q.NotifyRemove()
		return nil
	case <-ctx.Done():
		q.NotifyRemove()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("wait for %s: %w", q.name, ErrTimeout)
		}
		return ctx.Err()
	}
}

// WaitMessage blocks until the queue holds a message, without taking it:
// the mqueue descriptor is pollable (POLLIN while the queue is not empty).
// It ends with ErrTimeout after timeout (Forever: never; NoWait: at once
// when the queue is empty). Unlike a mq_notify registration it needs no
// signal and does not stop other processes registering.
func (q *PosixMq) WaitMessage(timeout time.Duration) error {
	var end time.Time
	if timeout > 0 {
		end = time.Now().Add(timeout)
	}
	for {
		ms := -1
		if timeout == NoWait {
			ms = 0
		} else if timeout > 0 {
			left := time.Until(end)
			if left < 0 {
				left = 0
			}
			ms = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		fds := []unix.PollFd{{Fd: int32(q.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("poll %s: %w", q.name, err)
		}
		if n > 0 {
			return nil
		}
		if timeout == NoWait {
			return fmt.Errorf("wait for %s: %w", q.name, ErrWouldBlock)
		}
		if timeout > 0 && !time.Now().Before(end) {
			return fmt.Errorf("wait for %s: %w", q.name, ErrTimeout)
		}
	}
}

// Close closes the descriptor. Equivalent to: mq_close(3).
func (q *PosixMq) Close() error {
	if q.fd < 0 {
		return nil
	}
	err := unix.Close(q.fd)
	q.fd = -1
	return err
}

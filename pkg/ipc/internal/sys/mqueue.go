package sys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// POSIX message queue system calls, after include/uapi/linux/mqueue.h and
// include/uapi/asm-generic/siginfo.h (struct sigevent). The kernel names
// a queue without glibc's leading "/". Both layouts are the same on amd64
// and arm64 (longs and pointers are 8 bytes).

// MQ_PRIO_MAX is the number of message priorities (include/linux/mqueue.h
// via limits.h): priorities run 0..MQ_PRIO_MAX-1.
const MQ_PRIO_MAX = 32768

// Sigevent notify types (include/uapi/asm-generic/siginfo.h).
const (
	SIGEV_SIGNAL = 0
	SIGEV_NONE   = 1
	SIGEV_THREAD = 2
)

// MqAttr is struct mq_attr.
type MqAttr struct {
	Flags    int64 // O_NONBLOCK or 0
	Maxmsg   int64 // most messages in the queue
	Msgsize  int64 // largest message, bytes
	Curmsgs  int64 // messages now in the queue
	Reserved [4]int64
}

// Sigevent is struct sigevent (64 bytes): the value passed to the handler,
// the signal, the notify type and a union the kernel uses for SIGEV_THREAD
// (netlink socket) and SIGEV_THREAD_ID.
type Sigevent struct {
	Value  uint64 // union sigval
	Signo  int32
	Notify int32
	Pad    [12]int32
}

// MqOpen is mq_open(const char *name, int oflag, umode_t mode, struct mq_attr *attr).
func MqOpen(name string, oflag int, mode uint32, attr *MqAttr) (int, unix.Errno) {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return -1, unix.EINVAL
	}
	r, _, e := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(p)), uintptr(oflag), uintptr(mode),
		uintptr(unsafe.Pointer(attr)), 0, 0)
	return int(r), e
}

// MqUnlink is mq_unlink(const char *name).
func MqUnlink(name string) unix.Errno {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return unix.EINVAL
	}
	_, _, e := unix.Syscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(p)), 0, 0)
	return e
}

// MqTimedsend is mq_timedsend(mqd_t, const char *msg, size_t len, unsigned int prio,
// const struct timespec *abs_timeout): abs_timeout is CLOCK_REALTIME, nil waits forever.
func MqTimedsend(mqd int, msg []byte, prio uint32, absTimeout *unix.Timespec) unix.Errno {
	var p unsafe.Pointer
	if len(msg) > 0 {
		p = unsafe.Pointer(&msg[0])
	}
	_, _, e := unix.Syscall6(unix.SYS_MQ_TIMEDSEND, uintptr(mqd), uintptr(p), uintptr(len(msg)), uintptr(prio),
		uintptr(unsafe.Pointer(absTimeout)), 0)
	return e
}

// MqTimedreceive is mq_timedreceive(mqd_t, char *msg, size_t len, unsigned int *prio,
// const struct timespec *abs_timeout); it returns the message length.
func MqTimedreceive(mqd int, buf []byte, prio *uint32, absTimeout *unix.Timespec) (int, unix.Errno) {
	var p unsafe.Pointer
	if len(buf) > 0 {
		p = unsafe.Pointer(&buf[0])
	}
	r, _, e := unix.Syscall6(unix.SYS_MQ_TIMEDRECEIVE, uintptr(mqd), uintptr(p), uintptr(len(buf)),
		uintptr(unsafe.Pointer(prio)), uintptr(unsafe.Pointer(absTimeout)), 0)
	return int(r), e
}

// MqGetsetattr is mq_getsetattr(mqd_t, const struct mq_attr *new, struct mq_attr *old).
func MqGetsetattr(mqd int, newAttr, oldAttr *MqAttr) unix.Errno {
	_, _, e := unix.Syscall(unix.SYS_MQ_GETSETATTR, uintptr(mqd), uintptr(unsafe.Pointer(newAttr)), uintptr(unsafe.Pointer(oldAttr)))
	return e
}

// MqNotify is mq_notify(mqd_t, const struct sigevent *); nil removes this
// process's registration.
func MqNotify(mqd int, sev *Sigevent) unix.Errno {
	_, _, e := unix.Syscall(unix.SYS_MQ_NOTIFY, uintptr(mqd), uintptr(unsafe.Pointer(sev)), 0)
	return e
}

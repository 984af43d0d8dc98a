package sys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// File calls for the POSIX listings' hot loop (one call or more per
// object in /dev/shm and /dev/mqueue). They take a NUL-terminated name
// (a pointer into a getdents buffer copy: no per-call allocation, unlike
// x/sys's string arguments).
//
// raw picks RawSyscall, which the caller may only do on tmpfs and the
// mqueue filesystem (it checks with one fstatfs of the directory): there
// none of these calls waits for long (a pread of a swapped-out tmpfs page
// waits for the swap-in, a short disk read), and the scheduler hand-off
// of Syscall cost more than the calls themselves, and kept sysmon
// polling every 20 µs (nanosleep and futex in profiles) while thousands
// were made. On any other filesystem (an --fs-root tree, a /dev/shm that
// is NFS or FUSE) a call may block indefinitely, and a raw one would hold
// its P and stall every GC stop-the-world, so they go through Syscall.

// OpenatZ is openat(2) of name, NUL-terminated, relative to dirfd.
func OpenatZ(raw bool, dirfd int, name *byte, flags int) (int, unix.Errno) {
	var r uintptr
	var e unix.Errno
	if raw {
		r, _, e = unix.RawSyscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(name)), uintptr(flags), 0, 0, 0)
	} else {
		r, _, e = unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(name)), uintptr(flags), 0, 0, 0)
	}
	return int(r), e
}

// FstatatZ is fstatat(2) (newfstatat) of name, NUL-terminated, relative to dirfd.
func FstatatZ(raw bool, dirfd int, name *byte, st *unix.Stat_t, flags int) unix.Errno {
	var e unix.Errno
	if raw {
		_, _, e = unix.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(dirfd), uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(st)), uintptr(flags), 0, 0)
	} else {
		_, _, e = unix.Syscall6(unix.SYS_NEWFSTATAT, uintptr(dirfd), uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(st)), uintptr(flags), 0, 0)
	}
	return e
}

// Fstat is fstat(2).
func Fstat(raw bool, fd int, st *unix.Stat_t) unix.Errno {
	var e unix.Errno
	if raw {
		_, _, e = unix.RawSyscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(st)), 0)
	} else {
		_, _, e = unix.Syscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(st)), 0)
	}
	return e
}

// Pread is pread64(2) into b (len(b) > 0).
func Pread(raw bool, fd int, b []byte, off int64) (int, unix.Errno) {
	var r uintptr
	var e unix.Errno
	if raw {
		r, _, e = unix.RawSyscall6(unix.SYS_PREAD64, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(off), 0, 0)
	} else {
		r, _, e = unix.Syscall6(unix.SYS_PREAD64, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(off), 0, 0)
	}
	return int(r), e
}

// Read is read(2) into b (len(b) > 0).
func Read(raw bool, fd int, b []byte) (int, unix.Errno) {
	var r uintptr
	var e unix.Errno
	if raw {
		r, _, e = unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	} else {
		r, _, e = unix.Syscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	}
	return int(r), e
}

// Close is close(2) (a FUSE file system is asked to flush on it: not raw there).
func Close(raw bool, fd int) unix.Errno {
	var e unix.Errno
	if raw {
		_, _, e = unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
	} else {
		_, _, e = unix.Syscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
	}
	return e
}

// MqGetattr is mq_getsetattr(2) reading the attributes only.
func MqGetattr(raw bool, mqd int, attr *MqAttr) unix.Errno {
	var e unix.Errno
	if raw {
		_, _, e = unix.RawSyscall(unix.SYS_MQ_GETSETATTR, uintptr(mqd), 0, uintptr(unsafe.Pointer(attr)))
	} else {
		_, _, e = unix.Syscall(unix.SYS_MQ_GETSETATTR, uintptr(mqd), 0, uintptr(unsafe.Pointer(attr)))
	}
	return e
}

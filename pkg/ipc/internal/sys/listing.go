package sys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// File calls for the POSIX listings' hot loop (one call or more per
// object in /dev/shm and /dev/mqueue). They take a NUL-terminated name
// (a pointer into a getdents buffer copy: no per-call allocation, unlike
// x/sys's string arguments) and use RawSyscall: on tmpfs and the mqueue
// filesystem none of them blocks, and the scheduler hand-off of Syscall
// cost more than the calls themselves, and kept sysmon polling every
// 20 µs (nanosleep and futex in profiles) while thousands were made.

// OpenatZ is openat(2) of name, NUL-terminated, relative to dirfd.
func OpenatZ(dirfd int, name *byte, flags int) (int, unix.Errno) {
	r, _, e := unix.RawSyscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(name)), uintptr(flags), 0, 0, 0)
	return int(r), e
}

// FstatatZ is fstatat(2) (newfstatat) of name, NUL-terminated, relative to dirfd.
func FstatatZ(dirfd int, name *byte, st *unix.Stat_t, flags int) unix.Errno {
	_, _, e := unix.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(dirfd), uintptr(unsafe.Pointer(name)), uintptr(unsafe.Pointer(st)), uintptr(flags), 0, 0)
	return e
}

// FstatRaw is fstat(2).
func FstatRaw(fd int, st *unix.Stat_t) unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(st)), 0)
	return e
}

// PreadRaw is pread64(2) into b (len(b) > 0).
func PreadRaw(fd int, b []byte, off int64) (int, unix.Errno) {
	r, _, e := unix.RawSyscall6(unix.SYS_PREAD64, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(off), 0, 0)
	return int(r), e
}

// ReadRaw is read(2) into b (len(b) > 0).
func ReadRaw(fd int, b []byte) (int, unix.Errno) {
	r, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	return int(r), e
}

// CloseRaw is close(2).
func CloseRaw(fd int) unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
	return e
}

// MqGetattrRaw is mq_getsetattr(2) reading the attributes only.
func MqGetattrRaw(mqd int, attr *MqAttr) unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_MQ_GETSETATTR, uintptr(mqd), 0, uintptr(unsafe.Pointer(attr)))
	return e
}

package sys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Futex operations and flags (include/uapi/linux/futex.h).
const (
	FUTEX_WAIT             = 0
	FUTEX_WAKE             = 1
	FUTEX_WAIT_BITSET      = 9
	FUTEX_WAKE_BITSET      = 10
	FUTEX_PRIVATE_FLAG     = 128
	FUTEX_CLOCK_REALTIME   = 256
	FUTEX_BITSET_MATCH_ANY = 0xffffffff
)

// Futex is the raw futex(2) system call:
// long futex(u32 *uaddr, int op, u32 val, const struct timespec *utime, u32 *uaddr2, u32 val3).
// For the WAIT operations it returns 0 when woken (possibly spuriously),
// EAGAIN when *uaddr != val, ETIMEDOUT or EINTR; for the WAKE operations
// it returns the number of waiters woken.
func Futex(uaddr *uint32, op int, val uint32, timeout *unix.Timespec, uaddr2 *uint32, val3 uint32) (int, unix.Errno) {
	r, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(uaddr)), uintptr(op), uintptr(val),
		uintptr(unsafe.Pointer(timeout)), uintptr(unsafe.Pointer(uaddr2)), uintptr(val3))
	return int(r), e
}

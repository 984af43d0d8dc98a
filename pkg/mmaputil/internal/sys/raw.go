package sys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Raw (non-blocking for the Go scheduler) forms of the calls a residency
// scan makes per file. x/sys's wrappers go through entersyscall, and over
// tens of thousands of short calls the runtime hands the P off and wakes
// threads (futex, nanosleep) more than the calls themselves cost. None of
// these waits for long: open and fstat of a local file, mmap/munmap of a
// PROT_NONE mapping that faults nothing in, mincore, cachestat, close.

// RawOpenat is openat(2) (include/uapi/asm-generic/fcntl.h for flags).
func RawOpenat(dirfd int, path *byte, flags int, mode uint32) (int, unix.Errno) {
	fd, _, e := unix.RawSyscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(path)), uintptr(flags), uintptr(mode), 0, 0)
	return int(fd), e
}

// RawFstat is fstat(2).
func RawFstat(fd int, st *unix.Stat_t) unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(st)), 0)
	return e
}

// RawMmap is mmap(2); offset is in bytes. The address is returned as a
// number: the mapping is only ever handed back to the kernel.
func RawMmap(length uintptr, prot, flags, fd int, offset int64) (uintptr, unix.Errno) {
	addr, _, e := unix.RawSyscall6(unix.SYS_MMAP, 0, length, uintptr(prot), uintptr(flags), uintptr(fd), uintptr(offset))
	return addr, e
}

// RawMunmap is munmap(2).
func RawMunmap(addr, length uintptr) unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_MUNMAP, addr, length, 0)
	return e
}

// RawCachestat is cachestat(2), Linux 6.5+ (include/uapi/linux/mman.h:
// struct cachestat_range, struct cachestat; flags must be 0): the page
// cache state of a byte range of fd in one call, where mincore looks at
// one page at a time. Older kernels answer ENOSYS.
func RawCachestat(fd int, crange *unix.CachestatRange, cstat *unix.Cachestat_t) unix.Errno {
	_, _, e := unix.RawSyscall6(unix.SYS_CACHESTAT, uintptr(fd), uintptr(unsafe.Pointer(crange)), uintptr(unsafe.Pointer(cstat)), 0, 0, 0)
	return e
}

// RawMincore is mincore(2) without entersyscall (see Mincore).
func RawMincore(addr, length uintptr, vec *byte) unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_MINCORE, addr, length, uintptr(unsafe.Pointer(vec)))
	return e
}

// RawClose is close(2).
func RawClose(fd int) unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
	return e
}

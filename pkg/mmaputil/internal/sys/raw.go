package sys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The calls a residency scan makes per file, without x/sys's string and
// slice conversions.
//
// Those that reach the file's filesystem go through Syscall: the scan
// walks any tree a user names, and an open's path walk, an fstat or an
// mmap (nfs_file_mmap revalidates with the server) or a close (FUSE
// flushes) on NFS or FUSE may block indefinitely; a RawSyscall would hold
// its P meanwhile and stall every GC stop-the-world.
//
// The Raw forms are for the calls that only look at memory already set
// up and never wait on a filesystem: mincore, cachestat (page cache
// lookups) and munmap of a PROT_NONE mapping that faulted nothing in.
// x/sys's wrappers go through entersyscall, and over tens of thousands of
// short calls the runtime hands the P off and wakes threads (futex,
// nanosleep) more than the calls themselves cost.

// Openat is openat(2) (include/uapi/asm-generic/fcntl.h for flags).
func Openat(dirfd int, path *byte, flags int, mode uint32) (int, unix.Errno) {
	fd, _, e := unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(path)), uintptr(flags), uintptr(mode), 0, 0)
	return int(fd), e
}

// Fstat is fstat(2).
func Fstat(fd int, st *unix.Stat_t) unix.Errno {
	_, _, e := unix.Syscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(st)), 0)
	return e
}

// Mmap is mmap(2); offset is in bytes. The address is returned as a
// number: the mapping is only ever handed back to the kernel.
func Mmap(length uintptr, prot, flags, fd int, offset int64) (uintptr, unix.Errno) {
	addr, _, e := unix.Syscall6(unix.SYS_MMAP, 0, length, uintptr(prot), uintptr(flags), uintptr(fd), uintptr(offset))
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

// Close is close(2).
func Close(fd int) unix.Errno {
	_, _, e := unix.Syscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
	return e
}

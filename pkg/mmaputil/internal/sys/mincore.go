// Package sys holds the memory system calls that golang.org/x/sys/unix
// lacks, written in x/sys style: a raw wrapper that matches the kernel
// signature and returns unix.Errno, with no policy.
package sys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Mincore is mincore(2): for each page of [addr, addr+length) it sets the
// low bit of the matching byte of vec when the page is resident
// (mm/mincore.c; the other bits are reserved). addr must be page aligned
// and vec at least length/pagesize bytes, rounded up.
func Mincore(addr unsafe.Pointer, length uintptr, vec *byte) unix.Errno {
	_, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(addr), length, uintptr(unsafe.Pointer(vec)))
	return e
}

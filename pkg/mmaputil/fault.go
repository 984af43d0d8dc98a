package mmaputil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// Touching mapped memory can fault where ordinary memory cannot: a page of
// a sparse tmpfs file when the tmpfs is full, a huge page of a segment
// made without a reservation when the pool is empty, a page past the end
// of a file another process truncated. The kernel then sends SIGBUS (or
// SIGSEGV), which kills a Go program with a fault trace. Every copy to or
// from a mapping here goes through Guard, which turns that fault into a
// *FaultError; copies the kernel makes itself (write(2), vmsplice(2) from
// a mapping) return EFAULT instead, which becomes the same error.

// FaultError is a fault taken on mapped memory: the kernel could not
// provide the page at Offset. It has no error class: commands exit 1.
type FaultError struct {
	Op     string // "read" or "write"
	Offset int64  // offset in the mapping of the byte that faulted; -1 if unknown
	Reason string // why the kernel could not provide its page, when known
}

func (e *FaultError) Error() string {
	page := "a page"
	if e.Offset >= 0 {
		page = fmt.Sprintf("the page at offset %d", e.Offset/int64(PageSize)*int64(PageSize))
	}
	msg := fmt.Sprintf("%s of the mapping failed: the kernel could not provide %s (SIGBUS)", e.Op, page)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// FaultReason says why the page at offset off of a mapping could not be
// provided; "" when it does not know.
type FaultReason func(off int64) string

// Guard runs fn, which touches mem, with memory faults turned into a
// *FaultError naming the offset in mem and, through reason (may be nil),
// why. Only this goroutine and only the time fn runs are affected
// (debug.SetPanicOnFault); a fault outside mem is a bug elsewhere and
// still crashes. fn must do nothing but touch mem: a fault leaves it
// half done.
func Guard(mem []byte, op string, reason FaultReason, fn func()) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		addr, ok := r.(interface{ Addr() uintptr })
		if _, isRuntime := r.(runtime.Error); !ok || !isRuntime {
			panic(r)
		}
		base := uintptr(unsafe.Pointer(unsafe.SliceData(mem)))
		a := addr.Addr()
		if a < base || a >= base+uintptr(len(mem)) {
			panic(r)
		}
		err = newFault(op, int64(a-base), reason)
	}()
	fn()
	return nil
}

func newFault(op string, off int64, reason FaultReason) *FaultError {
	e := &FaultError{Op: op, Offset: off}
	if reason != nil {
		e.Reason = reason(off)
	}
	return e
}

// ReadMem copies mem[off:] into p, like io.ReaderAt.ReadAt.
func ReadMem(mem, p []byte, off int64, reason FaultReason) (int, error) {
	if off < 0 || off > int64(len(mem)) {
		return 0, fmt.Errorf("read at offset %d of a %d-byte mapping: %w", off, len(mem), ErrPastEOF)
	}
	var n int
	err := Guard(mem, "read", reason, func() { n = copy(p, mem[off:]) })
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

// WriteMem copies p into mem at off, like io.WriterAt.WriteAt; p must fit.
func WriteMem(mem, p []byte, off int64, reason FaultReason) (int, error) {
	if off < 0 || off > int64(len(mem)) || int64(len(p)) > int64(len(mem))-off {
		return 0, fmt.Errorf("write of %d bytes at offset %d of a %d-byte mapping: %w", len(p), off, len(mem), ErrPastEOF)
	}
	err := Guard(mem, "write", reason, func() { copy(mem[off:], p) })
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// copyChunk is how much CopyMem copies out of a mapping at a time when
// the writer is not a file descriptor.
const copyChunk = 256 << 10

// CopyMem writes mem to w. To a file or pipe the kernel copies straight
// from the mapping (write(2), or vmsplice(2) to a pipe, which hands the
// pages over instead of copying them: what makes `mmap --read | ...`
// faster than cat); a page it cannot read is EFAULT. Any other writer
// gets the bytes through a buffer, copied under Guard. Either way a page
// that cannot be provided is a *FaultError.
//
// With vmsplice the reader takes the pages after CopyMem returns, so the
// caller must not change the mapping afterwards (unmapping is fine).
func CopyMem(w io.Writer, mem []byte, reason FaultReason) (int64, error) {
	if f, ok := w.(*os.File); ok {
		return copyToFile(f, mem, reason)
	}
	buf := make([]byte, min(len(mem), copyChunk))
	var done int64
	for len(mem) > 0 {
		n := min(len(mem), len(buf))
		if err := Guard(mem, "read", shifted(reason, done), func() { copy(buf, mem[:n]) }); err != nil {
			fe := err.(*FaultError)
			fe.Offset += done
			return done, fe
		}
		if _, err := w.Write(buf[:n]); err != nil {
			return done, err
		}
		mem = mem[n:]
		done += int64(n)
	}
	return done, nil
}

// shifted makes reason, asked about an offset in a part of a mapping
// that starts at base, answer for the whole mapping.
func shifted(reason FaultReason, base int64) FaultReason {
	if reason == nil {
		return nil
	}
	return func(off int64) string { return reason(base + off) }
}

func copyToFile(f *os.File, mem []byte, reason FaultReason) (int64, error) {
	var sent int64
	if isPipe(f) {
		n, err := vmspliceAll(int(f.Fd()), mem)
		sent = n
		switch {
		case err == nil:
			return sent, nil
		case errors.Is(err, unix.EFAULT):
			return sent, newFault("read", sent, reason)
		case !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EINVAL):
			return sent, err
		}
		// No vmsplice here: write the rest.
	}
	for sent < int64(len(mem)) {
		n, err := f.Write(mem[sent:])
		sent += int64(n)
		if errors.Is(err, unix.EFAULT) {
			return sent, newFault("read", sent, reason)
		}
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// FileFaultReason explains a fault at file offset off (-1: unknown) of a
// mapping of the file at path: the file was truncated under the mapping, its
// filesystem is full (a tmpfs allocates a sparse file's pages when they
// are first touched), or its huge page pool is empty.
func FileFaultReason(path string, off int64) string {
	var st unix.Stat_t
	if off >= 0 && unix.Stat(path, &st) == nil && off >= st.Size {
		return fmt.Sprintf("%s is now %d bytes: it was truncated while mapped", path, st.Size)
	}
	var sf unix.Statfs_t
	if unix.Statfs(path, &sf) != nil {
		return ""
	}
	if sf.Type == unix.HUGETLBFS_MAGIC {
		return HugePoolFaultReason(uint64(sf.Bsize))
	}
	msg := NoSpace(path)
	if msg != "" && sf.Type == unix.TMPFS_MAGIC {
		msg += " (the file is sparse: a tmpfs allocates its pages when they are first touched)"
	}
	return msg
}

// NoSpace says "no space left on the tmpfs /dev/shm" (or the file system
// and mount point that hold path) when that file system is full, else "".
func NoSpace(path string) string {
	var sf unix.Statfs_t
	if unix.Statfs(path, &sf) != nil && unix.Statfs(filepath.Dir(path), &sf) != nil {
		return ""
	}
	if sf.Bavail != 0 && sf.Bfree != 0 {
		return ""
	}
	what := "the file system"
	if sf.Type == unix.TMPFS_MAGIC {
		what = "the tmpfs"
	}
	if mnt := mountPoint(path); mnt != "" {
		what += " " + mnt
	}
	return "no space left on " + what
}

// mountPoint is the mount point of the filesystem holding path, from
// /proc/self/mounts (the longest mount point that is a prefix of it).
func mountPoint(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	mounts, err := procfs.DefaultFS.Mounts()
	if err != nil {
		return ""
	}
	best := ""
	for _, m := range mounts {
		p := m.Point
		if (abs == p || strings.HasPrefix(abs, strings.TrimSuffix(p, "/")+"/")) && len(p) > len(best) {
			best = p
		}
	}
	return best
}

// HugePoolFaultReason explains a fault on a huge page of pageSize bytes:
// the pool had no free page to give (a mapping made without a reservation,
// SHM_NORESERVE or MAP_NORESERVE, takes its pages only when touched).
func HugePoolFaultReason(pageSize uint64) string {
	nr, free, err := procfs.DefaultFS.HugetlbPool(pageSize)
	name := fmt.Sprintf("%d kB", pageSize>>10)
	if err != nil {
		return fmt.Sprintf("the huge page pool of %s pages could not provide a page", name)
	}
	return fmt.Sprintf("the huge page pool of %s pages is empty (%d pages, %d free): "+
		"memory made without a reservation (--noreserve) takes its pages only when touched; "+
		"fill the pool with `ipcctl hugepage set %s --min N` (as root)", name, nr, free, procfs.PageSizeName(pageSize))
}

// RegionFaultReason explains a fault in this process's mapping that
// starts at addr from /proc/self/smaps: a mapping backed by huge pages
// faults when their pool is empty.
func RegionFaultReason(addr uintptr) string {
	reg, err := procfs.DefaultFS.SmapsAt("self", uint64(addr))
	if err != nil {
		return ""
	}
	if kps := reg.Fields["KernelPageSize"]; kps > uint64(PageSize) {
		return HugePoolFaultReason(kps)
	}
	return ""
}

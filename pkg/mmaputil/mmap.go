// Package mmaputil maps files and anonymous memory and operates on the
// mappings: msync, madvise, mlock, mprotect, mremap, mincore, and
// posix_fadvise on files. It acts and returns errors; it never prints.
package mmaputil

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"sync/atomic"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/mmaputil/internal/sys"
	"golang.org/x/sys/unix"
)

// PageSize is the base page size of this system.
var PageSize = unix.Getpagesize()

// Errors callers test with errors.Is; the messages carry the details.
var (
	ErrUnaligned  = errors.New("not page aligned")
	ErrPastEOF    = errors.New("past the end of the file")
	ErrEmpty      = errors.New("nothing to map")
	ErrNotRegular = errors.New("not a regular file")
	// ErrHugePageSize: the kernel has no pool of the requested huge page size.
	ErrHugePageSize = errors.New("huge page size not offered by the kernel")
)

// Mapping is one mmap'ed range.
type Mapping struct {
	data     []byte
	Offset   int64  // file offset of the first byte (0 for anonymous memory)
	Prot     int    // unix.PROT_* bits
	Flags    int    // unix.MAP_* flags passed to mmap
	PageSize uint64 // page size backing the mapping (the huge page size for hugetlb)

	reason FaultReason // why a page could not be provided
	// A file MapFile grew, and the size it had before (see UndoGrow).
	grown     *os.File
	grownFrom int64
}

// Bytes is the mapped memory. Touching it where nothing backs it
// faults and kills the process: ReadAt, WriteAt and WriteTo turn such a
// fault into a *FaultError, and are what callers should use.
func (m *Mapping) Bytes() []byte { return m.data }

// ReadAt copies the mapped bytes from off into p (io.ReaderAt). A page
// the kernel cannot provide gives a *FaultError.
func (m *Mapping) ReadAt(p []byte, off int64) (int, error) { return ReadMem(m.data, p, off, m.reason) }

// WriteAt copies p into the mapping at off (io.WriterAt); p must fit. A
// page the kernel cannot provide gives a *FaultError, with the write
// done up to that page.
func (m *Mapping) WriteAt(p []byte, off int64) (int, error) {
	return WriteMem(m.data, p, off, m.reason)
}

// CopyTo writes n mapped bytes from off to w (see CopyMem).
func (m *Mapping) CopyTo(w io.Writer, off, n int64) (int64, error) {
	if off < 0 || n < 0 || off > int64(len(m.data)) || n > int64(len(m.data))-off {
		return 0, fmt.Errorf("%d bytes at offset %d of a %d-byte mapping: %w", n, off, len(m.data), ErrPastEOF)
	}
	return CopyMem(w, m.data[off:off+n], shifted(m.reason, off))
}

// WriteTo writes the mapped bytes to w (io.WriterTo; see CopyMem).
//
// Equivalent to: vmsplice(fd, {addr, length}, 1, 0), or write(2).
func (m *Mapping) WriteTo(w io.Writer) (int64, error) { return CopyMem(w, m.data, m.reason) }

// Len is the mapped length in bytes.
func (m *Mapping) Len() int { return len(m.data) }

// Addr is the start address, as /proc/PID/maps shows it.
func (m *Mapping) Addr() uint64 {
	if len(m.data) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&m.data[0])))
}

// Shared reports whether writes reach the file (MAP_SHARED).
func (m *Mapping) Shared() bool { return m.Flags&unix.MAP_SHARED != 0 }

// FileOptions say how to map a file.
type FileOptions struct {
	Offset   int64 // must be a multiple of PageSize
	Length   int64 // 0: from Offset to the end of the file
	Prot     int   // unix.PROT_* bits; 0 is PROT_NONE (enough for mincore)
	Private  bool  // MAP_PRIVATE: writes stay in this process
	Populate bool  // MAP_POPULATE: fault every page in now
	// Grow extends the file when Offset+Length is past its end, instead
	// of refusing (touching a page past the end is SIGBUS). The new part
	// is allocated (fallocate) where the filesystem can: on a full tmpfs
	// the grow fails at once and the file keeps its size, rather than
	// faulting later. The file must stay open for UndoGrow.
	Grow bool
}

// MapFile maps part of f. The file must be open for reading, and for
// writing too when the mapping is shared and writable or Grow is set.
//
// Equivalent to: mmap(NULL, length, prot, MAP_SHARED, fd, offset).
func MapFile(f *os.File, o FileOptions) (*Mapping, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return nil, &os.PathError{Op: "fstat", Path: f.Name(), Err: err}
	}
	if err := checkRegular(f.Name(), st.Mode); err != nil {
		return nil, err
	}
	if o.Offset < 0 || o.Offset%int64(PageSize) != 0 {
		return nil, fmt.Errorf("offset %d: %w: must be a multiple of the page size %d", o.Offset, ErrUnaligned, PageSize)
	}
	size := st.Size
	length := o.Length
	if length < 0 {
		return nil, fmt.Errorf("length %d: %w", length, ErrEmpty)
	}
	if length == 0 {
		length = size - o.Offset
		if length <= 0 {
			if size == 0 {
				return nil, fmt.Errorf("%s: %w: the file is empty", f.Name(), ErrEmpty)
			}
			return nil, fmt.Errorf("%s: %w: offset %d is at or past the end of the file (%d bytes)", f.Name(), ErrEmpty, o.Offset, size)
		}
	}
	end := o.Offset + length
	if end < o.Offset || length > math.MaxInt {
		return nil, fmt.Errorf("offset %d + length %d: %w", o.Offset, length, ErrPastEOF)
	}
	path := f.Name()
	m := &Mapping{Offset: o.Offset, Prot: o.Prot, PageSize: uint64(PageSize)}
	m.reason = func(off int64) string {
		if off < 0 { // somewhere in the mapping: a file now shorter was cut under it
			off = length - 1
		}
		return FileFaultReason(path, o.Offset+off)
	}
	if end > size {
		if !o.Grow {
			return nil, fmt.Errorf("%s: offset %d + length %d = %d is %w (%d bytes)", path, o.Offset, length, end, ErrPastEOF, size)
		}
		if err := grow(f, size, end); err != nil {
			return nil, err
		}
		m.grown, m.grownFrom = f, size
	}
	flags := unix.MAP_SHARED
	if o.Private {
		flags = unix.MAP_PRIVATE
	}
	if o.Populate {
		flags |= unix.MAP_POPULATE
	}
	data, err := unix.Mmap(int(f.Fd()), o.Offset, int(length), o.Prot, flags)
	if err != nil {
		m.UndoGrow()
		return nil, &os.PathError{Op: "mmap", Path: path, Err: err}
	}
	m.data, m.Flags = data, flags
	return m, nil
}

// grow extends f from size to end bytes, allocating the new part with
// fallocate(2) so that it is backed before anything touches it. Where
// the filesystem cannot allocate ahead (EOPNOTSUPP) it only sets the
// size. On failure the file has its old size.
func grow(f *os.File, size, end int64) error {
	fd := int(f.Fd())
	err := unix.Fallocate(fd, 0, size, end-size)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
		err = unix.Ftruncate(fd, end)
	}
	if err == nil {
		return nil
	}
	_ = unix.Ftruncate(fd, size) // a partial allocation may have moved the end
	if errors.Is(err, unix.ENOSPC) {
		reason := NoSpace(f.Name())
		if reason == "" {
			reason = err.Error()
		}
		return fmt.Errorf("%s: cannot grow from %d to %d bytes: %s; the file keeps its size", f.Name(), size, end, reason)
	}
	return &os.PathError{Op: "grow", Path: f.Name(), Err: err}
}

// UndoGrow gives the file back the size it had before MapFile grew it
// (Grow), for a caller whose work on the grown mapping failed; it does
// nothing when MapFile did not grow the file. Call it before closing the
// file.
//
// Equivalent to: ftruncate(fd, old size).
func (m *Mapping) UndoGrow() error {
	if m.grown == nil {
		return nil
	}
	f := m.grown
	m.grown = nil
	if err := unix.Ftruncate(int(f.Fd()), m.grownFrom); err != nil {
		return &os.PathError{Op: "ftruncate", Path: f.Name(), Err: err}
	}
	return nil
}

// checkRegular refuses what is not a regular file, naming directories.
func checkRegular(path string, mode uint32) error {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return nil
	case unix.S_IFDIR:
		return fmt.Errorf("%s: %w (is a directory)", path, ErrNotRegular)
	}
	return fmt.Errorf("%s: %w", path, ErrNotRegular)
}

// AnonOptions say how to map anonymous memory.
type AnonOptions struct {
	Prot     int  // unix.PROT_* bits; 0 means read+write
	Populate bool // MAP_POPULATE
	// HugePageSize > 0 asks for MAP_HUGETLB pages of that size (a power of
	// two the kernel offers); the length is rounded up to a whole page.
	HugePageSize uint64
}

// HugePoolError is an anonymous MAP_HUGETLB mapping refused for want of
// free pages in the pool (the kernel says ENOMEM).
type HugePoolError struct {
	PageSize, Pages uint64
}

func (e *HugePoolError) Error() string {
	return fmt.Sprintf("not enough free huge pages of %d KiB in the pool for %d page(s)", e.PageSize>>10, e.Pages)
}

// Unwrap is errors.ErrUnsupported: huge pages are unavailable here until
// someone fills the pool.
func (e *HugePoolError) Unwrap() error { return errors.ErrUnsupported }

// Anon maps size bytes of private anonymous memory.
//
// Equivalent to: mmap(NULL, size, prot, MAP_PRIVATE|MAP_ANONYMOUS[|MAP_HUGETLB|log2(hugesize)<<MAP_HUGE_SHIFT], -1, 0).
func Anon(size uint64, o AnonOptions) (*Mapping, error) {
	if size == 0 {
		return nil, fmt.Errorf("size 0: %w", ErrEmpty)
	}
	prot := o.Prot
	if prot == 0 {
		prot = unix.PROT_READ | unix.PROT_WRITE
	}
	flags := unix.MAP_PRIVATE | unix.MAP_ANONYMOUS
	if o.Populate {
		flags |= unix.MAP_POPULATE
	}
	page := uint64(PageSize)
	if hs := o.HugePageSize; hs > 0 {
		if hs&(hs-1) != 0 {
			return nil, fmt.Errorf("huge page size %d: %w (not a power of two)", hs, ErrHugePageSize)
		}
		flags |= unix.MAP_HUGETLB | bits.TrailingZeros64(hs)<<unix.MAP_HUGE_SHIFT
		page = hs
	}
	length := (size + page - 1) / page * page
	if length < size || length > math.MaxInt {
		return nil, fmt.Errorf("size %d: %w", size, unix.ENOMEM)
	}
	data, err := unix.Mmap(-1, 0, int(length), prot, flags)
	if err != nil {
		if o.HugePageSize > 0 && errors.Is(err, unix.ENOMEM) {
			return nil, &HugePoolError{PageSize: page, Pages: length / page}
		}
		if o.HugePageSize > 0 && errors.Is(err, unix.EINVAL) {
			return nil, fmt.Errorf("huge page size %d: %w", o.HugePageSize, ErrHugePageSize)
		}
		return nil, fmt.Errorf("mmap %d bytes: %w", length, err)
	}
	m := &Mapping{data: data, Prot: prot, Flags: flags, PageSize: page}
	if o.HugePageSize > 0 {
		m.reason = func(int64) string { return HugePoolFaultReason(page) }
	}
	// A distinct VM flag keeps the kernel from merging the region with
	// neighbouring anonymous memory, so /proc/self/smaps shows it alone.
	_ = m.Advise(unix.MADV_DONTFORK)
	return m, nil
}

// Sync flushes changes to the file: flags is unix.MS_SYNC, MS_ASYNC or
// MS_INVALIDATE (possibly combined). On a private mapping it does nothing.
//
// Equivalent to: msync(addr, length, flags).
func (m *Mapping) Sync(flags int) error {
	if err := unix.Msync(m.data, flags); err != nil {
		return fmt.Errorf("msync: %w", err)
	}
	return nil
}

// Advise gives the kernel advice about the whole mapping (unix.MADV_*).
//
// Equivalent to: madvise(addr, length, advice).
func (m *Mapping) Advise(advice int) error {
	if err := unix.Madvise(m.data, advice); err != nil {
		return fmt.Errorf("madvise: %w", err)
	}
	return nil
}

// Populate faults in every page of a writable mapping now, rather than
// at first touch: MADV_POPULATE_WRITE (Linux 5.14), or on older kernels
// an atomic add of 0 to each page's first word, under Guard. A
// page the kernel cannot provide (an empty huge page pool, a cgroup
// limit, a full tmpfs) is a *FaultError, never a SIGBUS.
//
// Equivalent to: madvise(addr, length, MADV_POPULATE_WRITE).
func (m *Mapping) Populate() error {
	err := unix.Madvise(m.data, unix.MADV_POPULATE_WRITE)
	// EINVAL: a kernel before 5.14. EFAULT: a page would SIGBUS; the
	// touch below finds which, and why.
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EFAULT) {
		return fmt.Errorf("madvise(MADV_POPULATE_WRITE): %w", err)
	}
	step := int(m.PageSize)
	if step <= 0 {
		step = PageSize
	}
	return Guard(m.data, "populate", m.reason, func() {
		for i := 0; i < len(m.data); i += step {
			// An atomic add of 0 writes the page without changing it,
			// and no compiler removes it (a plain b[i] = b[i] is).
			atomic.AddUint32((*uint32)(unsafe.Pointer(&m.data[i])), 0)
		}
	})
}

// LockError is a failed mlock, with the RLIMIT_MEMLOCK that usually explains it.
type LockError struct {
	Bytes uint64
	Limit uint64 // RLIMIT_MEMLOCK soft limit; math.MaxUint64 is unlimited
	Err   error
}

func (e *LockError) Error() string {
	limit := "unlimited"
	if e.Limit != unix.RLIM_INFINITY {
		limit = fmt.Sprintf("%d bytes", e.Limit)
	}
	return fmt.Sprintf("mlock %d bytes: %v (RLIMIT_MEMLOCK is %s; raise it with ulimit -l or grant CAP_IPC_LOCK)", e.Bytes, e.Err, limit)
}

func (e *LockError) Unwrap() error { return e.Err }

// MemlockLimit is the soft RLIMIT_MEMLOCK in bytes.
func MemlockLimit() (uint64, error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
		return 0, err
	}
	return rl.Cur, nil
}

// Lock locks the mapping's pages in memory, faulting them in.
//
// Equivalent to: mlock(addr, length).
func (m *Mapping) Lock() error {
	if err := unix.Mlock(m.data); err != nil {
		limit, _ := MemlockLimit()
		return &LockError{Bytes: uint64(len(m.data)), Limit: limit, Err: err}
	}
	return nil
}

// Unlock undoes Lock.
//
// Equivalent to: munlock(addr, length).
func (m *Mapping) Unlock() error {
	if err := unix.Munlock(m.data); err != nil {
		return fmt.Errorf("munlock: %w", err)
	}
	return nil
}

// Protect changes the protection of the whole mapping (unix.PROT_*).
//
// Equivalent to: mprotect(addr, length, prot).
func (m *Mapping) Protect(prot int) error {
	if err := unix.Mprotect(m.data, prot); err != nil {
		return fmt.Errorf("mprotect: %w", err)
	}
	m.Prot = prot
	return nil
}

// Remap grows or shrinks the mapping, moving it if it must. Growing a file
// mapping past the end of the file does not grow the file.
//
// Equivalent to: mremap(addr, length, newLen, MREMAP_MAYMOVE).
func (m *Mapping) Remap(newLen int) error {
	if newLen <= 0 {
		return fmt.Errorf("mremap to %d bytes: %w", newLen, ErrEmpty)
	}
	data, err := unix.Mremap(m.data, newLen, unix.MREMAP_MAYMOVE)
	if err != nil {
		return fmt.Errorf("mremap: %w", err)
	}
	m.data = data
	return nil
}

// PageMap holds one byte per page: 1 when the page is resident, else 0.
type PageMap []byte

// Count is the number of resident pages.
func (p PageMap) Count() uint64 {
	var n uint64
	for _, b := range p {
		n += uint64(b)
	}
	return n
}

// Resident reports which base pages of the mapping are in memory (for a
// file mapping: in the page cache, whether or not this process faulted
// them in).
//
// Equivalent to: mincore(addr, length, vec).
func (m *Mapping) Resident() (PageMap, error) {
	if len(m.data) == 0 {
		return PageMap{}, nil
	}
	pages := (len(m.data) + PageSize - 1) / PageSize
	vec := make(PageMap, pages)
	if e := sys.Mincore(unsafe.Pointer(&m.data[0]), uintptr(len(m.data)), &vec[0]); e != 0 {
		return nil, fmt.Errorf("mincore: %w", e)
	}
	for i, b := range vec {
		vec[i] = b & 1 // the other bits are reserved
	}
	return vec, nil
}

// Close unmaps the mapping. It is safe to call twice.
//
// Equivalent to: munmap(addr, length).
func (m *Mapping) Close() error {
	if m.data == nil {
		return nil
	}
	err := unix.Munmap(m.data)
	m.data = nil
	if err != nil {
		return fmt.Errorf("munmap: %w", err)
	}
	return nil
}

// Fadvise gives the kernel advice about a range of an open file
// (unix.FADV_*); length 0 means to the end of the file.
//
// Equivalent to: posix_fadvise(fd, offset, length, advice).
func Fadvise(f *os.File, offset, length int64, advice int) error {
	if err := unix.Fadvise(int(f.Fd()), offset, length, advice); err != nil {
		return &os.PathError{Op: "fadvise", Path: f.Name(), Err: err}
	}
	return nil
}

package mmaputil

import (
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/ipcctl/ipcctl/pkg/errclass"

	"github.com/ipcctl/ipcctl/pkg/mmaputil/internal/sys"
	"golang.org/x/sys/unix"
)

// Residency is how much of a file is in the page cache.
type Residency struct {
	Path     string
	Size     int64   // file size in bytes
	Pages    uint64  // pages the file spans
	Resident uint64  // of those, pages in the page cache
	Map      PageMap // per page, when asked for; nil otherwise
}

// ResidentBytes is Resident in bytes: whole pages, as the cache holds
// them and fincore counts them, so a partial last page counts in full.
func (r Residency) ResidentBytes() uint64 { return r.Resident * uint64(PageSize) }

// openRegular opens path and checks it is a regular file.
func openRegular(path string, flag int) (*os.File, int64, error) {
	// O_NONBLOCK: a FIFO is refused below, not waited on.
	f, err := os.OpenFile(path, flag|unix.O_NONBLOCK, 0)
	err = errclass.IfNotExist(err)
	if err != nil {
		return nil, 0, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, 0, &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	if err := checkRegular(path, st.Mode); err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size, nil
}

// fillResidency counts the resident pages of m, a mapping of all of r's file.
func fillResidency(r Residency, m *Mapping) (Residency, error) {
	vec, err := m.Resident()
	if err != nil {
		return r, fmt.Errorf("%s: %w", r.Path, err)
	}
	r.Resident = vec.Count()
	return r, nil
}

// FileResidency reports how much of the file at path is in the page
// cache; keepMap keeps the per-page map.
//
// It runs on every file of a tree, so it keeps to the system calls the
// job needs (open, fstat, cachestat, close; or mmap, mincore and munmap
// for a per-page map or before Linux 6.5), raw where that is safe (see
// internal/sys/raw.go), without an *os.File (which would also try to
// register with the poller), and reuses a Scanner's mincore vector.
//
// Equivalent to: `fincore --bytes FILE`.
func FileResidency(path string, keepMap bool) (Residency, error) {
	var s Scanner
	return s.FileResidency(path, keepMap)
}

// scanWindow is how many bytes of a file one mincore call looks at when
// no per-page map is kept (a multiple of any page size).
var scanWindow = 1 << 30

// Scanner measures residency of many files, reusing its buffer. Not safe
// for concurrent use.
type Scanner struct {
	vec         []byte
	noCachestat bool // cachestat failed with ENOSYS: an older kernel
}

// cachestat counts the cached pages of the first pages of fd with one
// cachestat(2) call; ok is false where the kernel cannot (before Linux
// 6.5, or a file system it refuses), and mincore must count instead.
func (s *Scanner) cachestat(fd int, pages uint64) (resident uint64, ok bool) {
	if s.noCachestat {
		return 0, false
	}
	crange := unix.CachestatRange{Off: 0, Len: pages * uint64(PageSize)}
	var cs unix.Cachestat_t
	if e := sys.RawCachestat(fd, &crange, &cs); e != 0 {
		s.noCachestat = e == unix.ENOSYS
		return 0, false
	}
	// Large folios count as their pages; a page past EOF is never cached.
	return min(cs.Cache, pages), true
}

// FileResidency is the package's FileResidency, reusing s's buffer.
func (s *Scanner) FileResidency(path string, keepMap bool) (Residency, error) {
	r := Residency{Path: path}
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return r, &os.PathError{Op: "open", Path: path, Err: err}
	}
	fd, e := sys.Openat(unix.AT_FDCWD, p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if e != 0 {
		return r, &os.PathError{Op: "open", Path: path, Err: e}
	}
	defer sys.Close(fd)
	var st unix.Stat_t
	if e := sys.Fstat(fd, &st); e != 0 {
		return r, &os.PathError{Op: "fstat", Path: path, Err: e}
	}
	if err := checkRegular(path, st.Mode); err != nil {
		return r, err
	}
	r.Size = st.Size
	r.Pages = uint64((st.Size + int64(PageSize) - 1) / int64(PageSize))
	if r.Pages == 0 {
		return r, nil
	}
	if st.Size > math.MaxInt {
		return r, fmt.Errorf("%s: %w", path, unix.EFBIG)
	}
	// Totals alone come from cachestat(2) in one call: mincore has the
	// kernel look up each page in turn (a 1 GiB file is 262144 lookups).
	if !keepMap {
		if n, ok := s.cachestat(fd, r.Pages); ok {
			r.Resident = n
			return r, nil
		}
	}
	// PROT_NONE: mincore can inspect the mapping, nothing can fault it in.
	addr, e := sys.Mmap(uintptr(st.Size), unix.PROT_NONE, unix.MAP_SHARED, fd, 0)
	if e != 0 {
		return r, &os.PathError{Op: "mmap", Path: path, Err: e}
	}
	defer sys.RawMunmap(addr, uintptr(st.Size))
	// Without a map to keep, count a window at a time: the vector of a
	// 1 TiB file would be 256 MiB.
	size := uintptr(st.Size)
	window := uintptr(scanWindow)
	if keepMap {
		window = size
	}
	vecLen := (min(size, window) + uintptr(PageSize) - 1) / uintptr(PageSize)
	vec := s.vec
	if keepMap || uintptr(cap(vec)) < vecLen {
		vec = make([]byte, vecLen)
		if !keepMap {
			s.vec = vec
		}
	}
	for off := uintptr(0); off < size; off += window {
		n := min(window, size-off)
		v := vec[:(n+uintptr(PageSize)-1)/uintptr(PageSize)]
		if e := sys.RawMincore(addr+off, n, &v[0]); e != 0 {
			return r, &os.PathError{Op: "mincore", Path: path, Err: e}
		}
		for i, b := range v {
			b &= 1 // the other bits are reserved
			v[i] = b
			r.Resident += uint64(b)
		}
	}
	if keepMap {
		r.Map = vec
	}
	return r, nil
}

// Evict asks the kernel to drop the file's clean pages from the page cache
// and measures residency before and after: dirty, locked or mapped pages
// stay, so after may not be zero.
//
// Equivalent to: `vmtouch -e FILE`.
func Evict(path string) (before, after Residency, err error) {
	var s Scanner
	if before, err = s.FileResidency(path, false); err != nil {
		return before, before, err
	}
	f, err := os.Open(path)
	err = errclass.IfNotExist(err)
	if err != nil {
		return before, before, err
	}
	defer f.Close()
	if err = Fadvise(f, 0, 0, unix.FADV_DONTNEED); err != nil {
		return before, before, err
	}
	after, err = s.FileResidency(path, false)
	return before, after, err
}

// Touch reads every page of the file at path into the page cache and
// measures residency before and after. With lock, the pages are also
// locked in memory and the returned mapping holds them until closed;
// otherwise the mapping is nil.
//
// Equivalent to: `vmtouch -t FILE` (with lock: `vmtouch -l FILE`).
func Touch(path string, lock bool) (before, after Residency, held *Mapping, err error) {
	f, size, err := openRegular(path, os.O_RDONLY)
	if err != nil {
		return Residency{Path: path}, Residency{Path: path}, nil, err
	}
	defer f.Close()
	before = Residency{Path: path, Size: size, Pages: uint64((size + int64(PageSize) - 1) / int64(PageSize))}
	if size == 0 {
		return before, before, nil, nil
	}
	m, err := MapFile(f, FileOptions{Prot: unix.PROT_READ})
	if err != nil {
		return before, before, nil, err
	}
	defer func() {
		if held == nil {
			m.Close()
		}
	}()
	if before, err = fillResidency(before, m); err != nil {
		return before, before, nil, err
	}
	// Sequential advice lets the kernel read ahead in large chunks.
	_ = m.Advise(unix.MADV_SEQUENTIAL)
	if err = m.ReadPages(); err != nil {
		return before, before, nil, fmt.Errorf("%s: %w", path, err)
	}
	if lock {
		if err = m.Lock(); err != nil {
			return before, before, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if after, err = fillResidency(before, m); err != nil {
		return before, after, nil, err
	}
	if lock {
		held = m
	}
	return before, after, held, nil
}

// sink keeps the compiler from dropping the reads of ReadPages.
var sink byte

// ReadPages faults the whole mapping in, as reading one byte of every
// page would. A page the kernel cannot provide (a sparse file on a full
// tmpfs, a file truncated meanwhile) is a *FaultError, never a crash.
//
// Equivalent to: madvise(addr, length, MADV_POPULATE_READ) (Linux 5.14),
// or a read of each page.
func (m *Mapping) ReadPages() error {
	if len(m.data) == 0 {
		return nil
	}
	err := unix.Madvise(m.data, unix.MADV_POPULATE_READ)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EFAULT):
		// What would have been SIGBUS on access (mm/madvise.c).
		return newFault("read", -1, m.reason)
	case !errors.Is(err, unix.EINVAL):
		return fmt.Errorf("madvise(MADV_POPULATE_READ): %w", err)
	}
	// Older kernels: touch each page, faults caught.
	return Guard(m.data, "read", m.reason, func() {
		var x byte
		for i := 0; i < len(m.data); i += PageSize {
			x += m.data[i]
		}
		sink = x
	})
}

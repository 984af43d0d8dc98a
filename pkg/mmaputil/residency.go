package mmaputil

import (
	"fmt"
	"os"

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

// ResidentBytes is Resident in bytes, capped at the file size (the last page may be partial).
func (r Residency) ResidentBytes() uint64 {
	b := r.Resident * uint64(PageSize)
	if b > uint64(r.Size) {
		b = uint64(r.Size)
	}
	return b
}

// openRegular opens path and checks it is a regular file.
func openRegular(path string, flag int) (*os.File, int64, error) {
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		what := "not a regular file"
		if st.IsDir() {
			what = "is a directory"
		}
		return nil, 0, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, what)
	}
	return f, st.Size(), nil
}

// residency measures f (size bytes) through a PROT_NONE mapping, which
// mincore can inspect without faulting anything in.
func residency(f *os.File, path string, size int64, keepMap bool) (Residency, error) {
	r := Residency{Path: path, Size: size, Pages: uint64((size + int64(PageSize) - 1) / int64(PageSize))}
	if size == 0 {
		return r, nil
	}
	m, err := MapFile(f, FileOptions{Prot: unix.PROT_NONE})
	if err != nil {
		return r, err
	}
	defer m.Close()
	return fillResidency(r, m, keepMap)
}

func fillResidency(r Residency, m *Mapping, keepMap bool) (Residency, error) {
	vec, err := m.Resident()
	if err != nil {
		return r, fmt.Errorf("%s: %w", r.Path, err)
	}
	r.Resident = vec.Count()
	if keepMap {
		r.Map = vec
	}
	return r, nil
}

// FileResidency reports how much of the file at path is in the page
// cache; keepMap keeps the per-page map.
//
// Equivalent to: `fincore --bytes FILE`.
func FileResidency(path string, keepMap bool) (Residency, error) {
	f, size, err := openRegular(path, os.O_RDONLY)
	if err != nil {
		return Residency{Path: path}, err
	}
	defer f.Close()
	return residency(f, path, size, keepMap)
}

// Evict asks the kernel to drop the file's clean pages from the page cache
// and measures residency before and after: dirty, locked or mapped pages
// stay, so after may not be zero.
//
// Equivalent to: `vmtouch -e FILE`.
func Evict(path string) (before, after Residency, err error) {
	f, size, err := openRegular(path, os.O_RDONLY)
	if err != nil {
		return Residency{Path: path}, Residency{Path: path}, err
	}
	defer f.Close()
	if before, err = residency(f, path, size, false); err != nil {
		return before, before, err
	}
	if err = Fadvise(f, 0, 0, unix.FADV_DONTNEED); err != nil {
		return before, before, err
	}
	after, err = residency(f, path, size, false)
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
	if before, err = fillResidency(before, m, false); err != nil {
		return before, before, nil, err
	}
	// Sequential advice lets the kernel read ahead in large chunks.
	_ = m.Advise(unix.MADV_SEQUENTIAL)
	m.ReadPages()
	if lock {
		if err = m.Lock(); err != nil {
			return before, before, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if after, err = fillResidency(before, m, false); err != nil {
		return before, after, nil, err
	}
	if lock {
		held = m
	}
	return before, after, held, nil
}

// sink keeps the compiler from dropping the reads of ReadPages.
var sink byte

// ReadPages reads one byte of every page, faulting the whole mapping in.
func (m *Mapping) ReadPages() {
	var x byte
	for i := 0; i < len(m.data); i += PageSize {
		x += m.data[i]
	}
	sink = x
}

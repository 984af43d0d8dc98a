package ipc

import (
	"fmt"
	"io"
	"sync"

	"github.com/ipcctl/ipcctl/pkg/mmaputil"
)

// Mapping is a region of shared memory mapped into this process: a POSIX
// shared memory object (PshmAttach), a System V segment
// (Attachment.Mapping) or whatever NewMapping wraps, so `attach` reads,
// writes, dumps and holds them the same way.
//
// Shared memory can fault where ordinary memory cannot (a sparse object
// on a full tmpfs, a huge page segment made with SHM_NORESERVE when the
// pool is empty, an object another process truncated): ReadAt, WriteAt
// and CopyTo turn the fault into a *mmaputil.FaultError that says why,
// where touching Bytes directly would kill the process.
type Mapping struct {
	data     []byte
	writable bool
	unmap    func([]byte) error
	once     sync.Once
	err      error
	reason   mmaputil.FaultReason
	// dev and ino identify the file behind the mapping, when it has one
	// in a filesystem the caller can name (a POSIX object's /dev/shm file).
	dev, ino uint64
	hasFile  bool
}

// NewMapping wraps mapped bytes; unmap (nil for none) runs once on Close.
func NewMapping(data []byte, writable bool, unmap func([]byte) error) *Mapping {
	return &Mapping{data: data, writable: writable, unmap: unmap}
}

// FileID returns the device and inode of the file behind the mapping, so
// that a caller can refuse to write its output over the object it reads.
// ok is false for memory with no such file (a System V segment).
func (m *Mapping) FileID() (dev, ino uint64, ok bool) { return m.dev, m.ino, m.hasFile }

// Bytes is the mapped memory; it is invalid after Close. Writing to it
// needs a writable mapping, else the process faults; so does touching a
// page the kernel cannot provide. Use ReadAt, WriteAt and CopyTo.
func (m *Mapping) Bytes() []byte { return m.data }

// Size is the mapped length in bytes.
func (m *Mapping) Size() uint64 { return uint64(len(m.data)) }

// Writable reports whether the mapping may be written.
func (m *Mapping) Writable() bool { return m.writable }

// ReadAt copies the bytes at off into p (io.ReaderAt). A page the kernel
// cannot provide is a *mmaputil.FaultError.
func (m *Mapping) ReadAt(p []byte, off int64) (int, error) {
	return mmaputil.ReadMem(m.data, p, off, m.reason)
}

// WriteAt copies p into the mapping at off (io.WriterAt); p must fit and
// the mapping be writable. A page the kernel cannot provide is a
// *mmaputil.FaultError; the bytes before it are written.
func (m *Mapping) WriteAt(p []byte, off int64) (int, error) {
	if !m.writable {
		return 0, fmt.Errorf("write to a read-only mapping: %w", ErrUnsupported)
	}
	return mmaputil.WriteMem(m.data, p, off, m.reason)
}

// CopyTo writes n bytes from off to w: to a file or pipe straight from
// the mapping (see mmaputil.CopyMem). A page the kernel cannot provide is
// a *mmaputil.FaultError.
func (m *Mapping) CopyTo(w io.Writer, off, n int64) (int64, error) {
	if off < 0 || n < 0 || off > int64(len(m.data)) || n > int64(len(m.data))-off {
		return 0, fmt.Errorf("%d bytes at offset %d of a %d-byte mapping: %w", n, off, len(m.data), mmaputil.ErrPastEOF)
	}
	reason := m.reason
	if reason != nil {
		reason = func(o int64) string { return m.reason(off + o) }
	}
	return mmaputil.CopyMem(w, m.data[off:off+n], reason)
}

// Close unmaps (detaches) the memory; later calls return the first result.
func (m *Mapping) Close() error {
	m.once.Do(func() {
		if m.unmap != nil && m.data != nil {
			m.err = m.unmap(m.data)
		}
		m.data = nil
	})
	return m.err
}

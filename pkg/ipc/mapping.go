package ipc

import "sync"

// Mapping is a region of shared memory mapped into this process: a POSIX
// shared memory object (PshmAttach) or, for any other producer, whatever
// NewMapping wraps (a System V shmat can use it with shmdt as unmap), so
// `attach` reads, writes, dumps and holds them the same way.
type Mapping struct {
	data     []byte
	writable bool
	unmap    func([]byte) error
	once     sync.Once
	err      error
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
// needs a writable mapping, else the process faults.
func (m *Mapping) Bytes() []byte { return m.data }

// Size is the mapped length in bytes.
func (m *Mapping) Size() uint64 { return uint64(len(m.data)) }

// Writable reports whether the mapping may be written.
func (m *Mapping) Writable() bool { return m.writable }

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

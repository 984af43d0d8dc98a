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
}

// NewMapping wraps mapped bytes; unmap (nil for none) runs once on Close.
func NewMapping(data []byte, writable bool, unmap func([]byte) error) *Mapping {
	return &Mapping{data: data, writable: writable, unmap: unmap}
}

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

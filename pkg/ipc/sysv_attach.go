package ipc

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"golang.org/x/sys/unix"
)

// ShmAttachOptions say how to attach a segment.
type ShmAttachOptions struct {
	ReadOnly bool // SHM_RDONLY: map read-only; needs only read permission
}

// Attachment is a shared memory segment attached to this process.
type Attachment struct {
	id       int
	b        []byte
	readOnly bool
}

// ShmAttach attaches segment id to this process. The caller must Detach it.
// Equivalent to: `shmat(id, NULL, 0)` (SHM_RDONLY with opts.ReadOnly).
func (c *Client) ShmAttach(id int, opts ShmAttachOptions) (*Attachment, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (*Attachment, error) { return c.ShmAttach(id, opts) })
	}
	flags := 0
	if opts.ReadOnly {
		flags |= sys.SHM_RDONLY
	}
	b, err := unix.SysvShmAttach(id, 0, flags)
	if err != nil {
		return nil, sysvErr(KindShm, id, err)
	}
	return &Attachment{id: id, b: b, readOnly: opts.ReadOnly}, nil
}

// Bytes is the segment's memory; writing to it on a read-only attachment faults.
func (a *Attachment) Bytes() []byte { return a.b }

// Size is the segment size in bytes.
func (a *Attachment) Size() int { return len(a.b) }

// ReadOnly reports whether the segment was attached with SHM_RDONLY.
func (a *Attachment) ReadOnly() bool { return a.readOnly }

// Address is where the segment is mapped in this process.
func (a *Attachment) Address() uintptr {
	if len(a.b) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&a.b[0]))
}

// Mapping hands the attachment over as a Mapping, whose ReadAt, WriteAt
// and CopyTo survive a page the kernel cannot provide (a huge page
// segment made with SHM_NORESERVE when the pool is empty) and whose
// Close detaches.
func (a *Attachment) Mapping() *Mapping {
	m := NewMapping(a.b, !a.readOnly, func([]byte) error { return a.Detach() })
	addr := a.Address()
	m.reason = func(int64) string { return mmaputil.RegionFaultReason(addr) }
	return m
}

// Detach detaches the segment; Bytes must not be used afterwards.
// Equivalent to: `shmdt(addr)`.
func (a *Attachment) Detach() error {
	if a.b == nil {
		return errors.New("shm: already detached")
	}
	err := unix.SysvShmDetach(a.b)
	a.b = nil
	if err != nil {
		return fmt.Errorf("detach shm %d: %w", a.id, err)
	}
	return nil
}

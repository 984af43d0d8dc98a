package ipc

import (
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
)

// ShmAttached returns how many processes have segment id attached and
// whether it is marked for removal (it then goes at the last detach).
// Equivalent to: shmctl(ID, IPC_STAT) and reading shm_nattch, SHM_DEST.
func (c *Client) ShmAttached(id int) (nattch uint64, dest bool, err error) {
	if c.remote() {
		type r struct {
			n    uint64
			dest bool
		}
		v, err := nsCall(c, func(c *Client) (r, error) {
			n, d, err := c.ShmAttached(id)
			return r{n, d}, err
		})
		return v.n, v.dest, err
	}
	var ds sys.ShmidDs
	if _, err := sys.Shmctl(id, sys.IPC_STAT, unsafe.Pointer(&ds)); err != nil {
		return 0, false, sysvErr(KindShm, id, err)
	}
	return ds.Nattch, ds.Perm.Mode&sys.SHM_DEST != 0, nil
}

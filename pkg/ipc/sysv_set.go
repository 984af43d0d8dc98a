package ipc

import (
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
)

// PermUpdate lists the ipc_perm fields to change; nil fields keep their value.
type PermUpdate struct {
	Mode *uint32 // permission bits, 0..0777
	UID  *uint32
	GID  *uint32
}

func (u PermUpdate) apply(p *sys.IpcPerm) {
	if u.Mode != nil {
		p.Mode = p.Mode&^0o777 | *u.Mode&0o777
	}
	if u.UID != nil {
		p.Uid = *u.UID
	}
	if u.GID != nil {
		p.Gid = *u.GID
	}
}

// The Set methods read the object with IPC_STAT and write it back with
// IPC_SET. An owner of 4294967295 ((uid_t)-1) is refused (Usage); an
// owner the kernel cannot map into this user namespace is EINVAL of
// class Usage, never "not found". IPC_STAT needs read permission; an owner without it (mode
// 0200, say) gets the current values from the listing instead.

// ShmSet changes the owner or mode of segment id. Only the owner, the
// creator or a process with CAP_SYS_ADMIN may.
// Equivalent to: shmctl(ID, IPC_SET, &ds).
func (c *Client) ShmSet(id int, u PermUpdate) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.ShmSet(id, u) })
	}
	if err := checkOwner(u.UID, u.GID); err != nil {
		return err
	}
	var ds sys.ShmidDs
	if _, err := sys.Shmctl(id, sys.IPC_STAT, unsafe.Pointer(&ds)); err != nil {
		s, lerr := c.ShmStat(id)
		if lerr != nil {
			return sysvErr(KindShm, id, err)
		}
		ds.Perm = permToSys(s.Perm)
	}
	u.apply(&ds.Perm)
	_, err := sys.Shmctl(id, sys.IPC_SET, unsafe.Pointer(&ds))
	return sysvErr(KindShm, id, err)
}

// SemSet changes the owner or mode of semaphore set id.
// Equivalent to: semctl(ID, 0, IPC_SET, &ds).
func (c *Client) SemSet(id int, u PermUpdate) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.SemSet(id, u) })
	}
	if err := checkOwner(u.UID, u.GID); err != nil {
		return err
	}
	var ds sys.SemidDs
	if _, err := sys.SemctlBuf(id, 0, sys.IPC_STAT, unsafe.Pointer(&ds)); err != nil {
		s, lerr := c.SemStat(id)
		if lerr != nil {
			return sysvErr(KindSem, id, err)
		}
		ds.Perm = permToSys(s.Perm)
	}
	u.apply(&ds.Perm)
	_, err := sys.SemctlBuf(id, 0, sys.IPC_SET, unsafe.Pointer(&ds))
	return sysvErr(KindSem, id, err)
}

// MsgSet changes the owner, mode or capacity (qbytes; nil keeps it) of
// message queue id. Raising qbytes above msgmnb needs CAP_SYS_RESOURCE.
// IPC_SET always writes qbytes, so without read permission the current
// capacity cannot be kept and qbytes must be given.
// Equivalent to: msgctl(ID, IPC_SET, &ds).
func (c *Client) MsgSet(id int, u PermUpdate, qbytes *uint64) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.MsgSet(id, u, qbytes) })
	}
	if err := checkOwner(u.UID, u.GID); err != nil {
		return err
	}
	var ds sys.MsqidDs
	if _, err := sys.Msgctl(id, sys.IPC_STAT, unsafe.Pointer(&ds)); err != nil {
		if qbytes == nil {
			return sysvErr(KindMsg, id, err)
		}
		m, lerr := c.MsgStat(id)
		if lerr != nil {
			return sysvErr(KindMsg, id, err)
		}
		ds.Perm = permToSys(m.Perm)
	}
	u.apply(&ds.Perm)
	if qbytes != nil {
		ds.Qbytes = *qbytes
	}
	_, err := sys.Msgctl(id, sys.IPC_SET, unsafe.Pointer(&ds))
	return sysvErr(KindMsg, id, err)
}

func permToSys(p Perm) sys.IpcPerm {
	return sys.IpcPerm{Key: p.Key, Uid: p.UID, Gid: p.GID, Cuid: p.CUID, Cgid: p.CGID, Mode: p.Mode}
}

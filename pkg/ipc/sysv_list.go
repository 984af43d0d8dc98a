package ipc

import (
	"errors"
	"io/fs"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"golang.org/x/sys/unix"
)

// Listing reads /proc/sysvipc/*, which shows every object of the IPC
// namespace whatever its permissions. Without that file (no procfs, or a
// fixture tree without it) it falls back to the *_INFO + *_STAT_ANY index
// loops that ipcs uses. An object removed between the two calls of the
// loop is skipped.

// ShmList lists System V shared memory segments.
// Equivalent to: `ipcs -m`.
func (c *Client) ShmList() ([]Shm, error) {
	if c.remote() {
		return nsCall(c, (*Client).ShmList)
	}
	rows, err := c.fs.SysvShm()
	if errors.Is(err, fs.ErrNotExist) {
		return shmListSyscall()
	}
	if err != nil {
		return nil, err
	}
	out := make([]Shm, len(rows))
	for i, r := range rows {
		out[i] = Shm{
			Perm:   Perm{Key: r.Key, ID: r.ID, Mode: r.Mode, UID: r.UID, GID: r.GID, CUID: r.CUID, CGID: r.CGID},
			Size:   r.Size,
			Nattch: r.Nattch,
			CPID:   r.CPID,
			LPID:   r.LPID,
			ATime:  unixTime(r.ATime),
			DTime:  unixTime(r.DTime),
			CTime:  unixTime(r.CTime),
			RSS:    r.RSS,
			Swap:   r.Swap,
		}
	}
	return out, nil
}

// SemList lists System V semaphore sets (without per-semaphore state).
// Equivalent to: `ipcs -s`.
func (c *Client) SemList() ([]Sem, error) {
	if c.remote() {
		return nsCall(c, (*Client).SemList)
	}
	rows, err := c.fs.SysvSem()
	if errors.Is(err, fs.ErrNotExist) {
		return semListSyscall()
	}
	if err != nil {
		return nil, err
	}
	out := make([]Sem, len(rows))
	for i, r := range rows {
		out[i] = Sem{
			Perm:  Perm{Key: r.Key, ID: r.ID, Mode: r.Mode, UID: r.UID, GID: r.GID, CUID: r.CUID, CGID: r.CGID},
			NSems: r.NSems,
			OTime: unixTime(r.OTime),
			CTime: unixTime(r.CTime),
		}
	}
	return out, nil
}

// MsgList lists System V message queues.
// Equivalent to: `ipcs -q`.
func (c *Client) MsgList() ([]Msg, error) {
	if c.remote() {
		return nsCall(c, (*Client).MsgList)
	}
	rows, err := c.fs.SysvMsg()
	if errors.Is(err, fs.ErrNotExist) {
		return msgListSyscall()
	}
	if err != nil {
		return nil, err
	}
	out := make([]Msg, len(rows))
	for i, r := range rows {
		out[i] = Msg{
			Perm:   Perm{Key: r.Key, ID: r.ID, Mode: r.Mode, UID: r.UID, GID: r.GID, CUID: r.CUID, CGID: r.CGID},
			CBytes: r.CBytes,
			QNum:   r.QNum,
			LSPID:  r.LSPID,
			LRPID:  r.LRPID,
			STime:  unixTime(r.STime),
			RTime:  unixTime(r.RTime),
			CTime:  unixTime(r.CTime),
		}
	}
	return out, nil
}

func permFrom(p *sys.IpcPerm, id int) Perm {
	return Perm{Key: p.Key, ID: id, Mode: p.Mode, UID: p.Uid, GID: p.Gid, CUID: p.Cuid, CGID: p.Cgid}
}

// unsupportedIfNoSys reports a kernel built without System V IPC as ErrUnsupported.
func unsupportedIfNoSys(err error) error {
	if errors.Is(err, unix.ENOSYS) {
		return ErrUnsupported
	}
	return err
}

// skippable reports errors of one index in a *_STAT_ANY loop that mean
// "no object here (any more)".
func skippable(err error) bool {
	return errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EIDRM)
}

func shmFromDs(ds *sys.ShmidDs, id int) Shm {
	return Shm{
		Perm:   permFrom(&ds.Perm, id),
		Size:   ds.Segsz,
		Nattch: ds.Nattch,
		CPID:   int(ds.Cpid),
		LPID:   int(ds.Lpid),
		ATime:  unixTime(ds.Atime),
		DTime:  unixTime(ds.Dtime),
		CTime:  unixTime(ds.Ctime),
	}
}

func shmListSyscall() ([]Shm, error) {
	var info sys.ShmInfo
	maxIdx, err := sys.Shmctl(0, sys.SHM_INFO, unsafe.Pointer(&info))
	if err != nil {
		return nil, unsupportedIfNoSys(err)
	}
	return statLoop(maxIdx, int(info.UsedIDs), func(i int) (Shm, error) {
		var ds sys.ShmidDs
		id, err := sys.Shmctl(i, sys.SHM_STAT_ANY, unsafe.Pointer(&ds))
		return shmFromDs(&ds, id), err
	})
}

func semFromDs(ds *sys.SemidDs, id int) Sem {
	return Sem{
		Perm:  permFrom(&ds.Perm, id),
		NSems: ds.Nsems,
		OTime: unixTime(ds.Otime),
		CTime: unixTime(ds.Ctime),
	}
}

func semListSyscall() ([]Sem, error) {
	var info sys.SemInfo
	maxIdx, err := sys.SemctlBuf(0, 0, sys.SEM_INFO, unsafe.Pointer(&info))
	if err != nil {
		return nil, unsupportedIfNoSys(err)
	}
	return statLoop(maxIdx, int(info.Semusz), func(i int) (Sem, error) { // SEM_INFO: semusz counts the sets
		var ds sys.SemidDs
		id, err := sys.SemctlBuf(i, 0, sys.SEM_STAT_ANY, unsafe.Pointer(&ds))
		return semFromDs(&ds, id), err
	})
}

func msgFromDs(ds *sys.MsqidDs, id int) Msg {
	qbytes := ds.Qbytes
	return Msg{
		Perm:   permFrom(&ds.Perm, id),
		CBytes: ds.Cbytes,
		QNum:   ds.Qnum,
		QBytes: &qbytes,
		LSPID:  int(ds.Lspid),
		LRPID:  int(ds.Lrpid),
		STime:  unixTime(ds.Stime),
		RTime:  unixTime(ds.Rtime),
		CTime:  unixTime(ds.Ctime),
	}
}

func msgListSyscall() ([]Msg, error) {
	var info sys.MsgInfo
	maxIdx, err := sys.Msgctl(0, sys.MSG_INFO, unsafe.Pointer(&info))
	if err != nil {
		return nil, unsupportedIfNoSys(err)
	}
	return statLoop(maxIdx, int(info.Msgpool), func(i int) (Msg, error) { // MSG_INFO: msgpool counts the queues
		var ds sys.MsqidDs
		id, err := sys.Msgctl(i, sys.MSG_STAT_ANY, unsafe.Pointer(&ds))
		return msgFromDs(&ds, id), err
	})
}

// statLoop stats every index from 0 to maxIdx (from *_INFO), skipping
// unused indexes and objects removed since the *_INFO call; count (the
// number in use, from *_INFO) sizes the result.
func statLoop[T any](maxIdx, count int, stat func(idx int) (T, error)) ([]T, error) {
	out := make([]T, 0, max(count, 0))
	for i := 0; i <= maxIdx; i++ {
		v, err := stat(i)
		if err != nil {
			if skippable(err) {
				continue
			}
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

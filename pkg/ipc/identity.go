package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"golang.org/x/sys/unix"
)

// An object selected from a listing (rm --all, a filter, a prompt) may be
// gone by the time it is removed, and its id or name taken by another
// object: a System V id comes back after shm_next_id (or after its
// sequence number wraps), a POSIX name is free for anyone to take once it
// is unlinked. Identity is what the listing saw, and RemoveIfSame removes
// the object only if that is still what is there.

// Identity identifies one listed object. Build it from the listed row with
// Shm.Identity, Sem.Identity, Msg.Identity or PosixFile.Identity, and add
// WithOwner when the object was selected by its owner.
type Identity struct {
	ID    int       // System V: the id
	Key   int32     // System V: the key (0 for IPC_PRIVATE)
	Name  string    // POSIX: the name, with its "/"
	Inode uint64    // POSIX: the inode of its file
	CTime time.Time // the last change of the object (System V: whole seconds)
	// CPID is a segment's creator: a new segment made under the same id
	// and key in the same second as the listed one still differs by it.
	// 0 checks nothing (other kinds have no creator pid).
	CPID int
	// Owner, when set, is the uid the object must still belong to: the
	// caller chose it for its owner (rm --owner).
	Owner *uint32
	// Idle, for a segment chosen because nobody used it (prune, rm
	// --orphaned), requires it to be as unused as it was listed: still
	// no attach, and none or detach since (the same last pid, LPID).
	Idle bool
	LPID int
}

// Identity of a listed segment.
func (s Shm) Identity() Identity { return Identity{ID: s.ID, Key: s.Key, CTime: s.CTime, CPID: s.CPID} }

// IdleIdentity of a listed segment chosen because nobody used it: see
// Identity.Idle.
func (s Shm) IdleIdentity() Identity {
	id := s.Identity()
	id.Idle, id.LPID = true, s.LPID
	return id
}

// Identity of a listed semaphore set.
func (s Sem) Identity() Identity { return Identity{ID: s.ID, Key: s.Key, CTime: s.CTime} }

// Identity of a listed message queue.
func (m Msg) Identity() Identity { return Identity{ID: m.ID, Key: m.Key, CTime: m.CTime} }

// Identity of a listed POSIX object (Pshm, Psem or Mq, through their PosixFile).
func (p PosixFile) Identity() Identity { return Identity{Name: p.Name, Inode: p.Inode, CTime: p.CTime} }

// WithOwner returns id that also requires the object to belong to uid.
func (id Identity) WithOwner(uid uint32) Identity {
	id.Owner = &uid
	return id
}

// String names the object for messages: "42" or "/name".
func (id Identity) String() string {
	if id.Name != "" {
		return id.Name
	}
	return fmt.Sprint(id.ID)
}

// RemoveIfSame removes the object of kind k that id describes, only if it
// is still that object, checked right before the removal: a System V
// object by its key, ctime (and owner, if id has one) read with IPC_STAT
// just before IPC_RMID; a POSIX object by the inode, ctime (and owner) of
// its file (a message queue by inode and owner: its ctime moves with
// every message), with fstatat(AT_SYMLINK_NOFOLLOW) and then unlinkat on
// the same open directory, so that the name is looked up in the directory
// that was checked. An object that is gone, or whose id or name now
// belongs to another object (or to this one changed since: chmod, chown
// and IPC_SET change the ctime), gives an error of class NotFound that
// says which; nothing is removed then.
//
// Equivalent to: `ipcrm -m ID` (or -s, -q; or shm_unlink, sem_unlink,
// mq_unlink) for an object listed earlier.
func (c *Client) RemoveIfSame(k Kind, id Identity) error {
	switch {
	case k.SysV() && c.remote():
		return nsDo(c, func(c *Client) error { return c.sysvRemoveIfSame(k, id) })
	case k.SysV():
		return c.sysvRemoveIfSame(k, id)
	case k.Posix():
		return c.posixRemoveIfSame(k, id)
	}
	return fmt.Errorf("remove %s: %w", k, ErrUnsupported)
}

// ErrMarkedForRemoval is RemoveIfSame's answer for a segment already
// removed (SHM_DEST), which stays until its last process detaches: of
// class NotFound, as the object the caller named is gone already.
var ErrMarkedForRemoval = errclass.Wrap(errclass.NotFound, errors.New("already marked for removal"))

// replaced is the error (ErrChanged, of class NotFound) of an object
// whose id or name now names something else, or that changed.
func replaced(k Kind, id Identity, what string) error {
	return fmt.Errorf("%s %s was replaced or %w (%s); not removed", k, id, ErrChanged, what)
}

func gone(k Kind, id Identity) error {
	return fmt.Errorf("%s %s is gone: %w", k, id, ErrNotFound)
}

// sysvState is what IPC_STAT says of an object now.
type sysvState struct {
	key   int32
	uid   uint32
	mode  uint32
	ctime int64
	// a segment's creator, last attach/detach pid and attach count
	cpid, lpid int
	nattch     uint64
}

// sysvStat reads object id of kind k now: IPC_STAT, or, without read
// permission, *_STAT_ANY on its index (Linux 4.17+), which needs none.
// ErrNotFound when the id names nothing.
func sysvStat(k Kind, id int) (sysvState, error) {
	st, err := sysvStatCmd(k, id, sys.IPC_STAT)
	if !errors.Is(err, unix.EACCES) {
		return st, err
	}
	// The index is the id's low 15 bits (24 with the ipcmni_extend boot
	// option); *_STAT_ANY returns the full id of what is there.
	for _, mask := range []int{1<<15 - 1, 1<<24 - 1} {
		var got int
		st, got, err = sysvStatAny(k, id&mask)
		if err == nil && got == id {
			return st, nil
		}
	}
	if err == nil || errors.Is(err, ErrNotFound) {
		return sysvState{}, fmt.Errorf("%s %d: %w", k, id, ErrNotFound)
	}
	return sysvState{}, fmt.Errorf("%s %d: %w", k, id, unix.EACCES)
}

func sysvStatCmd(k Kind, id, cmd int) (sysvState, error) {
	st, _, err := sysvCtlStat(k, id, cmd)
	return st, err
}

func sysvStatAny(k Kind, index int) (sysvState, int, error) {
	cmd := map[Kind]int{KindShm: sys.SHM_STAT_ANY, KindSem: sys.SEM_STAT_ANY, KindMsg: sys.MSG_STAT_ANY}[k]
	return sysvCtlStat(k, index, cmd)
}

// sysvCtlStat runs a stat command of *ctl; r is what the call returned
// (the full id for *_STAT_ANY). EINVAL and EIDRM become ErrNotFound.
func sysvCtlStat(k Kind, idOrIndex, cmd int) (sysvState, int, error) {
	var (
		st  sysvState
		r   int
		err error
		p   *sys.IpcPerm
	)
	switch k {
	case KindShm:
		var ds sys.ShmidDs
		r, err = sys.Shmctl(idOrIndex, cmd, unsafe.Pointer(&ds))
		p, st.ctime = &ds.Perm, ds.Ctime
		st.cpid, st.lpid, st.nattch = int(ds.Cpid), int(ds.Lpid), ds.Nattch
	case KindSem:
		var ds sys.SemidDs
		r, err = sys.SemctlBuf(idOrIndex, 0, cmd, unsafe.Pointer(&ds))
		p, st.ctime = &ds.Perm, ds.Ctime
	case KindMsg:
		var ds sys.MsqidDs
		r, err = sys.Msgctl(idOrIndex, cmd, unsafe.Pointer(&ds))
		p, st.ctime = &ds.Perm, ds.Ctime
	default:
		return st, 0, fmt.Errorf("%s: %w", k, ErrUnsupported)
	}
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EIDRM) {
		return st, 0, ErrNotFound
	}
	if err != nil {
		return st, 0, err
	}
	st.key, st.uid, st.mode = p.Key, p.Uid, p.Mode
	return st, r, nil
}

// sysvExists reports whether id names an object of kind k now (it may be
// one this process cannot read).
func sysvExists(k Kind, id int) bool {
	_, err := sysvStatCmd(k, id, sys.IPC_STAT)
	return !errors.Is(err, ErrNotFound)
}

func (c *Client) sysvRemoveIfSame(k Kind, id Identity) error {
	now, err := sysvStat(k, id.ID)
	if errors.Is(err, ErrNotFound) {
		return gone(k, id)
	}
	if err != nil {
		return err
	}
	var diffs []string
	if now.key != id.Key {
		diffs = append(diffs, fmt.Sprintf("key 0x%08x, listed 0x%08x", uint32(now.key), uint32(id.Key)))
	}
	if now.ctime != id.CTime.Unix() {
		diffs = append(diffs, fmt.Sprintf("ctime %s, listed %s", fmtTime(time.Unix(now.ctime, 0)), fmtTime(id.CTime)))
	}
	if id.Owner != nil && now.uid != *id.Owner {
		diffs = append(diffs, fmt.Sprintf("owner %d, listed %d", now.uid, *id.Owner))
	}
	if k == KindShm && id.CPID != 0 && now.cpid != id.CPID {
		diffs = append(diffs, fmt.Sprintf("creator %d, listed %d", now.cpid, id.CPID))
	}
	if k == KindShm && id.Idle && now.nattch != 0 {
		diffs = append(diffs, fmt.Sprintf("%d attached now", now.nattch))
	}
	if k == KindShm && id.Idle && now.lpid != id.LPID {
		diffs = append(diffs, fmt.Sprintf("attached or detached by %d since", now.lpid))
	}
	if len(diffs) > 0 {
		return replaced(k, id, strings.Join(diffs, "; "))
	}
	if k == KindShm && now.mode&sys.SHM_DEST != 0 {
		return fmt.Errorf("shm %s: %w", id, ErrMarkedForRemoval)
	}
	// The kernel has no compare-and-remove: between this IPC_STAT and
	// IPC_RMID only the removal of this very object and the creation of
	// another under the same id (shm_next_id) could interleave.
	return c.Remove(k, id.ID)
}

func fmtTime(t time.Time) string { return t.Format("2006-01-02 15:04:05.999999999") }

// posixEntry is the directory and file name of a POSIX object of kind k.
func (c *Client) posixEntry(k Kind, name string) (dir, file string, err error) {
	if _, err := ParsePosixName(k, name); err != nil {
		return "", "", err
	}
	switch k {
	case KindPshm:
		return c.shmDir(), name[1:], nil
	case KindPsem:
		return c.shmDir(), psemPrefix + name[1:], nil
	case KindMq:
		return c.mqDir(), name[1:], nil
	}
	return "", "", fmt.Errorf("%s: %w", k, ErrUnsupported)
}

func (c *Client) posixRemoveIfSame(k Kind, id Identity) error {
	dir, file, err := c.posixEntry(k, id.Name)
	if err != nil {
		return err
	}
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return gone(k, id)
	}
	if err != nil {
		return &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dfd)
	var st unix.Stat_t
	err = unix.Fstatat(dfd, file, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return gone(k, id)
	}
	if err != nil {
		return &fs.PathError{Op: "fstatat", Path: dir + "/" + file, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return replaced(k, id, "now not a regular file")
	}
	ctime := time.Unix(st.Ctim.Unix())
	var diffs []string
	if st.Ino != id.Inode {
		diffs = append(diffs, fmt.Sprintf("inode %d, listed %d", st.Ino, id.Inode))
	}
	// A queue's ctime is not its identity: every send and receive, and
	// every read of its /dev/mqueue file (a listing's), moves it. Its
	// inode number is never reused soon (get_next_ino).
	if k != KindMq && !ctime.Equal(id.CTime) {
		diffs = append(diffs, fmt.Sprintf("ctime %s, listed %s", fmtTime(ctime), fmtTime(id.CTime)))
	}
	if id.Owner != nil && st.Uid != *id.Owner {
		diffs = append(diffs, fmt.Sprintf("owner %d, listed %d", st.Uid, *id.Owner))
	}
	if len(diffs) > 0 {
		return replaced(k, id, strings.Join(diffs, "; "))
	}
	// unlinkat in the directory just checked; a name taken between the
	// fstatat and here is the one race left (the kernel has no
	// compare-and-unlink), narrower than a listing's by far.
	if err := unix.Unlinkat(dfd, file, 0); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return gone(k, id)
		}
		return &fs.PathError{Op: "unlink", Path: dir + "/" + file, Err: err}
	}
	return nil
}

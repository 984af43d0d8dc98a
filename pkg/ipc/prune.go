package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"golang.org/x/sys/unix"
)

// Prune removes orphans, objects nobody uses any more, by explicit rules:
//
//   - a System V segment nobody has attached (nattch 0) whose creator and
//     last attaching process are both gone (a pid of 0 is a process outside
//     our pid namespace: not gone; a segment never attached has no last
//     process);
//   - a POSIX shared memory object, semaphore or message queue that no
//     process maps or holds a descriptor on;
//
// optionally only those unused for longer than a duration and owned by
// one user. System V semaphore sets and message queues have no attach
// count and are never pruned.
//
// Every removal checks right before it that the object is still the one
// planned and still an orphan: System V by IPC_STAT of the id (key,
// ctime, creator, last pid, nattch), just before IPC_RMID; POSIX by
// fstatat in the directory (device, inode, and ctime but for queues),
// just before unlinkat in that same directory. An id or a name taken by a new object in
// between is left alone (ErrChanged).
//
// ShmRemoveIfSame and PosixRemoveIfSame are written for prune alone; a
// general identity-checked removal is being added to this package
// elsewhere, and the two are to be unified.

// ErrChanged says an object is no longer the one that was listed (its
// id or name now names another, or it was used since); it is of class
// NotFound: the object the caller named is gone.
var ErrChanged = errclass.Wrap(errclass.NotFound, errors.New("changed since it was listed"))

// PruneKinds are the kinds prune may remove, in the order it lists them.
var PruneKinds = []Kind{KindShm, KindPshm, KindPsem, KindMq}

// PruneOptions select what PrunePlan proposes.
type PruneOptions struct {
	Kinds     []Kind        // some of PruneKinds; nil for all
	OlderThan time.Duration // only objects unused for longer; 0 for any
	Owner     *uint32       // only objects of this uid
	Now       time.Time     // the present, for OlderThan; zero for time.Now()
	// IgnoreUnreadable lets POSIX objects be pruned although some
	// processes could not be read (they might hold one unseen). Without
	// it such a scan proposes no POSIX object at all.
	IgnoreUnreadable bool
}

// PruneCandidate is one object PrunePlan proposes, with why.
type PruneCandidate struct {
	Kind   Kind
	ID     int    // System V id; -1 for POSIX objects
	Name   string // POSIX name with its "/"; "" for System V
	Key    int32  // System V key
	UID    uint32
	Size   uint64    // bytes
	Used   time.Time // last used: the newest of its times, what OlderThan compares
	Reason string    // why it is an orphan, in words
	shm    Shm       // as listed: what the removal checks again
	file   PosixFile
}

// Object names the candidate as commands do: its id, or its /NAME.
func (p PruneCandidate) Object() string {
	if p.Kind.SysV() {
		return fmt.Sprint(p.ID)
	}
	return p.Name
}

// PrunePlan is what Prune would remove.
type PrunePlan struct {
	Candidates []PruneCandidate
	// Unreadable are processes whose maps or descriptors could not be
	// read; unless IgnoreUnreadable, POSIX objects were then not proposed
	// (POSIXHeldBack says so).
	Unreadable    []int
	POSIXHeldBack bool
	opts          PruneOptions
}

// PrunePlan lists the orphans by the rules above and changes nothing.
// Equivalent to: `ipcs -m | awk '$6 == 0'` plus checks of /proc.
func (c *Client) PrunePlan(o PruneOptions) (*PrunePlan, error) {
	if len(o.Kinds) == 0 {
		o.Kinds = PruneKinds
	}
	for _, k := range o.Kinds {
		if !slices.Contains(PruneKinds, k) {
			return nil, errclass.Errorf(errclass.Usage, "prune %s: only %v have a way to tell an orphan", k, PruneKinds)
		}
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	plan := &PrunePlan{opts: o}
	procs, err := c.Procs()
	if err != nil {
		return nil, err
	}
	if slices.Contains(o.Kinds, KindShm) {
		shm, err := c.ShmList()
		if err != nil {
			return nil, fmt.Errorf("list shm: %w", err)
		}
		for _, s := range shm {
			if cand, ok := shmOrphan(s, procs, o); ok {
				plan.Candidates = append(plan.Candidates, cand)
			}
		}
	}
	var files []PosixFile
	var kinds []Kind
	for _, k := range o.Kinds {
		list, err := c.posixFiles(k)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", k, err)
		}
		for _, f := range list {
			if o.Owner != nil && f.UID != *o.Owner || !olderThan(posixUsed(f), o) {
				continue
			}
			files = append(files, f)
			kinds = append(kinds, k)
		}
	}
	if len(files) == 0 {
		return plan.sorted(), nil
	}
	h, err := c.ScanHolders(HolderQuery{Files: files})
	if err != nil {
		return nil, err
	}
	plan.Unreadable = h.Unreadable
	if len(h.Unreadable) > 0 && !o.IgnoreUnreadable {
		plan.POSIXHeldBack = true
		return plan.sorted(), nil
	}
	for i, f := range files {
		if len(h.File(f)) > 0 {
			continue
		}
		plan.Candidates = append(plan.Candidates, PruneCandidate{
			Kind: kinds[i], ID: -1, Name: f.Name, UID: f.UID, Size: f.Size, Used: posixUsed(f), file: f,
			Reason: "no process maps it or holds it open",
		})
	}
	return plan.sorted(), nil
}

// sorted orders the candidates by kind, then id or name.
func (p *PrunePlan) sorted() *PrunePlan {
	slices.SortStableFunc(p.Candidates, func(a, b PruneCandidate) int {
		if d := slices.Index(PruneKinds, a.Kind) - slices.Index(PruneKinds, b.Kind); d != 0 {
			return d
		}
		if a.ID != b.ID {
			return a.ID - b.ID
		}
		return strings.Compare(a.Name, b.Name)
	})
	return p
}

// posixFiles lists the files of a POSIX kind; other kinds have none.
func (c *Client) posixFiles(k Kind) ([]PosixFile, error) {
	var out []PosixFile
	switch k {
	case KindPshm:
		l, err := c.PshmList()
		for _, p := range l {
			out = append(out, p.PosixFile)
		}
		return out, err
	case KindPsem:
		l, err := c.PsemList()
		for _, p := range l {
			out = append(out, p.PosixFile)
		}
		return out, err
	case KindMq:
		l, err := c.MqList()
		for _, q := range l {
			out = append(out, q.PosixFile)
		}
		return out, err
	}
	return nil, nil
}

// shmOrphan applies the System V rule to one segment.
func shmOrphan(s Shm, procs *Procs, o PruneOptions) (PruneCandidate, bool) {
	used := latest(s.CTime, s.ATime, s.DTime)
	switch {
	case s.Dest(), s.Nattch != 0: // going already; attached
		return PruneCandidate{}, false
	case o.Owner != nil && s.UID != *o.Owner, !olderThan(used, o):
		return PruneCandidate{}, false
	case !ShmOrphan(s, procs.Gone):
		return PruneCandidate{}, false
	}
	neverAttached := s.ATime.IsZero() && s.DTime.IsZero()
	reason := fmt.Sprintf("nattch 0; creator %d gone; ", s.CPID)
	if neverAttached {
		reason += "never attached"
	} else {
		reason += fmt.Sprintf("last attach/detach by %d, gone", s.LPID)
	}
	return PruneCandidate{Kind: KindShm, ID: s.ID, Key: s.Key, UID: s.UID, Size: s.Size, Used: used, Reason: reason, shm: s}, true
}

func olderThan(used time.Time, o PruneOptions) bool {
	return o.OlderThan <= 0 || used.Before(o.Now.Add(-o.OlderThan))
}

// posixUsed is when a POSIX object was last read, written or changed.
func posixUsed(f PosixFile) time.Time { return latest(f.ATime, f.MTime, f.CTime) }

func latest(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}

// Prune removes the plan's candidates. First it scans /proc once more
// (time may have passed, at a prompt): a POSIX object held now is left
// (ErrChanged). Then each removal checks the object again (see
// ShmRemoveIfSame, PosixRemoveIfSame). each is called with every
// candidate and what became of it: nil (removed) or the error.
// Equivalent to: `ipcrm -m ID` and `rm /dev/shm/NAME` for each orphan.
func (c *Client) Prune(plan *PrunePlan, each func(PruneCandidate, error)) error {
	var files []PosixFile
	for _, p := range plan.Candidates {
		if p.Kind.Posix() {
			files = append(files, p.file)
		}
	}
	var h *Holders
	if len(files) > 0 {
		var err error
		if h, err = c.ScanHolders(HolderQuery{Files: files}); err != nil {
			return err
		}
		if len(h.Unreadable) > 0 && !plan.opts.IgnoreUnreadable {
			return fmt.Errorf("%d processes cannot be read now: %w", len(h.Unreadable), errclass.Permission)
		}
	}
	for _, p := range plan.Candidates {
		var err error
		switch {
		case p.Kind == KindShm:
			err = c.ShmRemoveIfSame(p.shm)
		case len(h.File(p.file)) > 0:
			err = fmt.Errorf("%s is held by process %d now: %w", p.Name, h.File(p.file)[0].PID, ErrChanged)
		default:
			err = c.PosixRemoveIfSame(p.Kind, p.file)
		}
		each(p, err)
	}
	return nil
}

// ShmRemoveIfSame removes segment s.ID only if it is still exactly the
// segment listed as s: IPC_STAT right before IPC_RMID must show the same
// key, ctime and creator, and no attach or detach since (same last pid
// and nattch). Otherwise it removes nothing and returns ErrChanged; a
// segment that is gone gives ErrNotFound.
// Equivalent to: `ipcrm -m ID`, for the segment that was listed.
func (c *Client) ShmRemoveIfSame(s Shm) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.ShmRemoveIfSame(s) })
	}
	var ds sys.ShmidDs
	if _, err := sys.Shmctl(s.ID, sys.IPC_STAT, unsafe.Pointer(&ds)); err != nil {
		return fmt.Errorf("shm %d: %w", s.ID, sysvErr(KindShm, s.ID, err))
	}
	var now Shm
	shmFromDs(&ds, s.ID, &now)
	if now.Key != s.Key || !now.CTime.Equal(s.CTime) || now.CPID != s.CPID || now.LPID != s.LPID || now.Nattch != s.Nattch {
		return fmt.Errorf("shm %d (key 0x%08x, created %s by %d, nattch %d) is now key 0x%08x, created %s by %d, nattch %d: %w",
			s.ID, uint32(s.Key), s.CTime.Format(time.RFC3339), s.CPID, s.Nattch,
			uint32(now.Key), now.CTime.Format(time.RFC3339), now.CPID, now.Nattch, ErrChanged)
	}
	_, err := sys.Shmctl(s.ID, sys.IPC_RMID, nil)
	return sysvErr(KindShm, s.ID, err)
}

// PosixRemoveIfSame unlinks the POSIX object f of kind k only if its
// name still names the same file: fstatat in the object's directory,
// right before unlinkat in that same directory (one descriptor for
// both), must show the same device, inode and ctime (a queue's ctime
// changes when it is merely read: device and inode only). Otherwise it
// removes nothing and returns ErrChanged; a name that is gone gives
// ErrNotFound.
// Equivalent to: shm_unlink, sem_unlink or mq_unlink of the object listed.
func (c *Client) PosixRemoveIfSame(k Kind, f PosixFile) error {
	if _, err := ParsePosixName(k, f.Name); err != nil {
		return err
	}
	dir, file := c.shmDir(), f.Name[1:]
	switch k {
	case KindPsem:
		file = psemPrefix + file
	case KindMq:
		dir = c.mqDir()
	}
	if k != KindMq {
		if err := c.posixErr(); err != nil {
			return err
		}
	}
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return notFound(&fs.PathError{Op: "open", Path: dir, Err: err})
	}
	defer unix.Close(dfd)
	var st unix.Stat_t
	if err := unix.Fstatat(dfd, file, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return notFound(&fs.PathError{Op: "stat", Path: dir + "/" + file, Err: err})
	}
	now := posixFileFromStat(f.Name, &st)
	// A queue's ctime is no identity: the kernel sets it whenever the
	// queue's file is read (listing reads QSIZE) and at every send and
	// receive. Its inode is: a queue made again gets a new one.
	sameTime := k == KindMq || now.CTime.Equal(f.CTime)
	if st.Mode&unix.S_IFMT != unix.S_IFREG || now.Dev != f.Dev || now.Inode != f.Inode || !sameTime {
		return fmt.Errorf("%s %s is now another file (inode %d, changed %s; listed: inode %d, changed %s): %w",
			k, f.Name, now.Inode, now.CTime.Format(time.RFC3339Nano), f.Inode, f.CTime.Format(time.RFC3339Nano), ErrChanged)
	}
	if err := unix.Unlinkat(dfd, file, 0); err != nil {
		return notFound(&fs.PathError{Op: "unlink", Path: dir + "/" + file, Err: err})
	}
	return nil
}

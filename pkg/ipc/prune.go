package ipc

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ipcctl/ipcctl/pkg/errclass"
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
// planned and still an orphan (RemoveIfSame, with a segment's
// IdleIdentity): an id or a name taken by a new object in between, or a
// segment attached since, is left alone (ErrChanged).

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
	Used   time.Time // last used, what OlderThan compares (see posixUsed; a segment's newest time)
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
		shm, err := c.ShmListNeeds(ListNeeds{}) // no rss or swap: the orphan rule does not read them
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
			if o.Owner != nil && f.UID != *o.Owner || !olderThan(posixUsed(k, f), o) {
				continue
			}
			files = append(files, f)
			kinds = append(kinds, k)
		}
	}
	if len(files) == 0 {
		return plan.sorted(), nil
	}
	h, err := c.ScanHolders(HolderQuery{Files: files, Procs: procs}) // /proc listed once
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
			Kind: kinds[i], ID: -1, Name: f.Name, UID: f.UID, Size: f.Size, Used: posixUsed(kinds[i], f), file: f,
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
// It only stats them: opening and reading a semaphore or a queue (as the
// full listings do) would move the very times the age rule looks at.
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
		l, err := c.PsemListNeeds(PosixNeeds{})
		for _, p := range l {
			out = append(out, p.PosixFile)
		}
		return out, err
	case KindMq:
		l, err := c.MqListNeeds(PosixNeeds{})
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

// posixUsed is when a POSIX object was last used, from the times that
// looking at it does not move (our own listings, `ls`, metrics scrapes
// read these files all the time):
//
//   - a queue: its mtime. mq_timedsend and mq_timedreceive set atime,
//     mtime and ctime; reading /dev/mqueue/Q (mqueue_read_file, for
//     QSIZE) and mq_notify set atime and ctime only (ipc/mqueue.c).
//   - shared memory and semaphores (tmpfs): mtime and ctime, not atime.
//     pread of a semaphore and mmap of either (shmem_mmap calls
//     file_accessed; a residency scan maps the file) set atime, under
//     relatime whenever it is older than mtime or ctime or a day old.
//     What is left out is the last sem_open/mmap by a user; one that
//     still holds the object is found by the holder scan anyway.
//     (Stores through a mapping, sem_post included, set no time on
//     tmpfs: it has no page_mkwrite to call file_update_time.)
func posixUsed(k Kind, f PosixFile) time.Time {
	if k == KindMq {
		return f.MTime
	}
	return latest(f.MTime, f.CTime)
}

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
// RemoveIfSame). each is called with every
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
		id := p.file.Identity()
		if p.Kind == KindShm {
			id = p.shm.IdleIdentity()
		}
		if o := plan.opts.Owner; o != nil {
			// A queue's ctime is no identity (it moves with every
			// message), so only this says it was not chowned away.
			id = id.WithOwner(*o)
		}
		switch {
		case p.Kind == KindShm:
			err = c.RemoveIfSame(KindShm, id)
		case len(h.File(p.file)) > 0:
			err = fmt.Errorf("%s is held by process %d now: %w", p.Name, h.File(p.file)[0].PID, ErrChanged)
		default:
			err = c.RemoveIfSame(p.Kind, id)
		}
		each(p, err)
	}
	return nil
}

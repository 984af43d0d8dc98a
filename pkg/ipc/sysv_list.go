package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// A System V listing has two sources, which give the same objects with
// the same values:
//
//   - /proc/sysvipc/{shm,sem,msg}, one text line per object. The kernel
//     formats every line (and sums each segment's rss and swap), and the
//     listing parses it back: about 1 µs an object, all told.
//   - the *_INFO + *_STAT_ANY index walk that ipcs uses: one system call
//     per index up to the highest in use, a third of that per object, but
//     one for every unused index too (a tenth of it each).
//
// The live system is listed from the cheaper one for each kind: the walk,
// unless the ids are sparse (few objects spread over many indexes, as
// when most of a once large population is gone) or the caller needs a
// field only /proc has. A client rooted at a fixture tree reads its files
// and nothing else: its ids name nothing on this machine.

// ListNeeds says which fields of a System V listing the caller reads
// beyond those both sources have, so that the listing can take the
// cheapest source that has them. A field not asked for is left nil.
type ListNeeds struct {
	RSS    bool // Shm.RSS and Shm.Swap, which only /proc/sysvipc/shm has
	QBytes bool // Msg.QBytes, which only msgctl has (free in the MSG_STAT_ANY walk)
}

// ListSource is where a System V listing reads its objects.
type ListSource uint8

// The sources. SourceAuto is the default.
const (
	SourceAuto ListSource = iota // per kind, the cheaper source that has what is needed
	SourceProc                   // /proc/sysvipc/* only
	SourceStat                   // the *_INFO + *_STAT_ANY walk only (live system only)
)

func (s ListSource) String() string {
	switch s {
	case SourceProc:
		return "proc"
	case SourceStat:
		return "stat"
	}
	return "auto"
}

// WithListSource returns a copy of the client that lists System V objects
// from s only, for tests and benchmarks that compare the sources. A
// client rooted at a fixture tree fails to list with SourceStat.
func (c *Client) WithListSource(s ListSource) *Client {
	cc := *c
	cc.source = s
	return &cc
}

// ShmEach calls fn with each shared memory segment, in index order. fn
// gets the same *Shm every time, overwritten for the next segment: it
// copies what it keeps (a copy of the struct is safe to keep, RSS and Swap
// included). An error from fn stops the listing and is returned as it is.
// A segment removed while listing is skipped.
// Equivalent to: `ipcs -m`.
func (c *Client) ShmEach(needs ListNeeds, fn func(*Shm) error) error {
	return c.shmEach(needs, nil, fn)
}

// SemEach calls fn with each semaphore set, without per-semaphore state,
// as ShmEach does.
// Equivalent to: `ipcs -s`.
func (c *Client) SemEach(needs ListNeeds, fn func(*Sem) error) error {
	return c.semEach(needs, nil, fn)
}

// MsgEach calls fn with each message queue, as ShmEach does. With
// needs.QBytes every queue has its capacity, whatever the caller's
// permissions (MSG_STAT_ANY asks for none), except where the kernel lacks
// MSG_STAT_ANY: there it comes from IPC_STAT, which needs read permission,
// and stays nil without it.
// Equivalent to: `ipcs -q`.
func (c *Client) MsgEach(needs ListNeeds, fn func(*Msg) error) error {
	return c.msgEach(needs, nil, fn)
}

// ShmListNeeds lists shared memory segments into a slice.
// Equivalent to: `ipcs -m`.
func (c *Client) ShmListNeeds(needs ListNeeds) ([]Shm, error) {
	var out []Shm
	err := c.shmEach(needs, func(n int) { out = make([]Shm, 0, n) },
		func(s *Shm) error { out = append(out, *s); return nil })
	return out, err
}

// SemListNeeds lists semaphore sets into a slice.
// Equivalent to: `ipcs -s`.
func (c *Client) SemListNeeds(needs ListNeeds) ([]Sem, error) {
	var out []Sem
	err := c.semEach(needs, func(n int) { out = make([]Sem, 0, n) },
		func(s *Sem) error { out = append(out, *s); return nil })
	return out, err
}

// MsgListNeeds lists message queues into a slice.
// Equivalent to: `ipcs -q`.
func (c *Client) MsgListNeeds(needs ListNeeds) ([]Msg, error) {
	var out []Msg
	err := c.msgEach(needs, func(n int) { out = make([]Msg, 0, n) },
		func(m *Msg) error { out = append(out, *m); return nil })
	return out, err
}

// ShmList lists shared memory segments with every field (RSS and swap too).
// Equivalent to: `ipcs -m`.
func (c *Client) ShmList() ([]Shm, error) { return c.ShmListNeeds(ListNeeds{RSS: true}) }

// SemList lists semaphore sets (without per-semaphore state).
// Equivalent to: `ipcs -s`.
func (c *Client) SemList() ([]Sem, error) { return c.SemListNeeds(ListNeeds{}) }

// MsgList lists message queues, without their capacity (QBytes nil): ask
// MsgListNeeds(ListNeeds{QBytes: true}) for it.
// Equivalent to: `ipcs -q`.
func (c *Client) MsgList() ([]Msg, error) { return c.MsgListNeeds(ListNeeds{}) }

// sysvSpec is one kind's two ways of listing, for listSysv.
type sysvSpec struct {
	file         string // below the root, e.g. "proc/sysvipc/shm"
	info         func() (maxIdx, used int, err error)
	emptyPerUsed int                          // see choose
	needProc     bool                         // the caller needs a field only /proc has
	needStat     bool                         // the caller needs a field only msgctl has
	walk         func(maxIdx, used int) error // the *_STAT_ANY walk
	proc         func() error                 // the /proc/sysvipc file
}

// listSysv lists one kind from the source choose picks. start, if not
// nil, is called before the first object with the number *_INFO counts
// (a capacity for the caller's slice), when *_INFO was asked.
func (c *Client) listSysv(k sysvSpec, start func(n int)) error {
	src, maxIdx, used, err := c.choose(k)
	if err != nil {
		return err
	}
	if src == SourceStat {
		if start != nil {
			start(used)
		}
		if err := k.walk(maxIdx, used); err != errNoStatAny {
			return err
		}
		if c.source == SourceStat {
			return errclass.Errorf(errclass.Unsupported, "list %s: this kernel has no *_STAT_ANY", k.file)
		}
	}
	if start != nil && src == SourceProc && used > 0 {
		start(used) // from *_INFO, when it was asked
	}
	err = k.proc()
	switch {
	case err == nil || !errors.Is(err, fs.ErrNotExist):
		return err
	case !c.live():
		return errclass.Errorf(errclass.Unsupported,
			"%s has no %s (a listing under another root never reads the live kernel)", c.fs, k.file)
	case src == SourceProc && c.source == SourceAuto:
		// No /proc here: the walk, without the fields only /proc has.
		maxIdx, used, err := k.info()
		if err != nil {
			return unsupportedIfNoSys(err)
		}
		if start != nil {
			start(used)
		}
		if err := k.walk(maxIdx, used); err != errNoStatAny {
			return err
		}
	case src == SourceProc:
		return err
	}
	return errclass.Errorf(errclass.Unsupported, "list: no /%s and no *_STAT_ANY in this kernel", k.file)
}

// choose picks the source of one listing. On the live system it is the
// walk unless the caller needs what only /proc has, or unused indexes
// below the highest in use outnumber the objects more than
// k.emptyPerUsed times (plus procFixedCost): walking each costs about
// 1/emptyPerUsed of what /proc costs more than the walk for each object.
func (c *Client) choose(k sysvSpec) (src ListSource, maxIdx, used int, err error) {
	if !c.live() {
		if c.source == SourceStat {
			return 0, 0, 0, errclass.Errorf(errclass.Unsupported,
				"a System V listing under %s comes from its files, never from the kernel's system calls", c.fs)
		}
		return SourceProc, 0, 0, nil
	}
	if c.source == SourceProc || (c.source == SourceAuto && k.needProc) {
		return SourceProc, 0, 0, nil
	}
	maxIdx, used, err = k.info()
	if err != nil {
		return 0, 0, 0, unsupportedIfNoSys(err)
	}
	if c.source == SourceAuto && !k.needStat && maxIdx+1-used > k.emptyPerUsed*used+procFixedCost {
		return SourceProc, maxIdx, used, nil
	}
	return SourceStat, maxIdx, used, nil
}

// The cost of /proc beyond the walk for each object, in unused indexes
// walked. BenchmarkSysvSources measured (2 cores, loaded): the walk
// 180-200 ns an object and about 100 ns an unused index; /proc 0.9-1.3
// µs an object in all (the kernel's formatting, shm's rss and swap sums,
// the parsing).
//
// procFixedCost is what opening and reading the header of a /proc file
// costs, in unused indexes walked: an empty namespace (*_INFO says index
// 0, none used) takes one system call, not a file.
const (
	procFixedCost   = 32
	shmEmptyPerUsed = 8
	semEmptyPerUsed = 5
	msgEmptyPerUsed = 7
)

// errNoStatAny says the walk found nothing where *_INFO counts objects:
// the kernel has no *_STAT_ANY (before 4.17), or a security module
// refuses it. Nothing was passed to the caller's fn.
var errNoStatAny = errors.New("no *_STAT_ANY")

// walk stats every index from 0 to maxIdx, skipping unused ones and
// objects removed since *_INFO, and hands each object to emit. A failure
// before any object was emitted is errNoStatAny, and so is finding none
// where used says there were some.
func walk[D any](maxIdx, used int, stat func(idx int, ds *D) (int, error), emit func(ds *D, id int) error) error {
	var ds D
	found := 0
	for i := 0; i <= maxIdx; i++ {
		id, err := stat(i, &ds)
		if err != nil {
			if skippable(err) {
				continue
			}
			if found == 0 {
				return errNoStatAny
			}
			return err
		}
		found++
		if err := emit(&ds, id); err != nil {
			return err
		}
	}
	if found == 0 && used > 0 {
		return errNoStatAny
	}
	return nil
}

func (c *Client) shmEach(needs ListNeeds, start func(n int), fn func(*Shm) error) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.shmEach(needs, start, fn) })
	}
	var out Shm
	return c.listSysv(sysvSpec{
		file: "proc/sysvipc/shm", info: shmInfo, emptyPerUsed: shmEmptyPerUsed, needProc: needs.RSS,
		walk: func(maxIdx, used int) error {
			return walk(maxIdx, used, shmStatAny, func(ds *sys.ShmidDs, id int) error {
				shmFromDs(ds, id, &out)
				return fn(&out)
			})
		},
		proc: func() error {
			return c.fs.SysvShmEach(func(r *procfs.SysvShm) error {
				out = Shm{
					Perm:   Perm{Key: r.Key, ID: r.ID, Mode: r.Mode, UID: r.UID, GID: r.GID, CUID: r.CUID, CGID: r.CGID},
					Size:   r.Size,
					Nattch: r.Nattch,
					CPID:   r.CPID,
					LPID:   r.LPID,
					ATime:  unixTime(r.ATime),
					DTime:  unixTime(r.DTime),
					CTime:  unixTime(r.CTime),
				}
				if needs.RSS { // procfs never overwrites what these point to
					out.RSS, out.Swap = r.RSS, r.Swap
				}
				return fn(&out)
			})
		},
	}, start)
}

func (c *Client) semEach(needs ListNeeds, start func(n int), fn func(*Sem) error) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.semEach(needs, start, fn) })
	}
	var out Sem
	return c.listSysv(sysvSpec{
		file: "proc/sysvipc/sem", info: semInfo, emptyPerUsed: semEmptyPerUsed,
		walk: func(maxIdx, used int) error {
			return walk(maxIdx, used, semStatAny, func(ds *sys.SemidDs, id int) error {
				semFromDs(ds, id, &out)
				return fn(&out)
			})
		},
		proc: func() error {
			return c.fs.SysvSemEach(func(r *procfs.SysvSem) error {
				out = Sem{
					Perm:  Perm{Key: r.Key, ID: r.ID, Mode: r.Mode, UID: r.UID, GID: r.GID, CUID: r.CUID, CGID: r.CGID},
					NSems: r.NSems,
					OTime: unixTime(r.OTime),
					CTime: unixTime(r.CTime),
				}
				return fn(&out)
			})
		},
	}, start)
}

func (c *Client) msgEach(needs ListNeeds, start func(n int), fn func(*Msg) error) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.msgEach(needs, start, fn) })
	}
	var out Msg
	var qbytes slab[uint64] // what out.QBytes points to, never overwritten: callers may keep copies of out
	return c.listSysv(sysvSpec{
		file: "proc/sysvipc/msg", info: msgInfo, emptyPerUsed: msgEmptyPerUsed, needStat: needs.QBytes,
		walk: func(maxIdx, used int) error {
			return walk(maxIdx, used, msgStatAny, func(ds *sys.MsqidDs, id int) error {
				msgFromDs(ds, id, &out)
				if needs.QBytes {
					out.QBytes = qbytes.put(ds.Qbytes)
				}
				return fn(&out)
			})
		},
		proc: func() error {
			return c.fs.SysvMsgEach(func(r *procfs.SysvMsg) error {
				out = Msg{
					Perm:   Perm{Key: r.Key, ID: r.ID, Mode: r.Mode, UID: r.UID, GID: r.GID, CUID: r.CUID, CGID: r.CGID},
					CBytes: r.CBytes,
					QNum:   r.QNum,
					LSPID:  r.LSPID,
					LRPID:  r.LRPID,
					STime:  unixTime(r.STime),
					RTime:  unixTime(r.RTime),
					CTime:  unixTime(r.CTime),
				}
				if needs.QBytes && c.live() {
					// Without MSG_STAT_ANY: IPC_STAT, which needs read permission.
					q, err := MsgQBytes(r.ID)
					if errors.Is(err, ErrNotFound) {
						return nil // removed since
					}
					if err == nil {
						out.QBytes = qbytes.put(q)
					}
				}
				return fn(&out)
			})
		},
	}, start)
}

func permFrom(p *sys.IpcPerm, id int) Perm {
	return Perm{Key: p.Key, ID: id, Mode: p.Mode, UID: p.Uid, GID: p.Gid, CUID: p.Cuid, CGID: p.Cgid}
}

// unsupportedIfNoSys reports a kernel built without System V IPC as ErrUnsupported.
func unsupportedIfNoSys(err error) error {
	if errors.Is(err, unix.ENOSYS) {
		return fmt.Errorf("%w: the kernel has no System V IPC", ErrUnsupported)
	}
	return err
}

// skippable reports errors of one index in a *_STAT_ANY loop that mean
// "no object here (any more)".
func skippable(err error) bool {
	return err == unix.EINVAL || err == unix.EIDRM || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EIDRM)
}

// The *Info functions return what the walk needs from *_INFO: the
// highest index in use and the number of objects.

func shmInfo() (int, int, error) {
	// SHM_INFO sums the rss and swap of every segment, taking each one's
	// lock (ipc/shm.c, shm_get_stat): at 32 000 segments it costs a third
	// of the walk itself. IPC_INFO gives the highest index in use at no
	// cost; below shmProbeFrom indexes SHM_INFO's count is cheap, above
	// it the number in use is estimated from a few STAT_ANY probes.
	var lim sys.ShmLimits
	maxIdx, err := sys.Shmctl(0, sys.IPC_INFO, unsafe.Pointer(&lim))
	if err != nil {
		return 0, 0, err
	}
	if maxIdx < shmProbeFrom {
		var info sys.ShmInfo
		maxIdx, err := sys.Shmctl(0, sys.SHM_INFO, unsafe.Pointer(&info))
		return maxIdx, int(info.UsedIDs), err
	}
	return maxIdx, probeUsed(maxIdx, shmStatAny), nil
}

// shmProbes STAT_ANY probes, spread evenly over the indexes from 0 to
// the highest in use, estimate how many are in use when there are at
// least shmProbeFrom indexes: within a few percent of the density, which
// is all choose needs. No hit at all means very sparse, or no STAT_ANY:
// /proc suits both.
const (
	shmProbeFrom = 256
	shmProbes    = 64
)

func probeUsed[D any](maxIdx int, stat func(int, *D) (int, error)) int {
	var ds D
	hits := 0
	for j := range shmProbes {
		if _, err := stat(j*maxIdx/(shmProbes-1), &ds); err == nil {
			hits++
		}
	}
	return hits * (maxIdx + 1) / shmProbes
}

func semInfo() (int, int, error) {
	var info sys.SemInfo
	maxIdx, err := sys.SemctlBuf(0, 0, sys.SEM_INFO, unsafe.Pointer(&info))
	return maxIdx, int(info.Semusz), err // SEM_INFO: semusz counts the sets
}

func msgInfo() (int, int, error) {
	var info sys.MsgInfo
	maxIdx, err := sys.Msgctl(0, sys.MSG_INFO, unsafe.Pointer(&info))
	return maxIdx, int(info.Msgpool), err // MSG_INFO: msgpool counts the queues
}

func shmStatAny(idx int, ds *sys.ShmidDs) (int, error) {
	return sys.Shmctl(idx, sys.SHM_STAT_ANY, unsafe.Pointer(ds))
}

func semStatAny(idx int, ds *sys.SemidDs) (int, error) {
	return sys.SemctlBuf(idx, 0, sys.SEM_STAT_ANY, unsafe.Pointer(ds))
}

func msgStatAny(idx int, ds *sys.MsqidDs) (int, error) {
	return sys.Msgctl(idx, sys.MSG_STAT_ANY, unsafe.Pointer(ds))
}

func shmFromDs(ds *sys.ShmidDs, id int, s *Shm) {
	*s = Shm{
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

func semFromDs(ds *sys.SemidDs, id int, s *Sem) {
	*s = Sem{
		Perm:  permFrom(&ds.Perm, id),
		NSems: ds.Nsems,
		OTime: unixTime(ds.Otime),
		CTime: unixTime(ds.Ctime),
	}
}

func msgFromDs(ds *sys.MsqidDs, id int, m *Msg) {
	*m = Msg{
		Perm:   permFrom(&ds.Perm, id),
		CBytes: ds.Cbytes,
		QNum:   ds.Qnum,
		LSPID:  int(ds.Lspid),
		LRPID:  int(ds.Lrpid),
		STime:  unixTime(ds.Stime),
		RTime:  unixTime(ds.Rtime),
		CTime:  unixTime(ds.Ctime),
	}
}

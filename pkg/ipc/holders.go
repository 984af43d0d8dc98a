package ipc

import (
	"bytes"
	"errors"
	"io/fs"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// Holder is a process that holds an IPC object: it has it mapped (a
// System V segment it attached, a POSIX object it mmap-ed, a semaphore
// it sem_open-ed), or has a descriptor open on it.
type Holder struct {
	PID     int
	Command string // its command line, as ps shows it
	Maps    int    // its mappings of the object (a segment attached twice: 2)
	FDs     []int  // its descriptors open on the object, ascending
}

// How says how the process holds the object: "mapped", "fd" or "mapped,fd".
func (h Holder) How() string {
	switch {
	case h.Maps > 0 && len(h.FDs) > 0:
		return "mapped,fd"
	case h.Maps > 0:
		return "mapped"
	}
	return "fd"
}

// Procs is a snapshot of the processes in /proc, taken once per command:
// whether a pid is alive, and its command line, read when first asked.
type Procs struct {
	fs    procfs.FS
	alive map[int]bool
	mu    sync.Mutex
	cmds  map[int]string
}

// Procs lists the processes once (one read of the /proc directory).
func (c *Client) Procs() (*Procs, error) {
	pids, err := c.fs.PIDs()
	if err != nil {
		return nil, err
	}
	p := &Procs{fs: c.fs, alive: make(map[int]bool, len(pids)), cmds: map[int]string{}}
	for _, pid := range pids {
		p.alive[pid] = true
	}
	return p, nil
}

// Gone reports whether pid names a process that no longer exists. A pid
// of 0 is not gone: the kernel shows 0 for a process outside the
// reader's pid namespace, which may well be alive.
func (p *Procs) Gone(pid int) bool { return pid > 0 && !p.alive[pid] }

// Command returns the command line of process pid and whether it is
// alive (in the snapshot, and still there when its command line was
// read); a dead or invisible process gives ("", false).
// Equivalent to: `ps -o args= -p PID`.
func (p *Procs) Command(pid int) (string, bool) {
	if !p.alive[pid] {
		return "", false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if cmd, ok := p.cmds[pid]; ok {
		return cmd, cmd != ""
	}
	cmd, err := p.fs.PIDCommand(pid)
	if err != nil {
		cmd = ""
	}
	p.cmds[pid] = cmd
	return cmd, cmd != ""
}

// Holders is who holds which objects, from one scan of every process's
// /proc/PID/maps and /proc/PID/fd (ScanHolders).
type Holders struct {
	*Procs
	shm   map[int][]Holder
	files map[fileKey][]Holder
	// Unreadable lists the processes whose maps or descriptors could not
	// be read (ptrace access is needed): they may hold objects too.
	Unreadable []int
}

type fileKey struct{ dev, ino uint64 }

// Shm returns the processes that have segment id attached, by pid.
func (h *Holders) Shm(id int) []Holder { return h.shm[id] }

// File returns the processes that map or have open the POSIX object f
// (shared memory, semaphore or message queue), by pid. Objects are told
// apart by device and inode, not by name: /dev/shm/x of a container is
// another file than the host's /dev/shm/x, whatever path either process
// used to reach it.
func (h *Holders) File(f PosixFile) []Holder { return h.files[fileKey{f.Dev, f.Inode}] }

// HolderQuery names the objects ScanHolders looks for.
type HolderQuery struct {
	Shm   []int       // System V segment ids of the client's namespace
	Files []PosixFile // POSIX shm, semaphores and queues (from the listings)
	// Procs is the list of processes to scan, when the caller has just
	// made one (Client.Procs); nil lists /proc.
	Procs *Procs
}

// ScanHolders finds, in one pass over /proc, the processes that hold the
// objects of q. System V segments: the /SYSV<key> lines of
// /proc/PID/maps whose inode is the segment's id, of processes in the
// client's IPC namespace (ids are per namespace). POSIX objects: lines
// of /proc/PID/maps with the object's device and inode, and descriptors
// in /proc/PID/fd whose link ends with the object's file name (a message
// queue opened with mq_open reads "/NAME") and that stat to its device
// and inode. Processes that exit meanwhile are skipped; those that
// cannot be read are listed in Unreadable.
// Equivalent to: `grep /SYSV /proc/*/maps` and `ls -l /proc/*/fd`, with
// fuser's matching by device and inode.
func (c *Client) ScanHolders(q HolderQuery) (*Holders, error) {
	procs := q.Procs
	var err error
	if procs == nil {
		if procs, err = c.Procs(); err != nil {
			return nil, err
		}
	}
	h := &Holders{Procs: procs, shm: map[int][]Holder{}, files: map[fileKey][]Holder{}}
	s := holderScan{fs: c.fs, shmIDs: map[int]bool{}, files: map[fileKey]bool{}, names: map[string]bool{}}
	for _, id := range q.Shm {
		s.shmIDs[id] = true
	}
	for _, f := range q.Files {
		s.files[fileKey{f.Dev, f.Inode}] = true
		base := f.Name[strings.LastIndexByte(f.Name, '/')+1:]
		s.names[base] = true
		s.names[psemPrefix+base] = true // a semaphore's file is sem.NAME
	}
	if len(s.shmIDs) > 0 {
		if s.ipcNS, err = c.ipcInode(); err != nil {
			return nil, err
		}
	}
	if len(s.shmIDs) == 0 && len(s.files) == 0 {
		return h, nil
	}
	pids := make([]int, 0, len(procs.alive))
	for pid := range procs.alive {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	// Reading maps and descriptors is system calls, process after
	// process: a few workers share them out (each pid in turn, so the
	// result keeps pid order).
	type result struct {
		holds      procHolds
		unreadable bool
	}
	results := make([]result, len(pids))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(pids)/32))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := w; i < len(pids); i += workers {
				r, err := s.scan(pids[i], &buf)
				results[i] = result{r, err != nil && !vanished(err)}
			}
		}()
	}
	wg.Wait()
	for i, pid := range pids {
		r := results[i]
		if r.unreadable {
			h.Unreadable = append(h.Unreadable, pid)
		}
		for id, n := range r.holds.shm {
			h.shm[id] = append(h.shm[id], Holder{PID: pid, Maps: n})
		}
		for k, hd := range r.holds.files {
			hd.PID = pid
			slices.Sort(hd.FDs)
			h.files[k] = append(h.files[k], hd)
		}
	}
	for _, list := range h.shm {
		h.fill(list)
	}
	for _, list := range h.files {
		h.fill(list)
	}
	return h, nil
}

// vanished says err is that of a process that exited meanwhile, which
// holds nothing. Any other failure (no permission, but also a maps file
// that does not parse, EIO) leaves the process unreadable: it may hold
// what we look for.
func vanished(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH)
}

// fill sets the command of each holder.
func (h *Holders) fill(list []Holder) {
	for i := range list {
		list[i].Command, _ = h.Command(list[i].PID)
	}
}

// ipcInode is the inode of the client's IPC namespace.
func (c *Client) ipcInode() (uint64, error) {
	if c.ns != nil {
		return c.ns.info.Inode, nil
	}
	// thread-self: a goroutine not on a namespace thread is in ours.
	return c.fs.NamespaceInode("thread-self", "ipc")
}

// holderScan is what ScanHolders looks for in each process.
type holderScan struct {
	fs     procfs.FS
	ipcNS  uint64
	shmIDs map[int]bool
	files  map[fileKey]bool
	names  map[string]bool // base names of the files, to pick descriptors worth a stat
}

type procHolds struct {
	shm   map[int]int // id → mappings
	files map[fileKey]Holder
}

func (s *holderScan) scan(pid int, buf *[]byte) (procHolds, error) {
	var r procHolds
	inNS := false
	if len(s.shmIDs) > 0 {
		ino, err := s.fs.NamespaceInodePID(pid, "ipc")
		if err != nil {
			return r, err
		}
		inNS = ino == s.ipcNS
	}
	if inNS || len(s.files) > 0 {
		err := s.fs.ScanMaps(pid, buf, func(e procfs.MapsEntry) {
			if inNS && e.Inode <= maxIPCID && bytes.HasPrefix(e.Path, []byte("/SYSV")) && s.shmIDs[int(e.Inode)] {
				if r.shm == nil {
					r.shm = map[int]int{}
				}
				r.shm[int(e.Inode)]++
				return
			}
			if k := (fileKey{e.Dev, e.Inode}); s.files[k] {
				if r.files == nil {
					r.files = map[fileKey]Holder{}
				}
				hd := r.files[k]
				hd.Maps++
				r.files[k] = hd
			}
		})
		if err != nil {
			return r, err
		}
	}
	if len(s.files) == 0 {
		return r, nil
	}
	fdDir := s.fs.Path("proc", strconv.Itoa(pid), "fd") + "/"
	return r, s.fs.ScanFDs(pid, func(fd int, target []byte) {
		if len(target) == 0 || target[0] != '/' || !s.names[string(target[bytes.LastIndexByte(target, '/')+1:])] {
			return
		}
		var st unix.Stat_t
		if unix.Stat(fdDir+strconv.Itoa(fd), &st) != nil {
			return
		}
		if k := (fileKey{st.Dev, st.Ino}); s.files[k] {
			if r.files == nil {
				r.files = map[fileKey]Holder{}
			}
			hd := r.files[k]
			hd.FDs = append(hd.FDs, fd)
			r.files[k] = hd
		}
	})
}

// maxIPCID bounds a System V id (an int): larger inodes are no segment's.
const maxIPCID = 1<<31 - 1

package ipc

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"

	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// Namespace is one IPC namespace in use on the host: what `ls -A` lists
// objects of, one after another.
type Namespace struct {
	Inode     uint64 // the namespace's inode: the "ns" column
	PID       int    // a process in it, through which it is entered and its /dev/shm read
	Processes int    // processes seen in it
	Host      bool   // the host's: PID 1's, or ours when PID 1's cannot be read
	Self      bool   // the caller's own
	// Container is what the cgroup path of PID says (Container.String()
	// is the "container" column: "docker:0123456789ab", a systemd unit, "-").
	Container procfs.Container
	// DevShmOf is the inode of an earlier namespace in the list whose
	// process sees the same /dev/shm filesystem (an `unshare --ipc` that
	// kept the mount namespace), else 0. POSIX shared memory and
	// semaphores are files of that filesystem, not of the IPC namespace:
	// list them once, under the first namespace that has them.
	DevShmOf uint64
	devShm   uint64 // st_dev of PID's /dev/shm; 0 when it has none
}

// Namespaces lists the distinct IPC namespaces of the processes this
// process can see, from the inodes of /proc/*/ns/ipc, in one pass over
// /proc: the host's first, then the caller's, then by inode. Each has
// one representative process, the lowest pid whose mount namespace has
// a /dev/shm (else the lowest). unreadable counts the processes whose
// namespace could not be read (ptrace access is needed; an ordinary user
// sees only its own processes): namespaces only they are in are missing.
// Equivalent to: `lsns --type ipc`.
func Namespaces(fsys procfs.FS) (list []Namespace, unreadable int, err error) {
	pids, err := fsys.PIDs()
	if err != nil {
		return nil, 0, err
	}
	slices.Sort(pids)
	self, err := fsys.NamespaceInode("thread-self", "ipc")
	if err != nil {
		return nil, 0, err
	}
	host := self
	byIno := map[uint64]*Namespace{}
	var order []uint64
	for _, pid := range pids {
		ino, err := fsys.NamespaceInodePID(pid, "ipc")
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				unreadable++ // an exited process is simply gone
			}
			continue
		}
		if pid == 1 {
			host = ino
		}
		n := byIno[ino]
		if n == nil {
			n = &Namespace{Inode: ino, PID: pid}
			byIno[ino] = n
			order = append(order, ino)
		}
		n.Processes++
		if n.devShm == 0 {
			// The first process with a /dev/shm represents the namespace.
			if dev, ok := devShmOf(fsys, pid); ok {
				n.PID, n.devShm = pid, dev
			}
		}
	}
	rank := func(ino uint64) int {
		switch ino {
		case host:
			return 0
		case self:
			return 1
		}
		return 2
	}
	slices.SortFunc(order, func(a, b uint64) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return cmp.Compare(a, b)
	})
	firstWith := map[uint64]uint64{} // /dev/shm device → first namespace
	for _, ino := range order {
		n := byIno[ino]
		n.Host, n.Self = ino == host, ino == self
		if lines, err := fsys.PIDCgroup(n.PID); err == nil {
			n.Container = procfs.ContainerOf(lines)
		}
		if n.devShm != 0 {
			if first, ok := firstWith[n.devShm]; ok {
				n.DevShmOf = first
			} else {
				firstWith[n.devShm] = ino
			}
		}
		list = append(list, *n)
	}
	return list, unreadable, nil
}

// devShmOf returns the device of the /dev/shm that process pid sees,
// resolved inside its root.
func devShmOf(fsys procfs.FS, pid int) (uint64, bool) {
	root, err := unix.Open(fsys.Path("proc", strconv.Itoa(pid), "root"), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, false
	}
	defer unix.Close(root)
	how := resolveInRoot
	fd, err := unix.Openat2(root, "dev/shm", &how)
	if err != nil {
		return 0, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return 0, false
	}
	return st.Dev, true
}

// Client opens a client on namespace n: New for the caller's own (no
// thread moves, no privilege needed), NewNS on n.PID for the others.
// Close it after use.
func (n Namespace) Client(fsys procfs.FS) (*Client, error) {
	if n.Self {
		return New(fsys), nil
	}
	c, err := NewNS(fsys, strconv.Itoa(n.PID))
	if err != nil {
		return nil, err
	}
	// The pid was found in n; if it exited and was reused since, the
	// client is in another namespace: not n's objects to list as n's.
	if info, ok := c.Namespace(); ok && info.Inode != n.Inode {
		c.Close()
		return nil, fmt.Errorf("process %d is in IPC namespace %d now, not %d: %w", n.PID, info.Inode, n.Inode, ErrChanged)
	}
	return c, nil
}

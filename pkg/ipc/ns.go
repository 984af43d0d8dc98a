package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// A Client made by NewNS works on the IPC objects of another IPC
// namespace (a container's) with the same methods as any other:
//
//   - System V calls, and reads of /proc/sysvipc and of the IPC sysctls
//     (/proc/sys/kernel/shm*, sem, msg*, /proc/sys/fs/mqueue/*), whose
//     content depends on the IPC namespace of the thread that opens them,
//     run on OS threads locked to a goroutine that has setns(2)'d into the
//     target namespace. Only those threads change namespace, never the
//     process; they never return to the Go runtime (their goroutine exits
//     still locked when the client is closed, and the thread ends).
//   - POSIX shared memory and semaphores are files in the /dev/shm of a
//     mount namespace: they are reached through the root of a process in
//     the target namespace, with /dev/shm resolved inside that root
//     (openat2 RESOLVE_IN_ROOT: a symlink planted in the container cannot
//     lead outside it), and held open as a directory descriptor.
//   - POSIX message queues are files of the mqueue filesystem of the IPC
//     namespace: the target's /dev/mqueue when it is an mqueue mount there,
//     otherwise a detached mount made on a namespace thread (fsmount(2):
//     attached to no mount namespace, gone when the client is closed).
//     mq_open by name runs on a namespace thread.
//
// Each exported method that needs the namespace starts with a guard that
// moves the whole call onto a namespace thread (see nsCall).

// NSInfo describes the namespace a Client made by NewNS works in.
type NSInfo struct {
	Target string // as given to NewNS
	Inode  uint64 // the IPC namespace's inode (the "ns" of ls -A)
	PID    int    // the process whose mount namespace holds the POSIX objects; 0 if none
	// POSIXError says why POSIX shared memory and semaphores cannot be
	// reached (no process in the namespace, no /dev/shm); nil when they can.
	POSIXError error
}

// nsTarget is the state behind a namespaced Client.
type nsTarget struct {
	info    NSInfo
	own     bool // the caller's own IPC namespace: no thread needs to move
	nsFD    int
	rootFD  int // the root directory of info.PID, or -1
	shmFD   int // the target's /dev/shm, or -1
	mqFD    int // an mqueue filesystem of the target namespace, or -1
	shmDir  string
	mqDir   string
	mqErr   error // why message queues cannot be listed
	workers *nsWorkers
}

// unreachableDir names no directory that can exist: the POSIX paths of a
// client that has no /dev/shm start with it, so a path built from it
// never reaches a file, whatever a guard may have missed.
const unreachableDir = "/proc/self/fd/-1"

// nsTargetPath matches /proc/PID/ns/ipc and /proc/PID/task/TID/ns/ipc.
var nsTargetPath = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^/proc/(?:[0-9]+/task/)?([0-9]+|self)/ns/ipc$`)
})

// NewNS returns a client working in the IPC namespace, and for POSIX
// objects the mount namespace, of target: a PID, a /proc/PID/ns/ipc
// path, or a bind-mounted IPC namespace file (ip netns style). For a
// file no process's mount namespace is named: NewNS looks for a process
// in that IPC namespace; without one, POSIX shared memory and semaphores
// cannot be reached (their methods fail with ErrUnsupported, saying so),
// while System V objects and message queues still can.
//
// Errors: errclass.NotFound for a PID that does not exist (or exited),
// or a missing file; errclass.Permission without the privilege to enter
// the namespace (CAP_SYS_ADMIN over it, and ptrace access to the
// process); errclass.Usage for a file that is not an IPC namespace.
// The client holds descriptors and threads: Close it.
// Equivalent to: `nsenter --ipc --mount -t PID` (but only for IPC work).
func NewNS(fsys procfs.FS, target string) (*Client, error) {
	t := &nsTarget{info: NSInfo{Target: target}, nsFD: -1, rootFD: -1, shmFD: -1, mqFD: -1,
		shmDir: unreachableDir, mqDir: unreachableDir}
	var err error
	if pid, ok := parseNSPID(target); ok {
		err = t.openPID(fsys, pid)
	} else {
		err = t.openFile(fsys, target)
	}
	if err == nil {
		err = t.start(fsys)
	}
	if err != nil {
		t.close()
		return nil, err
	}
	return &Client{fs: fsys, ns: t}, nil
}

// parseNSPID recognizes a PID or a /proc/PID/ns/ipc path.
func parseNSPID(target string) (int, bool) {
	if m := nsTargetPath().FindStringSubmatch(target); m != nil {
		target = m[1]
		if target == "self" {
			return unix.Getpid(), true
		}
	}
	pid, err := strconv.Atoi(target)
	return pid, err == nil && pid > 0 && strconv.Itoa(pid) == target
}

// openPID opens the IPC namespace and the root of process pid, through
// one descriptor of /proc/PID so that both belong to the same process
// even if the pid is reused meanwhile.
func (t *nsTarget) openPID(fsys procfs.FS, pid int) error {
	dir := fsys.Path("proc", strconv.Itoa(pid))
	pidFD, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nsOpenErr(fmt.Sprintf("process %d", pid), dir, err)
	}
	defer unix.Close(pidFD)
	if t.nsFD < 0 {
		if t.nsFD, err = unix.Openat(pidFD, "ns/ipc", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
			return nsOpenErr(fmt.Sprintf("process %d", pid), dir+"/ns/ipc", err)
		}
	}
	t.info.PID = pid
	if t.rootFD, err = unix.Openat(pidFD, "root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		return nsOpenErr(fmt.Sprintf("process %d", pid), dir+"/root", err)
	}
	t.openPosixDirs(t.rootFD, pid)
	return nil
}

// openFile opens a namespace file that names no process, and looks for
// a process in that namespace for the POSIX part.
func (t *nsTarget) openFile(fsys procfs.FS, path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nsOpenErr("namespace file", path, err)
	}
	t.nsFD = fd
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err != nil {
		return err
	}
	if sfs.Type != unix.NSFS_MAGIC {
		return errclass.Errorf(errclass.Usage, "%s is not a namespace file (want a PID, /proc/PID/ns/ipc or a bind-mounted IPC namespace)", path)
	}
	typ, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil {
		return fmt.Errorf("%s: NS_GET_NSTYPE: %w", path, err)
	}
	if typ != unix.CLONE_NEWIPC {
		return errclass.Errorf(errclass.Usage, "%s is a %s namespace, not an IPC namespace", path, nsTypeName(typ))
	}
	ino, err := fdInode(fd)
	if err != nil {
		return err
	}
	for _, pid := range processesInNS(fsys, ino) {
		// The process may exit, or be another by now: check again
		// through its /proc directory before trusting its root.
		t.posixClear()
		if err := t.openPID(fsys, pid); err != nil {
			continue
		}
		if now, err := fsys.NamespaceInodePID(pid, "ipc"); err == nil && now == ino && t.shmFD >= 0 {
			return nil
		}
	}
	t.posixClear()
	t.info.POSIXError = fmt.Errorf("%w: no process lives in IPC namespace ipc:[%d] (%s): POSIX shared memory and "+
		"semaphores are files in the /dev/shm of a mount namespace, and none is known; name a process in the "+
		"container (a PID) instead", ErrUnsupported, ino, path)
	return nil
}

// posixClear forgets the POSIX part of a process tried and rejected.
func (t *nsTarget) posixClear() {
	for _, fd := range []*int{&t.rootFD, &t.shmFD, &t.mqFD} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
	t.shmDir, t.mqDir, t.info.PID, t.info.POSIXError, t.mqErr = unreachableDir, unreachableDir, 0, nil, nil
}

// resolveInRoot keeps every step of a path inside the target's root:
// absolute symlinks and ".." resolve against it, not against ours.
var resolveInRoot = unix.OpenHow{
	Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
	Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
}

// openPosixDirs opens the target's /dev/shm and /dev/mqueue, resolved
// inside its root; a missing one is remembered, not an error.
func (t *nsTarget) openPosixDirs(rootFD, pid int) {
	how := resolveInRoot
	fd, err := unix.Openat2(rootFD, "dev/shm", &how)
	switch {
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
		t.info.POSIXError = errclass.Errorf(errclass.Permission, "the /dev/shm of process %d cannot be opened: %w", pid, err)
	case err != nil:
		t.info.POSIXError = fmt.Errorf("%w: the mount namespace of process %d has no /dev/shm: %w", ErrUnsupported, pid, err)
	default:
		t.shmFD, t.shmDir = fd, fdPath(fd)
	}
	how = resolveInRoot
	fd, err = unix.Openat2(rootFD, "dev/mqueue", &how)
	if err == nil {
		var sfs unix.Statfs_t
		if unix.Fstatfs(fd, &sfs) == nil && sfs.Type == mqueueMagic {
			t.mqFD, t.mqDir = fd, fdPath(fd)
			return
		}
		unix.Close(fd)
	}
}

// start joins the namespace: the first worker thread enters it now, so
// that a missing privilege fails here rather than at the first call.
func (t *nsTarget) start(fsys procfs.FS) error {
	ino, err := fdInode(t.nsFD)
	if err != nil {
		return err
	}
	t.info.Inode = ino
	if own, err := fsys.NamespaceInode("thread-self", "ipc"); err == nil && own == ino {
		t.own = true
	} else {
		t.workers = &nsWorkers{fd: t.nsFD}
		if err := t.workers.run(func() {}); err != nil {
			return err
		}
	}
	t.chooseMqueue()
	return nil
}

// chooseMqueue settles which mqueue filesystem lists the namespace's
// queues. The target's /dev/mqueue is one only if the IPC namespace
// itself mounted it: a process that did `unshare --ipc` and kept its
// mount namespace sees there the queues of the namespace it left. The
// namespace's own filesystem is the one a detached mount made on a
// namespace thread gets (fsmount(2): the mqueue filesystem belongs to
// the IPC namespace of the thread that creates it; the mount is attached
// to no mount namespace and goes with the client). The target's
// /dev/mqueue is kept when it is that same filesystem; without the
// privilege to check, it is taken as it is.
func (t *nsTarget) chooseMqueue() {
	det, err := t.detachedMqueue()
	if err != nil {
		if t.mqFD < 0 {
			t.mqErr = fmt.Errorf("%w: message queues of IPC namespace ipc:[%d] cannot be listed: no mqueue filesystem "+
				"on the target's /dev/mqueue, and making a detached one failed: %v", ErrUnsupported, t.info.Inode, err)
		}
		return
	}
	if t.mqFD >= 0 && sameDev(t.mqFD, det) {
		unix.Close(det)
		return
	}
	if t.mqFD >= 0 {
		unix.Close(t.mqFD)
	}
	t.mqFD, t.mqDir = det, fdPath(det)
}

// detachedMqueue makes a detached mount of the namespace's mqueue
// filesystem, on a namespace thread.
func (t *nsTarget) detachedMqueue() (fd int, err error) {
	mount := func() {
		var fsfd int
		if fsfd, err = unix.Fsopen("mqueue", unix.FSOPEN_CLOEXEC); err != nil {
			return
		}
		defer unix.Close(fsfd)
		if err = unix.FsconfigCreate(fsfd); err != nil {
			return
		}
		fd, err = unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	}
	if t.workers == nil {
		mount()
	} else if werr := t.workers.run(mount); werr != nil {
		return -1, werr
	}
	return fd, err
}

func sameDev(a, b int) bool {
	var sa, sb unix.Stat_t
	return unix.Fstat(a, &sa) == nil && unix.Fstat(b, &sb) == nil && sa.Dev == sb.Dev
}

func (t *nsTarget) close() {
	if t.workers != nil {
		t.workers.close()
	}
	for _, fd := range []int{t.nsFD, t.rootFD, t.shmFD, t.mqFD} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// nsOpenErr classes a failure to open what names the namespace.
func nsOpenErr(what, path string, err error) error {
	switch {
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ESRCH):
		return errclass.Wrap(errclass.NotFound, fmt.Errorf("%s does not exist (%s)", what, path))
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return errclass.Wrap(errclass.Permission, fmt.Errorf("%s: %w (entering another namespace needs root: ptrace access and CAP_SYS_ADMIN)", path, err))
	}
	return &fs.PathError{Op: "open", Path: path, Err: err}
}

func nsTypeName(typ int) string {
	switch typ {
	case unix.CLONE_NEWNS:
		return "mount"
	case unix.CLONE_NEWNET:
		return "network"
	case unix.CLONE_NEWPID:
		return "pid"
	case unix.CLONE_NEWUSER:
		return "user"
	case unix.CLONE_NEWUTS:
		return "uts"
	case unix.CLONE_NEWCGROUP:
		return "cgroup"
	case unix.CLONE_NEWTIME:
		return "time"
	}
	return "0x" + strconv.FormatInt(int64(typ), 16)
}

func fdInode(fd int) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// fdPath names what descriptor fd is open on, for path-based calls:
// every thread of the process shares the descriptor table.
func fdPath(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// processesInNS lists the processes of IPC namespace ino, lowest pid first.
func processesInNS(fsys procfs.FS, ino uint64) []int {
	pids, _ := fsys.PIDs()
	slices.Sort(pids)
	var out []int
	for _, pid := range pids {
		if n, err := fsys.NamespaceInodePID(pid, "ipc"); err == nil && n == ino {
			out = append(out, pid)
		}
	}
	return out
}

// Namespace describes the namespace of a client made by NewNS; ok is
// false for a client of the caller's own namespaces.
func (c *Client) Namespace() (info NSInfo, ok bool) {
	if c.ns == nil {
		return NSInfo{}, false
	}
	return c.ns.info, true
}

// Close releases what a client made by NewNS holds (its namespace
// threads end, its descriptors close); the client must not be used
// afterwards. Closing a client made by New does nothing.
func (c *Client) Close() error {
	if c.ns != nil && !c.onNS {
		c.ns.close()
	}
	return nil
}

// remote reports whether calls must move to a namespace thread.
func (c *Client) remote() bool { return c.ns != nil && !c.onNS && !c.ns.own }

// nsCall runs m on a thread in c's IPC namespace, with a copy of c that
// knows it is there (its own guards let the call through), and returns
// what m returns.
func nsCall[T any](c *Client, m func(*Client) (T, error)) (T, error) {
	var v T
	var err error
	inner := *c
	inner.onNS = true
	if werr := c.ns.workers.run(func() { v, err = m(&inner) }); werr != nil {
		return v, werr
	}
	return v, err
}

// nsDo is nsCall for methods that return only an error.
func nsDo(c *Client, m func(*Client) error) error {
	_, err := nsCall(c, func(c *Client) (struct{}, error) { return struct{}{}, m(c) })
	return err
}

// posixErr says why POSIX shared memory and semaphores cannot be reached.
func (c *Client) posixErr() error {
	if c.ns == nil {
		return nil
	}
	return c.ns.info.POSIXError
}

// mqueueFile reads the QSIZE line of queue name in the client's mqueue
// filesystem (which, for a namespaced client, is the target's).
func (c *Client) mqueueFile(name string) (procfs.MqueueStatus, error) {
	if c.ns == nil {
		return c.fs.MqueueFile(name)
	}
	b, err := os.ReadFile(c.mqDir() + "/" + name)
	if err != nil {
		return procfs.MqueueStatus{}, err
	}
	return procfs.ParseMqueueFile("dev/mqueue/"+name, b)
}

// errNSNoMount refuses to mount anything in another namespace.
var errNSNoMount = fmt.Errorf("%w: ipcctl mounts nothing in another namespace", ErrUnsupported)

// nsWorkers runs functions on OS threads that have joined one IPC
// namespace. A thread is made when no idle one is free (calls may block:
// a semop, a msgrcv), and kept until close.
type nsWorkers struct {
	fd     int // the namespace
	mu     sync.Mutex
	idle   []chan func()
	closed bool
}

var errClientClosed = errors.New("ipc: namespace client used after Close")

// run calls fn on a namespace thread and waits for it; a panic in fn is
// raised again in the caller.
func (w *nsWorkers) run(fn func()) error {
	jobs, err := w.get()
	if err != nil {
		return err
	}
	var panicked any
	done := make(chan struct{})
	jobs <- func() {
		defer close(done)
		defer func() { panicked = recover() }()
		fn()
	}
	<-done
	w.put(jobs)
	if panicked != nil {
		panic(panicked)
	}
	return nil
}

func (w *nsWorkers) get() (chan func(), error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, errClientClosed
	}
	if n := len(w.idle); n > 0 {
		jobs := w.idle[n-1]
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		return jobs, nil
	}
	w.mu.Unlock()
	jobs := make(chan func())
	ready := make(chan error, 1)
	go w.loop(jobs, ready, nil)
	if err := <-ready; err != nil {
		return nil, err
	}
	return jobs, nil
}

func (w *nsWorkers) put(jobs chan func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		close(jobs)
		return
	}
	w.idle = append(w.idle, jobs)
}

func (w *nsWorkers) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for _, jobs := range w.idle {
		close(jobs)
	}
	w.idle = nil
}

// onMainThread reports whether the calling thread is the main thread
// (a variable so that a test can make a worker believe it is).
var onMainThread = func() bool { return unix.Gettid() == unix.Getpid() }

// loop is a worker: it locks its goroutine to a thread, moves that
// thread into the namespace and runs jobs until jobs is closed. It then
// returns still locked, so the runtime ends the thread rather than
// reuse it in the wrong namespace. The main thread (whose namespaces
// /proc/PID/ns shows for the whole process) is never moved: a worker
// that lands on it hands over to a fresh goroutine, which cannot be
// scheduled on the main thread while this one holds it.
func (w *nsWorkers) loop(jobs chan func(), ready chan<- error, locked chan<- struct{}) {
	runtime.LockOSThread()
	if locked != nil {
		close(locked)
	}
	if onMainThread() {
		handed := make(chan struct{})
		go w.loop(jobs, ready, handed)
		<-handed
		runtime.UnlockOSThread()
		return
	}
	if err := unix.Setns(w.fd, unix.CLONE_NEWIPC); err != nil {
		runtime.UnlockOSThread() // unchanged: the runtime may have it back
		if errors.Is(err, unix.EPERM) {
			err = errclass.Wrap(errclass.Permission, fmt.Errorf("setns into the IPC namespace: %w (needs CAP_SYS_ADMIN over it)", err))
		}
		ready <- err
		return
	}
	ready <- nil
	for job := range jobs {
		job()
	}
	// Return still locked: the thread exits with the goroutine.
}

// SemValues is the package function SemValues run in the client's
// namespace: every semaphore of set id (GETALL, GETPID, GETNCNT, GETZCNT).
// Equivalent to: `ipcs -s -i ID` (the per-semaphore part).
func (c *Client) SemValues(id, nsems int) ([]Semaphore, error) {
	if c.remote() {
		return nsCall(c, func(*Client) ([]Semaphore, error) { return SemValues(id, nsems) })
	}
	return SemValues(id, nsems)
}

// MsgQBytes is the package function MsgQBytes run in the client's
// namespace: the capacity of queue id (IPC_STAT).
// Equivalent to: `ipcs -q -i ID` (the qbytes field).
func (c *Client) MsgQBytes(id int) (uint64, error) {
	if c.remote() {
		return nsCall(c, func(*Client) (uint64, error) { return MsgQBytes(id) })
	}
	return MsgQBytes(id)
}

// Ftok is the package function Ftok with path resolved in the client's
// mount namespace: for a namespaced client, inside the root of its
// process (symlinks cannot lead out of it), since a key names a file as
// the container's programs see it.
// Equivalent to: ftok(3) run inside the container.
func (c *Client) Ftok(path string, proj int) (int32, error) {
	if c.ns == nil {
		return Ftok(path, proj)
	}
	if c.ns.rootFD < 0 {
		return 0, c.ns.info.POSIXError
	}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	fd, err := unix.Openat2(c.ns.rootFD, path, &how)
	if err != nil {
		return 0, &fs.PathError{Op: "ftok", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, &fs.PathError{Op: "ftok", Path: path, Err: err}
	}
	return int32(uint32(st.Ino&0xffff) | uint32(st.Dev&0xff)<<16 | uint32(proj&0xff)<<24), nil
}

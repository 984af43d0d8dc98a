// Package nschild starts child processes for kernel tests: "containers"
// in user + IPC + mount namespaces of their own (a fresh tmpfs on
// /dev/shm, their own mqueue on /dev/mqueue, their own IPC sysctls), or
// plain processes in the test's namespaces. On command they create IPC
// objects, attach, map and hold them, and report what they see through
// their own /proc/sysvipc, /dev/shm and /dev/mqueue. It uses only the
// standard library and x/sys, never pkg/ipc: what a child reports is a
// second path to check the library against.
//
// The child is the test binary itself, re-executed: call Dispatch first
// thing in TestMain, before nstest.Main.
//
//	func TestMain(m *testing.M) { nschild.Dispatch(); nstest.Main(m) }
package nschild

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

const (
	envSpec = "IPCCTL_NSCHILD_SPEC"
	envFunc = "IPCCTL_NSCHILD_FUNC"
)

// Spec says what child to start.
type Spec struct {
	// Container puts the child in new user, IPC and mount namespaces with
	// a fresh tmpfs on /dev/shm and a fresh mqueue on /dev/mqueue.
	Container bool
	// IPCOnly puts the child in a new IPC namespace only, like
	// `unshare --ipc`: it keeps the test's mount namespace and /dev/shm.
	IPCOnly bool
	ShmSize string            // size= of the container's /dev/shm tmpfs ("" for the default)
	Sysctls map[string]string // path below /proc/sys → value, written in the container's IPC namespace
	UID     *uint32           // run as this uid and gid (needs nstest.CanSwitchUser)
	Do      []string          // actions to run at once (see Child.Do)
}

// Report is what a child did and sees, after each batch of actions.
type Report struct {
	PID     int
	Err     string            // the first action that failed, and why
	IDs     map[string][]int  // "shm", "sem", "msg": ids created, in order
	SysvIPC map[string]string // "shm", "sem", "msg": its /proc/sysvipc files
	DevShm  []string          // names in its /dev/shm, sorted
	Mqueue  []string          // names in its /dev/mqueue, sorted
	FDs     map[string]int    // descriptors it holds: NAME (open), "mq:NAME" (mq)
	IPCNS   string            // its /proc/self/ns/ipc link
	MntNS   string            // its /proc/self/ns/mnt link
}

// Child is a running child process.
type Child struct {
	PID  int
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	Last Report // the report of the last Do (or of the start)
}

// Start runs a child as spec says, waits for its first report and
// returns it; the child is killed when the test ends.
func Start(t testing.TB, spec Spec) *Child {
	t.Helper()
	exe := executable(t, spec.UID != nil)
	js, _ := json.Marshal(spec)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envSpec+"="+string(js))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if spec.Container {
		size := 1
		if nstest.CanSwitchUser() {
			size = 65536
		}
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWIPC | syscall.CLONE_NEWNS
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: size}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: size}}
	}
	if spec.IPCOnly {
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWIPC
	}
	if spec.UID != nil {
		nstest.AsUser(cmd, *spec.UID, *spec.UID)
	}
	c := &Child{cmd: cmd}
	var err error
	if c.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.out = bufio.NewReader(stdout)
	if err := StartCmd(cmd); err != nil {
		t.Fatalf("start child: %v", err)
	}
	c.PID = cmd.Process.Pid
	t.Cleanup(c.Kill)
	c.Last = c.read(t)
	if c.Last.Err != "" {
		t.Fatalf("child %d: %s", c.PID, c.Last.Err)
	}
	return c
}

func (c *Child) read(t testing.TB) Report {
	t.Helper()
	line, err := c.out.ReadString('\n')
	if err != nil {
		t.Fatalf("child %d: no report: %v", c.PID, err)
	}
	var r Report
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("child %d: bad report %q: %v", c.PID, line, err)
	}
	return r
}

// Do runs actions in the child and returns its report; a failed action
// fails the test. Actions (IDX counts the child's own objects of a kind
// from 0; NAME is a file name in its /dev/shm or a queue name, no "/"):
//
//	shm KEY SIZE     create a System V segment (mode 0600; KEY decimal or 0x hex)
//	sem KEY NSEMS    create a semaphore set
//	msg KEY          create a message queue
//	shmat IDX        attach segment IDX (again: a second attachment)
//	shmatid ID       attach the segment with id ID (made by someone else)
//	shmdt            detach every attachment
//	rmid KIND IDX    IPC_RMID object IDX of KIND (shm, sem, msg)
//	pshm NAME SIZE   create /dev/shm/NAME (0600) of SIZE bytes
//	psem NAME VALUE  create a glibc semaphore /dev/shm/sem.NAME
//	map NAME         mmap /dev/shm/NAME shared, then close the descriptor
//	unmap NAME       munmap it
//	open NAME        open /dev/shm/NAME and keep the descriptor
//	close NAME       close it
//	mq NAME          mq_open(NAME, O_CREAT|O_RDWR) and keep the descriptor
//	mqclose NAME     close it
//	unlink NAME      unlink /dev/shm/NAME
//	sysctl PATH VAL  write VAL to /proc/sys/PATH
func (c *Child) Do(t testing.TB, actions ...string) Report {
	t.Helper()
	js, _ := json.Marshal(actions)
	if _, err := fmt.Fprintf(c.in, "%s\n", js); err != nil {
		t.Fatalf("child %d: %v", c.PID, err)
	}
	c.Last = c.read(t)
	if c.Last.Err != "" {
		t.Fatalf("child %d: %s", c.PID, c.Last.Err)
	}
	return c.Last
}

// Exit ends the child and waits for it: its descriptors close and its
// attachments go, as when a process exits.
func (c *Child) Exit(t testing.TB) {
	t.Helper()
	c.in.Close()
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child %d: %v", c.PID, err)
	}
}

// Kill ends the child at once (if it still runs) and reaps it.
func (c *Child) Kill() {
	if c.cmd.ProcessState != nil {
		return
	}
	c.cmd.Process.Kill()
	c.cmd.Wait()
}

// spawns carries commands to the spawner thread.
var (
	spawnOnce sync.Once
	spawns    = make(chan spawnReq)
)

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

// StartCmd starts cmd from a thread that lives as long as the test
// process. Pdeathsig (the children's SIGKILL when the test dies) fires
// when the *thread* that forked the child ends, and code under test ends
// threads on purpose (a goroutine that exits while locked to its thread,
// as namespace workers do): a child forked from such a thread would be
// killed in the middle of its test.
func StartCmd(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		go func() {
			runtime.LockOSThread() // never unlocked: this thread stays
			for r := range spawns {
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error)
	spawns <- spawnReq{cmd, done}
	return <-done
}

// executable is the test binary; for another user, a copy another user
// can run (go test builds it in a directory only its owner may enter),
// removed when the test ends.
func executable(t testing.TB, otherUser bool) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if !otherUser {
		return exe
	}
	dir, err := os.MkdirTemp("", "nschild-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b, err := os.ReadFile(exe)
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	copyPath := filepath.Join(dir, filepath.Base(exe))
	if err == nil {
		err = os.WriteFile(copyPath, b, 0o755)
	}
	if err != nil {
		t.Fatalf("copy the test binary for another user: %v", err)
	}
	return copyPath
}

// funcs are the functions Run can call in a child.
var funcs = map[string]func(args []string) int{}

// Register names a function a test can run in a child process with
// Run (as another user, say). Call it from an init function.
func Register(name string, fn func(args []string) int) { funcs[name] = fn }

// Run runs the registered function name in a child, as uid (and gid)
// when uid is not nil, and returns its stdout and exit status.
func Run(t testing.TB, name string, uid *uint32, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(executable(t, uid != nil), args...)
	cmd.Env = append(os.Environ(), envFunc+"="+name)
	cmd.Stderr = os.Stderr
	if uid != nil {
		nstest.AsUser(cmd, *uid, *uid)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	err := StartCmd(cmd)
	if err == nil {
		err = cmd.Wait()
	}
	out := stdout.String()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// Dispatch runs the child's part when this process is a child started
// by Start or Run, and exits; otherwise it returns at once.
func Dispatch() {
	if name := os.Getenv(envFunc); name != "" {
		fn, ok := funcs[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "nschild: no function %q registered\n", name)
			os.Exit(100)
		}
		os.Exit(fn(os.Args[1:]))
	}
	js := os.Getenv(envSpec)
	if js == "" {
		return
	}
	var spec Spec
	if err := json.Unmarshal([]byte(js), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "nschild:", err)
		os.Exit(100)
	}
	os.Exit(serve(spec))
}

// child is the state of a running child.
type child struct {
	ids      map[string][]int
	attached []uintptr
	maps     map[string][]byte
	fds      map[string]int
	out      *json.Encoder
}

func serve(spec Spec) int {
	ch := &child{ids: map[string][]int{}, maps: map[string][]byte{}, fds: map[string]int{}, out: json.NewEncoder(os.Stdout)}
	err := error(nil)
	if spec.Container {
		err = setupContainer(spec)
	}
	if err == nil {
		err = ch.run(spec.Do)
	}
	ch.report(err)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<20)
	for in.Scan() {
		var actions []string
		if err := json.Unmarshal(in.Bytes(), &actions); err != nil {
			ch.report(err)
			continue
		}
		ch.report(ch.run(actions))
	}
	return 0
}

func setupContainer(spec Spec) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	opts := "mode=1777"
	if spec.ShmSize != "" {
		opts += ",size=" + spec.ShmSize
	}
	if err := unix.Mount("tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("tmpfs on /dev/shm: %w", err)
	}
	if err := unix.Mount("mqueue", "/dev/mqueue", "mqueue", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mqueue on /dev/mqueue: %w", err)
	}
	keys := make([]string, 0, len(spec.Sysctls))
	for k := range spec.Sysctls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := os.WriteFile("/proc/sys/"+k, []byte(spec.Sysctls[k]), 0); err != nil {
			return err
		}
	}
	return nil
}

func (ch *child) report(err error) {
	r := Report{PID: os.Getpid(), IDs: ch.ids, FDs: ch.fds, SysvIPC: map[string]string{}}
	if err != nil {
		r.Err = err.Error()
	}
	for _, k := range []string{"shm", "sem", "msg"} {
		b, _ := os.ReadFile("/proc/sysvipc/" + k)
		r.SysvIPC[k] = string(b)
	}
	r.DevShm = dirNames("/dev/shm")
	r.Mqueue = dirNames("/dev/mqueue")
	r.IPCNS, _ = os.Readlink("/proc/self/ns/ipc")
	r.MntNS, _ = os.Readlink("/proc/self/ns/mnt")
	ch.out.Encode(r)
}

func dirNames(dir string) []string {
	es, _ := os.ReadDir(dir)
	out := []string{}
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func (ch *child) run(actions []string) error {
	for _, a := range actions {
		if err := ch.do(strings.Fields(a)); err != nil {
			return fmt.Errorf("%q: %w", a, err)
		}
	}
	return nil
}

func parseKey(s string) (int, error) {
	v, err := strconv.ParseInt(s, 0, 64)
	return int(int32(v)), err
}

func (ch *child) idx(kind, s string) (int, error) {
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || i >= len(ch.ids[kind]) {
		return 0, fmt.Errorf("no %s number %s", kind, s)
	}
	return ch.ids[kind][i], nil
}

func (ch *child) do(f []string) error {
	if len(f) == 0 {
		return nil
	}
	argc := map[string]int{"shm": 2, "sem": 2, "msg": 1, "shmat": 1, "shmatid": 1, "shmdt": 0, "rmid": 2, "pshm": 2, "psem": 2,
		"map": 1, "unmap": 1, "open": 1, "close": 1, "mq": 1, "mqclose": 1, "unlink": 1, "sysctl": 2}
	n, ok := argc[f[0]]
	if !ok || len(f)-1 != n {
		return fmt.Errorf("unknown action or wrong argument count")
	}
	switch f[0] {
	case "shm":
		key, err := parseKey(f[1])
		size, err2 := strconv.Atoi(f[2])
		if err != nil || err2 != nil {
			return fmt.Errorf("bad numbers")
		}
		id, err := unix.SysvShmGet(key, size, unix.IPC_CREAT|0o600)
		if err != nil {
			return err
		}
		ch.ids["shm"] = append(ch.ids["shm"], id)
	case "sem", "msg":
		key, err := parseKey(f[1])
		if err != nil {
			return err
		}
		nr, a2 := uintptr(unix.SYS_MSGGET), uintptr(unix.IPC_CREAT|0o600)
		a3 := uintptr(0)
		if f[0] == "sem" {
			nsems, err := strconv.Atoi(f[2])
			if err != nil {
				return err
			}
			nr, a2, a3 = unix.SYS_SEMGET, uintptr(nsems), unix.IPC_CREAT|0o600
		}
		id, _, e := unix.Syscall(nr, uintptr(key), a2, a3)
		if e != 0 {
			return e
		}
		ch.ids[f[0]] = append(ch.ids[f[0]], int(id))
	case "shmat", "shmatid":
		id, err := strconv.Atoi(f[1])
		if f[0] == "shmat" {
			id, err = ch.idx("shm", f[1])
		}
		if err != nil {
			return err
		}
		addr, _, e := unix.Syscall(unix.SYS_SHMAT, uintptr(id), 0, 0)
		if e != 0 {
			return e
		}
		ch.attached = append(ch.attached, addr)
	case "shmdt":
		for _, a := range ch.attached {
			if _, _, e := unix.Syscall(unix.SYS_SHMDT, a, 0, 0); e != 0 {
				return e
			}
		}
		ch.attached = nil
	case "rmid":
		id, err := ch.idx(f[1], f[2])
		if err != nil {
			return err
		}
		nr := map[string]uintptr{"shm": unix.SYS_SHMCTL, "sem": unix.SYS_SEMCTL, "msg": unix.SYS_MSGCTL}[f[1]]
		if f[1] == "sem" {
			_, _, e := unix.Syscall6(nr, uintptr(id), 0, unix.IPC_RMID, 0, 0, 0)
			return errnoErr(e)
		}
		_, _, e := unix.Syscall(nr, uintptr(id), unix.IPC_RMID, 0)
		return errnoErr(e)
	case "pshm":
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return err
		}
		file, err := os.OpenFile("/dev/shm/"+f[1], os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
		if err != nil {
			return err
		}
		defer file.Close()
		return file.Truncate(size)
	case "psem":
		v, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			return err
		}
		img := make([]byte, 32)
		binary.NativeEndian.PutUint64(img, v)
		binary.NativeEndian.PutUint32(img[8:], 128) // FUTEX_SHARED, as sem_open writes it
		return os.WriteFile("/dev/shm/sem."+f[1], img, 0o600)
	case "map":
		file, err := os.OpenFile("/dev/shm/"+f[1], os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer file.Close()
		fi, err := file.Stat()
		if err != nil {
			return err
		}
		m, err := unix.Mmap(int(file.Fd()), 0, int(fi.Size()), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			return err
		}
		ch.maps[f[1]] = m
	case "unmap":
		m, ok := ch.maps[f[1]]
		if !ok {
			return fmt.Errorf("not mapped")
		}
		delete(ch.maps, f[1])
		return unix.Munmap(m)
	case "open":
		fd, err := unix.Open("/dev/shm/"+f[1], unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		ch.fds[f[1]] = fd
	case "close", "mqclose":
		key := f[1]
		if f[0] == "mqclose" {
			key = "mq:" + key
		}
		fd, ok := ch.fds[key]
		if !ok {
			return fmt.Errorf("not open")
		}
		delete(ch.fds, key)
		return unix.Close(fd)
	case "mq":
		name, err := unix.BytePtrFromString(f[1])
		if err != nil {
			return err
		}
		// A small queue: RLIMIT_MSGQUEUE (800 KiB) is charged to the uid
		// across user namespaces, shared by every test running as root.
		attr := [8]int64{0, 2, 128} // struct mq_attr: flags, maxmsg, msgsize, curmsgs, reserved
		fd, _, e := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(name)), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600,
			uintptr(unsafe.Pointer(&attr)), 0, 0)
		if e != 0 {
			return e
		}
		ch.fds["mq:"+f[1]] = int(fd)
	case "unlink":
		return os.Remove("/dev/shm/" + f[1])
	case "sysctl":
		return os.WriteFile("/proc/sys/"+f[1], []byte(f[2]), 0)
	}
	return nil
}

func errnoErr(e unix.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"golang.org/x/sys/unix"
)

// Objects for the operation tests are made with raw system calls, a path
// independent of ipcctl, and checked through them too.

const ipcRMID, ipcSTAT, ipcSET = 0, 2, 1

func newShm(t *testing.T, size int, mode int) int {
	t.Helper()
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, size, unix.IPC_CREAT|mode)
	if err != nil {
		t.Fatalf("shmget: %v", err)
	}
	t.Cleanup(func() { unix.SysvShmCtl(id, unix.IPC_RMID, nil) })
	return id
}

func shmNattch(t *testing.T, id int) uint64 {
	t.Helper()
	var ds unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds); err != nil {
		t.Fatalf("shmctl IPC_STAT %d: %v", id, err)
	}
	return ds.Nattch
}

// shmBytes reads the whole segment through its own attachment.
func shmBytes(t *testing.T, id int) []byte {
	t.Helper()
	b, err := unix.SysvShmAttach(id, 0, unix.SHM_RDONLY)
	if err != nil {
		t.Fatalf("shmat %d: %v", id, err)
	}
	defer unix.SysvShmDetach(b)
	return append([]byte(nil), b...)
}

func shmWrite(t *testing.T, id int, off int, data []byte) {
	t.Helper()
	b, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		t.Fatalf("shmat %d: %v", id, err)
	}
	defer unix.SysvShmDetach(b)
	copy(b[off:], data)
}

func newSem(t *testing.T, nsems int, mode int) int {
	t.Helper()
	r, _, e := unix.Syscall(unix.SYS_SEMGET, unix.IPC_PRIVATE, uintptr(nsems), uintptr(unix.IPC_CREAT|mode))
	if e != 0 {
		t.Fatalf("semget: %v", e)
	}
	id := int(r)
	t.Cleanup(func() { unix.Syscall6(unix.SYS_SEMCTL, uintptr(id), 0, ipcRMID, 0, 0, 0) })
	return id
}

const getVal, getNcnt, getZcnt, setVal = 12, 14, 15, 16

func semctl(t *testing.T, id, num, cmd, arg int) int {
	t.Helper()
	r, _, e := unix.Syscall6(unix.SYS_SEMCTL, uintptr(id), uintptr(num), uintptr(cmd), uintptr(arg), 0, 0)
	if e != 0 {
		t.Fatalf("semctl(%d, %d, %d): %v", id, num, cmd, e)
	}
	return int(r)
}

func semVals(t *testing.T, id, nsems int) []int {
	t.Helper()
	out := make([]int, nsems)
	for i := range out {
		out[i] = semctl(t, id, i, getVal, 0)
	}
	return out
}

func newMsg(t *testing.T, mode int) int {
	t.Helper()
	r, _, e := unix.Syscall(unix.SYS_MSGGET, unix.IPC_PRIVATE, uintptr(unix.IPC_CREAT|mode), 0)
	if e != 0 {
		t.Fatalf("msgget: %v", e)
	}
	id := int(r)
	t.Cleanup(func() { unix.Syscall(unix.SYS_MSGCTL, uintptr(id), ipcRMID, 0) })
	return id
}

// msqidDs is struct msqid64_ds on 64-bit Linux (the same on amd64 and arm64).
type msqidDs struct {
	Perm                [48]byte
	Stime, Rtime, Ctime int64
	Cbytes, Qnum        uint64
	Qbytes              uint64
	Lspid, Lrpid        int32
	_                   [2]uint64
}

func msgStat(t *testing.T, id int) msqidDs {
	t.Helper()
	var ds msqidDs
	if _, _, e := unix.Syscall(unix.SYS_MSGCTL, uintptr(id), ipcSTAT, uintptr(unsafe.Pointer(&ds))); e != 0 {
		t.Fatalf("msgctl IPC_STAT %d: %v", id, e)
	}
	return ds
}

func msgSetQbytes(t *testing.T, id int, qbytes uint64) {
	t.Helper()
	ds := msgStat(t, id)
	ds.Qbytes = qbytes
	if _, _, e := unix.Syscall(unix.SYS_MSGCTL, uintptr(id), ipcSET, uintptr(unsafe.Pointer(&ds))); e != 0 {
		t.Fatalf("msgctl IPC_SET %d: %v", id, e)
	}
}

// msgSendRaw puts a message on the queue with msgsnd(2) directly.
func msgSendRaw(t *testing.T, id int, mtype int64, body string) {
	t.Helper()
	buf := make([]byte, 8+len(body))
	*(*int64)(unsafe.Pointer(&buf[0])) = mtype
	copy(buf[8:], body)
	if _, _, e := unix.Syscall6(unix.SYS_MSGSND, uintptr(id), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(body)), unix.IPC_NOWAIT, 0, 0); e != 0 {
		t.Fatalf("msgsnd: %v", e)
	}
}

// msgRecvRaw takes the first message with msgrcv(2) directly.
func msgRecvRaw(t *testing.T, id int) (int64, string) {
	t.Helper()
	buf := make([]byte, 8+65536)
	r, _, e := unix.Syscall6(unix.SYS_MSGRCV, uintptr(id), uintptr(unsafe.Pointer(&buf[0])), 65536, 0, unix.IPC_NOWAIT, 0)
	if e != 0 {
		t.Fatalf("msgrcv: %v", e)
	}
	return *(*int64)(unsafe.Pointer(&buf[0])), string(buf[8 : 8+r])
}

// background is an ipcctl run in the background.
type background struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startIpcctl(t *testing.T, stdin string, args ...string) *background {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	b := &background{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = b.stdout, b.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { b.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		err := <-b.done
		b.done <- err
	})
	return b
}

// wait returns the exit code, failing the test if the run does not end within d.
func (b *background) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case err := <-b.done:
		b.done <- err
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(d):
		t.Fatalf("ipcctl %v still running after %v", b.cmd.Args[1:], d)
	}
	return -1
}

// running reports whether the background run has not ended yet.
func (b *background) running() bool {
	select {
	case err := <-b.done:
		b.done <- err
		return false
	default:
		return true
	}
}

// eventually polls cond until it holds or 10s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// runSeenBlocked runs `ipcctl ARGS...`, waits until blockedIn sees it
// blocked in the kernel, and returns its exit code and stderr. A --timeout
// that gave up at once, without waiting, is never seen blocked and fails
// the test; how long it waited is never measured.
func runSeenBlocked(t *testing.T, blockedIn func(pid int), args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	blockedIn(cmd.Process.Pid)
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// inSyscall is a blockedIn for runSeenBlocked: a thread in system call nr.
func inSyscall(t *testing.T, nr uintptr) func(pid int) {
	return func(pid int) { signalThreadIn(t, pid, nr, 0) }
}

// signalThreadIn sends sig to the thread of pid that is blocked in system
// call nr (found through /proc/PID/task/*/syscall): a process-wide signal
// would go to any idle thread and never interrupt the call. Signal 0 only
// waits for such a thread.
func signalThreadIn(t *testing.T, pid int, nr uintptr, sig syscall.Signal) {
	t.Helper()
	var tid int
	eventually(t, fmt.Sprintf("a thread of %d in syscall %d", pid, nr), func() bool {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
		for _, f := range tasks {
			b, err := os.ReadFile(f)
			if fields := strings.Fields(string(b)); err == nil && len(fields) > 0 && fields[0] == strconv.Itoa(int(nr)) {
				tid, _ = strconv.Atoi(filepath.Base(filepath.Dir(f)))
				return true
			}
		}
		return false
	})
	if err := unix.Tgkill(pid, tid, sig); err != nil {
		t.Fatalf("tgkill %d %d: %v", pid, tid, err)
	}
}

// withBrokenOutput runs `ipcctl ARGS...` once for each way its output
// can fail (--out /dev/full, stdout on /dev/full with --json, stdout a
// pipe nobody reads), with before called ahead of each run and check
// given the run's exit code and stderr. A closed stdout is not one of
// them: the Go runtime re-opens it on /dev/null (read-write) before main,
// indistinguishable from the /dev/null systemd and subprocess.DEVNULL
// give, which must work (TestDevNullReadWriteIsASink).
func withBrokenOutput(t *testing.T, args []string, before func(), check func(name string, code int, stderr string)) {
	t.Helper()
	bin := testutil.Binary(t)
	sh := func(redirect string) *exec.Cmd {
		return exec.Command("sh", append([]string{"-c", `exec "$0" "$@" ` + redirect, bin}, args...)...)
	}
	for _, tc := range []struct {
		name string
		cmd  *exec.Cmd
	}{
		{"--out /dev/full", exec.Command(bin, append(args[:len(args):len(args)], "--out", "/dev/full")...)},
		{"stdout /dev/full", sh(`--json >/dev/full`)},
		{"stdout a closed pipe", exec.Command(bin, args...)},
	} {
		before()
		var stderr syncBuffer
		tc.cmd.Stderr = &stderr
		if tc.name == "stdout a closed pipe" {
			pr, pw, _ := os.Pipe()
			pr.Close()
			tc.cmd.Stdout = pw
			defer pw.Close()
		}
		err := tc.cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		check(tc.name, code, stderr.String())
	}
}

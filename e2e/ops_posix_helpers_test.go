package e2e

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// POSIX objects for the operation tests are made through pkg/ipc (or C)
// and checked through their files: /dev/shm/NAME, the 32 bytes of
// /dev/shm/sem.NAME, /dev/mqueue/NAME and mq_getattr.

func posixClient() *ipc.Client { return ipc.New(procfs.DefaultFS) }

func newPshm(t *testing.T, name string, size uint64, mode uint32) string {
	t.Helper()
	if _, err := posixClient().PshmCreate(name, ipc.PshmCreateOptions{Size: size, Mode: mode}); err != nil {
		t.Fatalf("PshmCreate %s: %v", name, err)
	}
	path := "/dev/shm/" + name[1:]
	t.Cleanup(func() { os.Remove(path) })
	return path
}

func newPsem(t *testing.T, name string, value uint32) string {
	t.Helper()
	if _, err := posixClient().PsemCreate(name, ipc.PsemCreateOptions{Value: value, Mode: 0o600}); err != nil {
		t.Fatalf("PsemCreate %s: %v", name, err)
	}
	path := "/dev/shm/sem." + name[1:]
	t.Cleanup(func() { os.Remove(path) })
	return path
}

// semFile decodes the sem_t in /dev/shm/sem.NAME: value and waiters.
func semFile(t *testing.T, name string) (value, waiters uint32) {
	t.Helper()
	b, err := os.ReadFile("/dev/shm/sem." + name[1:])
	if err != nil || len(b) != 32 {
		t.Fatalf("sem file %s: %d bytes, %v", name, len(b), err)
	}
	d := binary.NativeEndian.Uint64(b)
	return uint32(d), uint32(d >> 32)
}

func waitSemWaiters(t *testing.T, name string, n uint32) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d waiter(s) on %s", n, name), func() bool {
		_, w := semFile(t, name)
		return w == n
	})
}

func newMq(t *testing.T, name string, maxmsg, msgsize int64, mode uint32) {
	t.Helper()
	if _, err := posixClient().MqCreate(name, ipc.MqCreateOptions{MaxMsg: maxmsg, MsgSize: msgsize, Mode: mode}); err != nil {
		t.Fatalf("MqCreate %s: %v", name, err)
	}
	t.Cleanup(func() { posixClient().MqRemove(name) })
}

// mqFile parses /dev/mqueue/NAME: QSIZE and NOTIFY_PID.
func mqFile(t *testing.T, name string) (qsize, notifyPID int) {
	t.Helper()
	b, err := os.ReadFile("/dev/mqueue/" + name[1:])
	if err != nil {
		t.Fatalf("mqueue file %s: %v", name, err)
	}
	for _, f := range strings.Fields(string(b)) {
		k, v, _ := strings.Cut(f, ":")
		n, _ := strconv.Atoi(v)
		switch k {
		case "QSIZE":
			qsize = n
		case "NOTIFY_PID":
			notifyPID = n
		}
	}
	return qsize, notifyPID
}

// mqCurMsgs is mq_getattr's mq_curmsgs.
func mqCurMsgs(t *testing.T, name string) int64 {
	t.Helper()
	q, err := posixClient().MqOpen(name, unix.O_RDONLY)
	if err != nil {
		t.Fatalf("MqOpen %s: %v", name, err)
	}
	defer q.Close()
	a, err := q.Attr()
	if err != nil {
		t.Fatal(err)
	}
	return a.CurMsgs
}

func mqPut(t *testing.T, name, body string, prio uint32) {
	t.Helper()
	q, err := posixClient().MqOpen(name, unix.O_WRONLY)
	if err != nil {
		t.Fatalf("MqOpen %s: %v", name, err)
	}
	defer q.Close()
	if err := q.Send([]byte(body), prio, ipc.NoWait); err != nil {
		t.Fatalf("send to %s: %v", name, err)
	}
}

// mqTake receives the next message without waiting.
func mqTake(t *testing.T, name string) (string, uint32) {
	t.Helper()
	q, err := posixClient().MqOpen(name, unix.O_RDONLY)
	if err != nil {
		t.Fatalf("MqOpen %s: %v", name, err)
	}
	defer q.Close()
	m, err := q.Receive(ipc.NoWait)
	if err != nil {
		t.Fatalf("receive from %s: %v", name, err)
	}
	return string(m.Data), m.Priority
}

// expectRun checks an ipcctl run's exit code and that stderr holds each of want.
func expectRun(t *testing.T, r testutil.Result, code int, want ...string) {
	t.Helper()
	if r.Code != code {
		t.Errorf("exit %d, want %d: stdout %q stderr %q", r.Code, code, r.Stdout, r.Stderr)
		return
	}
	for _, w := range want {
		if !strings.Contains(r.Stderr, w) {
			t.Errorf("stderr %q does not say %q", r.Stderr, w)
		}
	}
}

// futexWaitBitset is the op of a futex wait on a process-shared semaphore
// (FUTEX_WAIT_BITSET without FUTEX_PRIVATE_FLAG): the Go runtime's own
// idle threads wait with FUTEX_WAIT_PRIVATE, so this finds the semaphore waiter.
const futexWaitBitset = "0x9"

// signalSemWaiter sends sig to the thread of pid blocked in the
// semaphore's futex wait, once it is there.
func signalSemWaiter(t *testing.T, pid int, sig syscall.Signal) {
	t.Helper()
	var tid int
	eventually(t, fmt.Sprintf("a thread of %d in a shared futex wait", pid), func() bool {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
		for _, f := range tasks {
			b, _ := os.ReadFile(f)
			if fl := strings.Fields(string(b)); len(fl) > 2 && fl[0] == strconv.Itoa(unix.SYS_FUTEX) && fl[2] == futexWaitBitset {
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

// runPosixcCmd starts the C helper with args (see pkg/ipc/testdata/posixc.c).
func runPosixcCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	return exec.Command(posixc(t), args...)
}

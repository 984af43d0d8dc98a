package e2e

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

func TestSemOpSetGetAndOps(t *testing.T) {
	nstest.Require(t)
	id := newSem(t, 3, 0o600)
	sid := strconv.Itoa(id)
	run := func(args ...string) testutil.Result {
		return testutil.Run(t, "", append([]string{"sem-op", sid}, args...)...)
	}
	check := func(step string, want string) {
		t.Helper()
		if got := fmt.Sprint(semVals(t, id, 3)); got != want {
			t.Fatalf("after %s: values %s, want %s", step, got, want)
		}
	}

	if r := run("--set-all", "1,2,3"); r.Code != 0 {
		t.Fatalf("--set-all: exit %d %s", r.Code, r.Stderr)
	}
	check("--set-all", "[1 2 3]")
	if r := run("--set", "0=5", "--set", "2=32767"); r.Code != 0 {
		t.Fatalf("--set: exit %d %s", r.Code, r.Stderr)
	}
	check("--set", "[5 2 32767]")
	if r := run("0:-5", "1:+4", "2:-1"); r.Code != 0 {
		t.Fatalf("ops: exit %d %s", r.Code, r.Stderr)
	}
	check("ops", "[0 6 32766]")

	// Out of range, over SEMVMX, wrong count: usage errors, nothing applied.
	for _, args := range [][]string{
		{"0:+1", "3:+1"},
		{"--set", "0=1", "--set", "7=1"},
		{"--set", "0=32768"},
		{"--set-all", "1,2"},
		{"--set-all", "1,2,3,4"},
		{"--set-all", "1,2,40000"},
		{"0:+40000"},
	} {
		if r := run(args...); r.Code != 2 {
			t.Errorf("%v: exit %d %q, want 2", args, r.Code, r.Stderr)
		}
	}
	check("refused changes", "[0 6 32766]")
	if r := run("1:+1", "2:+2"); r.Code != 1 || !strings.Contains(r.Stderr, "SEMVMX") {
		t.Errorf("op past SEMVMX: exit %d %q", r.Code, r.Stderr)
	}
	check("an op past SEMVMX", "[0 6 32766]")

	// --nowait and --timeout exit 6 and apply nothing, not even the ops that could go.
	if r := run("1:-1", "0:-1", "--nowait"); r.Code != 6 || !strings.Contains(r.Stderr, "would block") {
		t.Errorf("--nowait: exit %d %q", r.Code, r.Stderr)
	}
	if code, stderr := runSeenBlocked(t, inSyscall(t, unix.SYS_SEMTIMEDOP), "sem-op", sid, "1:-1", "0:-1", "--timeout", "1s"); code != 6 || !strings.Contains(stderr, "timed out") {
		t.Errorf("--timeout: exit %d %q", code, stderr)
	}
	check("blocked ops", "[0 6 32766]")

	// --get: every semaphore, typed JSON.
	r := run("--get", "--json")
	var got struct {
		Semaphore []map[string]any `json:"semaphores"` // the key of show sem's values too
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); r.Code != 0 || err != nil || len(got.Semaphore) != 3 {
		t.Fatalf("--get --json: exit %d, %v: %s", r.Code, err, r.Stdout)
	}
	if s := got.Semaphore[1]; s["semnum"] != 1.0 || s["value"] != 6.0 || s["ncnt"] != 0.0 || s["zcnt"] != 0.0 || s["pid"].(float64) <= 0 {
		t.Errorf("semaphore 1 = %v", s)
	}
	if r := run("1:-1", "--get", "-o", "semnum,value", "--raw", "-n"); r.Code != 0 || r.Stdout != "0 0\n1 5\n2 32766\n" {
		t.Errorf("ops then --get --raw: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
}

func TestSemOpUndo(t *testing.T) {
	nstest.Require(t)
	id := newSem(t, 1, 0o600)
	if r := testutil.Run(t, "", "sem-op", strconv.Itoa(id), "0:+3", "--undo"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	// ipcctl has exited: the kernel undid its +3.
	if v := semVals(t, id, 1)[0]; v != 0 {
		t.Errorf("value %d after --undo run exited, want 0", v)
	}
	if r := testutil.Run(t, "", "sem-op", strconv.Itoa(id), "0:+3"); r.Code != 0 || semVals(t, id, 1)[0] != 3 {
		t.Errorf("without --undo the value should stay 3: %v %s", semVals(t, id, 1), r.Stderr)
	}
}

// TestSemOpBlockAndWake: a second process blocked in `sem-op ID 0:-1`
// (seen waiting through GETNCNT), unmoved by a stray signal, is woken by
// `sem-op ID 0:+1`; a wait for zero is woken by the value reaching zero.
func TestSemOpBlockAndWake(t *testing.T) {
	nstest.Require(t)
	id := newSem(t, 2, 0o600)
	sid := strconv.Itoa(id)

	waiter := startIpcctl(t, "", "sem-op", sid, "0:-1")
	eventually(t, "the waiter to block", func() bool { return semctl(t, id, 0, getNcnt, 0) == 1 })
	// SIGWINCH, which Go handles and ignores, makes the semop fail with
	// EINTR (System V waits are never restarted); ipcctl must wait again.
	signalThreadIn(t, waiter.cmd.Process.Pid, unix.SYS_SEMTIMEDOP, syscall.SIGWINCH)
	time.Sleep(50 * time.Millisecond)
	if !waiter.running() {
		t.Fatalf("the waiter ended on SIGWINCH: %s", waiter.stderr.String())
	}
	eventually(t, "the waiter to wait again", func() bool { return semctl(t, id, 0, getNcnt, 0) == 1 })
	if r := testutil.Run(t, "", "sem-op", sid, "0:+1"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if code := waiter.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("woken waiter: exit %d %s", code, waiter.stderr.String())
	}
	if v := semVals(t, id, 2); v[0] != 0 {
		t.Errorf("value %d after +1 and -1, want 0", v[0])
	}

	semctl(t, id, 1, setVal, 2)
	zero := startIpcctl(t, "", "sem-op", sid, "1:0", "--timeout", "30s")
	eventually(t, "the wait for zero", func() bool { return semctl(t, id, 1, getZcnt, 0) == 1 })
	if r := testutil.Run(t, "", "sem-op", sid, "1:-2"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if code := zero.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("wait for zero: exit %d %s", code, zero.stderr.String())
	}

	// A set removed under a waiter: not found, not a bogus error.
	gone := startIpcctl(t, "", "sem-op", sid, "0:-1")
	eventually(t, "the waiter to block", func() bool { return semctl(t, id, 0, getNcnt, 0) == 1 })
	semctl(t, id, 0, 0 /* IPC_RMID */, 0)
	if code := gone.wait(t, 10*time.Second); code != 3 || !strings.Contains(gone.stderr.String(), "removed") {
		t.Errorf("set removed while waiting: exit %d %q, want 3", code, gone.stderr.String())
	}
}

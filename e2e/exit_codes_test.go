package e2e

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// TestSemOpOverSEMOPM: more operations than SEMOPM (read from the kernel:
// kernel.sem of the test's IPC namespace) is a usage error, and nothing
// is applied.
func TestSemOpOverSEMOPM(t *testing.T) {
	nstest.Require(t)
	b, err := os.ReadFile("/proc/sys/kernel/sem")
	if err != nil {
		t.Fatal(err)
	}
	semopm, _ := strconv.Atoi(strings.Fields(string(b))[2])
	id := newSem(t, 1, 0o600)
	ops := []string{"sem-op", strconv.Itoa(id)}
	for i := 0; i <= semopm; i++ {
		ops = append(ops, "0:+1")
	}
	expectRun(t, testutil.Run(t, "", ops...), 2, "SEMOPM ("+strconv.Itoa(semopm)+")", "nothing applied")
	if v := semctl(t, id, 0, getVal, 0); v != 0 {
		t.Errorf("value %d after a refused semop, want 0", v)
	}
	expectRun(t, testutil.Run(t, "", ops[:len(ops)-1]...), 0)
	if v := semctl(t, id, 0, getVal, 0); v != semopm {
		t.Errorf("value %d after %d operations, want %d", v, semopm, semopm)
	}
}

// TestSocketInDevShmIsNoObject: a socket in /dev/shm is no POSIX object,
// exactly like a FIFO: not found (exit 3), and never opened.
func TestSocketInDevShmIsNoObject(t *testing.T) {
	nstest.Require(t)
	for _, f := range []string{"/dev/shm/e2e-sock", "/dev/shm/sem.e2e-sock"} {
		l, err := net.Listen("unix", f)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close(); os.Remove(f) })
	}
	for _, f := range []string{"/dev/shm/e2e-fifo", "/dev/shm/sem.e2e-fifo"} {
		if err := unix.Mkfifo(f, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(f) })
	}
	for _, name := range []string{"/e2e-sock", "/e2e-fifo"} {
		for _, args := range [][]string{
			{"attach", "pshm", name, "--read"},
			{"attach", "pshm", name, "--write", "x"},
			{"show", "pshm", name},
			{"set", "pshm", name, "--mode", "0600"},
			{"sem-op", name, "post"},
			{"sem-op", name, "get"},
		} {
			if r := testutil.Run(t, "", args...); r.Code != 3 {
				t.Errorf("%v: exit %d %q, want 3 (no object)", args, r.Code, r.Stderr)
			}
		}
	}
}

// TestPosixHugeTimeoutClamped: --timeout 2562047h (about the largest Go
// duration) waits, as the kernel's longest timeout, instead of failing
// at once with EINVAL; a message ends it.
func TestPosixHugeTimeoutClamped(t *testing.T) {
	nstest.Require(t)
	newMq(t, "/e2e-long", 1, 16, 0o600)
	code, stderr := runSeenBlocked(t, func(pid int) {
		inSyscall(t, unix.SYS_MQ_TIMEDRECEIVE)(pid)
		mqPut(t, "/e2e-long", "wake", 1)
	}, "mq-recv", "/e2e-long", "--timeout", "2562047h")
	if code != 0 {
		t.Errorf("mq-recv --timeout 2562047h: exit %d %q", code, stderr)
	}
	mqPut(t, "/e2e-long", "full", 1)
	code, stderr = runSeenBlocked(t, func(pid int) {
		inSyscall(t, unix.SYS_MQ_TIMEDSEND)(pid)
		mqTake(t, "/e2e-long")
	}, "mq-send", "/e2e-long", "x", "--timeout", "2562047h")
	if code != 0 {
		t.Errorf("mq-send --timeout 2562047h: exit %d %q", code, stderr)
	}
}

// TestOwnerMinusOneRefused: 4294967295 is (uid_t)-1, chown's "no change":
// as an owner it is refused, never a silent no-op (POSIX) nor "not found"
// (System V, where IPC_SET says EINVAL); so is an owner the kernel cannot
// map into the namespace. Nothing changes.
func TestOwnerMinusOneRefused(t *testing.T) {
	nstest.Require(t)
	path := newPshm(t, "/e2e-own", 16, 0o600)
	shm := newShm(t, 4096, 0o600)
	// Usage errors: exit 2 where the verb maps the class (errclass.Usage),
	// else 1; never 0 (a silent no-op) nor 3 (a missing object).
	refused := func(r testutil.Result, args []string) {
		t.Helper()
		if r.Code != 2 && r.Code != 1 {
			t.Errorf("%v: exit %d %q, want a refusal", args, r.Code, r.Stderr)
		}
	}
	for _, args := range [][]string{
		{"set", "pshm", "/e2e-own", "--owner", "4294967295:4294967295"},
		{"set", "pshm", "/e2e-own", "--owner", "4294967295"},
		{"set", "shm", strconv.Itoa(shm), "--owner", "4294967295"},
		{"set", "shm", strconv.Itoa(shm), "--owner", "0:4294967295"},
		{"set", "shm", strconv.Itoa(shm), "--owner", "70000"}, // not mapped in the test's user namespace
	} {
		r := testutil.Run(t, "", args...)
		refused(r, args)
		if !strings.Contains(r.Stderr, "no change") && !strings.Contains(r.Stderr, "refused") {
			t.Errorf("%v: %q does not say why", args, r.Stderr)
		}
	}
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil || st.Uid != 0 || st.Gid != 0 {
		t.Errorf("owner of %s changed to %d:%d", path, st.Uid, st.Gid)
	}
	var ds unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(shm, unix.IPC_STAT, &ds); err != nil || ds.Perm.Uid != 0 {
		t.Errorf("owner of shm %d changed to %d (%v)", shm, ds.Perm.Uid, err)
	}
}

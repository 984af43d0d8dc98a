package e2e

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

func TestSemOpPosix(t *testing.T) {
	nstest.Require(t)
	newPsem(t, "/e2e-s", 0)
	check := func(what string, value, waiters uint32) {
		t.Helper()
		if v, w := semFile(t, "/e2e-s"); v != value || w != waiters {
			t.Errorf("%s: sem file says value %d waiters %d, want %d %d", what, v, w, value, waiters)
		}
	}
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-s", "post"), 0)
	check("post", 1, 0)
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-s", "post", "--count", "5"), 0)
	check("post --count 5", 6, 0)
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-s", "trywait"), 0)
	check("trywait", 5, 0)
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-s", "wait"), 0)
	check("wait", 4, 0)
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-s", "wait", "--timeout", "10s"), 0)
	check("wait --timeout", 3, 0)

	// get: typed JSON under "semaphores", as sem-op --get and show sem
	// give System V values; the table, and -o.
	r := testutil.Run(t, "", "sem-op", "/e2e-s", "get", "--json")
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil || len(got["semaphores"]) != 1 {
		t.Fatalf("get --json: %v %q %s", err, r.Stdout, r.Stderr)
	}
	if row := got["semaphores"][0]; row["name"] != "/e2e-s" || row["value"] != float64(3) || row["waiters"] != float64(0) || row["status"] != "ok" {
		t.Errorf("get --json = %v", row)
	}
	if r := testutil.Run(t, "", "sem-op", "/e2e-s", "get", "-o", "value,waiters", "--raw", "-n"); r.Stdout != "3 0\n" {
		t.Errorf("get --raw = %q %s", r.Stdout, r.Stderr)
	}
	if r := testutil.Run(t, "", "sem-op", "/e2e-s", "get"); r.Code != 0 || !strings.Contains(r.Stdout, "VALUE") || !strings.Contains(r.Stdout, "/e2e-s") {
		t.Errorf("get = %q %s", r.Stdout, r.Stderr)
	}
	check("get", 3, 0)

	// At 0: trywait and a timed wait exit 6 and leave no waiter behind.
	for i := 0; i < 3; i++ {
		testutil.Run(t, "", "sem-op", "/e2e-s", "trywait")
	}
	check("drained", 0, 0)
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-s", "trywait"), 6, "would block")
	code, stderr := runSeenBlocked(t, func(pid int) { signalSemWaiter(t, pid, 0) }, "sem-op", "/e2e-s", "wait", "--timeout", "1s")
	expectRun(t, testutil.Result{Code: code, Stderr: stderr}, 6, "timed out")
	check("timed out", 0, 0)

	// SEM_VALUE_MAX: a post that would pass it is refused whole.
	newPsem(t, "/e2e-max", ipc.SemValueMax-2)
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-max", "post", "--count", "3"), 1, "SEM_VALUE_MAX", "nothing posted")
	if v, _ := semFile(t, "/e2e-max"); v != ipc.SemValueMax-2 {
		t.Errorf("a refused post changed the value to %d", v)
	}
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-max", "post", "--count", "2"), 0)
	if v, _ := semFile(t, "/e2e-max"); v != ipc.SemValueMax {
		t.Errorf("value %d, want SEM_VALUE_MAX", v)
	}
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-max", "post"), 1, "SEM_VALUE_MAX")

	// Missing, bad names and flags of the other family.
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-none", "post"), 3, "not found")
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-none", "get"), 3, "not found")
	expectRun(t, testutil.Run(t, "", "sem-op", "/x/y", "post"), 2, "invalid POSIX name")
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-s", "0:+1"), 2, "unknown operation")
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-s", "post", "--undo"), 2, "--undo is for System V")
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-s", "trywait", "--timeout", "1s"), 2, "--timeout goes with wait")
	check("after refused commands", 0, 0)

	// Permissions: an ordinary user may not read or post a 0600 semaphore.
	if nstest.CanSwitchUser() {
		for _, verb := range []string{"get", "post", "trywait"} {
			cmd := exec.Command(testutil.Binary(t), "sem-op", "/e2e-s", verb)
			nstest.AsUser(cmd, 1000, 1000)
			expectRun(t, testutil.RunCmd(t, cmd), 4, "permission denied")
		}
		check("after refused users", 0, 0)
	}
}

// TestSemOpPosixWaitBlocks: a blocked wait is counted in the sem file's
// waiters, is not ended by a signal, and takes the value a post gives.
func TestSemOpPosixWaitBlocks(t *testing.T) {
	nstest.Require(t)
	newPsem(t, "/e2e-blk", 0)
	for _, args := range [][]string{{"wait"}, {"wait", "--timeout", "60s"}} {
		w := startIpcctl(t, "", append([]string{"sem-op", "/e2e-blk"}, args...)...)
		waitSemWaiters(t, "/e2e-blk", 1)
		signalSemWaiter(t, w.cmd.Process.Pid, syscall.SIGWINCH)
		// Had the signal ended the wait, it would have exited without the
		// unit this post gives, and the unit would still be there.
		expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-blk", "post"), 0)
		if code := w.wait(t, 10*time.Second); code != 0 {
			t.Errorf("%v: exit %d %s", args, code, w.stderr.String())
		}
		if v, n := semFile(t, "/e2e-blk"); v != 0 || n != 0 {
			t.Errorf("%v: after the woken wait value %d waiters %d, want 0 0", args, v, n)
		}
	}
}

// TestSemOpPosixInteropC: a C process in sem_wait is woken by ipcctl
// post, a C sem_post wakes ipcctl wait, and ls shows what C did.
func TestSemOpPosixInteropC(t *testing.T) {
	nstest.Require(t)
	runPosixc(t, "semcreate", "/e2e-csem", "0")
	t.Cleanup(func() { os.Remove("/dev/shm/sem.e2e-csem") })

	cwait := runPosixcCmd(t, "semwait", "/e2e-csem")
	var cout syncBuffer
	cwait.Stdout = &cout
	if err := cwait.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cwait.Wait() }()
	t.Cleanup(func() { cwait.Process.Kill() })
	waitSemWaiters(t, "/e2e-csem", 1)
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-csem", "post"), 0)
	select {
	case err := <-done:
		if err != nil || strings.TrimSpace(cout.String()) != "0" {
			t.Errorf("C sem_wait: %v, value after it %q", err, cout.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("C sem_wait was not woken by ipcctl sem-op post")
	}

	w := startIpcctl(t, "", "sem-op", "/e2e-csem", "wait")
	waitSemWaiters(t, "/e2e-csem", 1)
	runPosixc(t, "sempost", "/e2e-csem")
	if code := w.wait(t, 10*time.Second); code != 0 {
		t.Errorf("ipcctl wait woken by C sem_post: exit %d %s", code, w.stderr.String())
	}

	// Values C sets are what ls and get show.
	runPosixc(t, "sempost", "/e2e-csem")
	runPosixc(t, "sempost", "/e2e-csem")
	sem := byName(lsJSON(t, "psem")["psem"])["/e2e-csem"]
	if sem == nil || sem["value"] != float64(2) || sem["waiters"] != float64(0) || sem["status"] != "ok" {
		t.Errorf("ls psem = %v", sem)
	}
	if r := testutil.Run(t, "", "sem-op", "/e2e-csem", "get", "-o", "value", "--raw", "-n"); r.Stdout != "2\n" {
		t.Errorf("get = %q %s", r.Stdout, r.Stderr)
	}
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-csem", "trywait"), 0)
	if out, _ := runPosixcCmd(t, "semvalue", "/e2e-csem").Output(); strings.TrimSpace(string(out)) != "1" {
		t.Errorf("C sem_getvalue after ipcctl trywait = %q", out)
	}
}

// TestSemOpPosixInvalidFiles: sem files of the wrong size or layout are
// refused with a clear error, never mapped, and left as they were;
// directories and symlinks are not semaphores.
func TestSemOpPosixInvalidFiles(t *testing.T) {
	nstest.Require(t)
	garbage := make([]byte, 32)
	for i := range garbage {
		garbage[i] = byte(i*37 + 11)
	}
	badPrivate := make([]byte, 32)
	binary.NativeEndian.PutUint64(badPrivate, 1)
	binary.NativeEndian.PutUint32(badPrivate[8:], 7)
	tooBig := make([]byte, 32)
	binary.NativeEndian.PutUint64(tooBig, 1<<31)
	binary.NativeEndian.PutUint32(tooBig[8:], 128)
	files := map[string][]byte{
		"empty":       {},
		"short":       []byte("0123456789"),
		"garbage":     garbage,
		"bad-private": badPrivate,
		"too-big":     tooBig,
		"long":        make([]byte, 33),
	}
	for name, content := range files {
		path := "/dev/shm/sem.e2e-" + name
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(path) })
		for _, verb := range []string{"wait", "trywait", "post", "get"} {
			r := testutil.Run(t, "", "sem-op", "/e2e-"+name, verb)
			expectRun(t, r, 1, "semaphore /e2e-"+name+" is invalid")
			if strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 || strings.Contains(r.Stderr, "panic") {
				t.Errorf("%s %s: not one line: %q", name, verb, r.Stderr)
			}
		}
		if got, _ := os.ReadFile(path); string(got) != string(content) {
			t.Errorf("%s: the file changed", name)
		}
	}
	os.Mkdir("/dev/shm/sem.e2e-dir", 0o700)
	newPsem(t, "/e2e-target", 5)
	os.Symlink("/dev/shm/sem.e2e-target", "/dev/shm/sem.e2e-link")
	t.Cleanup(func() { os.Remove("/dev/shm/sem.e2e-dir"); os.Remove("/dev/shm/sem.e2e-link") })
	for _, name := range []string{"/e2e-dir", "/e2e-link"} {
		for _, verb := range []string{"wait", "post", "get"} {
			expectRun(t, testutil.Run(t, "", "sem-op", name, verb), 3, "not found")
		}
	}
	if v, _ := semFile(t, "/e2e-target"); v != 5 {
		t.Errorf("a post through a symlink reached its target: value %d", v)
	}
}

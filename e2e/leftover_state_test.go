package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// TestSemWaitInterruptedLeavesNoWaiter: SIGINT or SIGTERM ends
// `sem-op /NAME wait` with exit 128+N, and glibc's waiter count in the
// sem_t (read from /dev/shm/sem.NAME) is back to what it was — with a C
// sem_wait beside it, which still gets the next post.
func TestSemWaitInterruptedLeavesNoWaiter(t *testing.T) {
	nstest.Require(t)
	runPosixc(t, "semcreate", "/e2e-intr", "0")
	t.Cleanup(func() { posixClient().PsemRemove("/e2e-intr") })

	cwait := runPosixcCmd(t, "semwait", "/e2e-intr")
	var cout syncBuffer
	cwait.Stdout = &cout
	if err := cwait.Start(); err != nil {
		t.Fatal(err)
	}
	cdone := make(chan error, 1)
	go func() { cdone <- cwait.Wait() }()
	t.Cleanup(func() { cwait.Process.Kill() })
	waitSemWaiters(t, "/e2e-intr", 1)

	for _, tc := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGINT, nil},
		{syscall.SIGTERM, nil},
		{syscall.SIGINT, []string{"--timeout", "2562047h"}},
		{syscall.SIGTERM, []string{"--timeout", "1h"}},
	} {
		name := fmt.Sprintf("%v %v", tc.sig, tc.args)
		w := startIpcctl(t, "", append([]string{"sem-op", "/e2e-intr", "wait"}, tc.args...)...)
		waitSemWaiters(t, "/e2e-intr", 2)
		signalSemWaiter(t, w.cmd.Process.Pid, 0) // it sleeps in the futex
		syscall.Kill(w.cmd.Process.Pid, tc.sig)
		if code := w.wait(t, 10*time.Second); code != 128+int(tc.sig) {
			t.Errorf("%s: exit %d %q, want %d", name, code, w.stderr.String(), 128+int(tc.sig))
		}
		if v, n := semFile(t, "/e2e-intr"); v != 0 || n != 1 {
			t.Errorf("%s: after the interrupted wait value %d waiters %d, want 0 and the C waiter alone", name, v, n)
		}
	}
	// The C waiter was woken spuriously along the way and slept again; a
	// post still reaches it.
	expectRun(t, testutil.Run(t, "", "sem-op", "/e2e-intr", "post"), 0)
	select {
	case err := <-cdone:
		if err != nil || strings.TrimSpace(cout.String()) != "0" {
			t.Errorf("C sem_wait: %v, printed %q", err, cout.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the C waiter was not woken by the post")
	}
	if v, n := semFile(t, "/e2e-intr"); v != 0 || n != 0 {
		t.Errorf("at the end value %d waiters %d, want 0 0", v, n)
	}
}

// TestMqWaitNotifyStraySignal: a SIGUSR1 that is not the queue's
// notification — during the wait or between two waits — neither kills
// mq-recv --wait-notify nor leaves it registered (which made its next
// mq_notify fail with EBUSY): it registers again (NOTIFY_PID in
// /dev/mqueue/NAME) and receives the message when it comes.
func TestMqWaitNotifyStraySignal(t *testing.T) {
	nstest.Require(t)
	newMq(t, "/e2e-stray", 4, 16, 0o600)
	r := startIpcctl(t, "", "mq-recv", "/e2e-stray", "--wait-notify", "--count", "2", "--timeout", "60s")
	pid := r.cmd.Process.Pid
	registered := func(what string) {
		t.Helper()
		eventually(t, what, func() bool { _, p := mqFile(t, "/e2e-stray"); return p == pid })
	}
	registered("the registration")
	for i := 0; i < 3; i++ {
		syscall.Kill(pid, syscall.SIGUSR1)
		time.Sleep(20 * time.Millisecond) // let it handle the signal, if it is going to
		registered(fmt.Sprintf("the registration after stray signal %d", i+1))
	}
	mqPut(t, "/e2e-stray", "one", 1)
	registered("the registration for the second message")
	syscall.Kill(pid, syscall.SIGUSR1)
	mqPut(t, "/e2e-stray", "two", 1)
	if code := r.wait(t, 10*time.Second); code != 0 || r.stdout.String() != "onetwo" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and both messages", code, r.stdout.String(), r.stderr.String())
	}
	if _, p := mqFile(t, "/e2e-stray"); p != 0 {
		t.Errorf("NOTIFY_PID %d left after the run", p)
	}
}

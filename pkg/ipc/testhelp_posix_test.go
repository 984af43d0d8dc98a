package ipc

import (
	"os/exec"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/cbuild"
)

// posixc is testdata/posixc.c built: the C side of the interop tests
// uses glibc's own shm_open, sem_* and mq_*, an independent second path.
func posixc(t *testing.T) string {
	t.Helper()
	return cbuild.Build(t, "testdata/posixc.c", "-lrt", "-pthread")
}

// runC runs the C helper and returns its stdout; a failure fails the test.
func runC(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(posixc(t), args...).Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("posixc %v: %v %s", args, err, stderr)
	}
	return string(out)
}

// eventually retries cond until it holds, failing after a generous limit.
// It waits for state another process reaches (a waiter blocking); it
// asserts nothing about how long that takes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 3000; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

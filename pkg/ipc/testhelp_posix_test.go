package ipc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	posixcOnce sync.Once
	posixcPath string
	posixcErr  string
)

// posixc builds testdata/posixc.c once and returns its path, skipping the
// test when gcc is missing: the C side of the interop tests uses glibc's
// own shm_open, sem_* and mq_* so it is a second, independent path.
func posixc(t *testing.T) string {
	t.Helper()
	posixcOnce.Do(func() {
		gcc, err := exec.LookPath("gcc")
		if err != nil {
			posixcErr = "gcc not installed: C interop tests need it"
			return
		}
		dir, err := os.MkdirTemp("", "posixc-")
		if err != nil {
			posixcErr = err.Error()
			return
		}
		posixcPath = filepath.Join(dir, "posixc")
		out, err := exec.Command(gcc, "-O2", "-o", posixcPath, "testdata/posixc.c", "-lrt", "-pthread").CombinedOutput()
		if err != nil {
			posixcErr = "building testdata/posixc.c: " + err.Error() + "\n" + string(out)
		}
	})
	if posixcErr != "" {
		if strings.HasPrefix(posixcErr, "gcc not installed") {
			t.Skip(posixcErr)
		}
		t.Fatal(posixcErr)
	}
	return posixcPath
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

// Package testutil has helpers shared by ipcctl's tests.
package testutil

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the path of an ipcctl binary: $IPCCTL_BIN (set by
// `make test`), or one built once per test process.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("IPCCTL_BIN"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		var root []byte
		root, buildErr = exec.Command("go", "env", "GOMOD").Output()
		if buildErr != nil {
			return
		}
		dir, err := os.MkdirTemp("", "ipcctl-bin-")
		if err != nil {
			buildErr = err
			return
		}
		// MkdirTemp makes the directory 0700: tests that run the binary
		// as an ordinary user (uid 1000) must be able to reach it.
		if buildErr = os.Chmod(dir, 0o755); buildErr != nil {
			return
		}
		binPath = filepath.Join(dir, "ipcctl")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/ipcctl")
		cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{err: err, out: string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("building ipcctl: %v", buildErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// Result is what one run of the binary did.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs the ipcctl binary with args and stdin, and returns its output and exit code.
func Run(t testing.TB, stdin string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running ipcctl %v: %v", args, err)
	}
	return Result{Stdout: out.String(), Stderr: errOut.String(), Code: code}
}

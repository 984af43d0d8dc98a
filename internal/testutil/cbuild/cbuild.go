// Package cbuild builds the small C programs of interop tests. It imports
// only the standard library, so any package's tests (pkg/ipc too) can use it.
package cbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	cMu    sync.Mutex
	cBuilt = map[string]string{} // absolute source path → binary
)

// Build compiles a C helper program with gcc once per test process and
// returns the binary's path; flags follow the source (e.g. "-lrt",
// "-pthread"). It skips t when gcc is missing and fails it when the
// build fails. C helpers are the independent second path of interop tests.
func Build(t testing.TB, src string, flags ...string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed: this interop test builds a C helper")
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		t.Fatal(err)
	}
	cMu.Lock()
	defer cMu.Unlock()
	if bin, ok := cBuilt[abs]; ok {
		return bin
	}
	dir, err := os.MkdirTemp("", "cbuild-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".c"))
	args := append([]string{"-O2", "-o", bin, abs}, flags...)
	if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", src, err, out)
	}
	cBuilt[abs] = bin
	return bin
}

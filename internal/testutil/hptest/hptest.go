// Package hptest has what the hugepage and thp tests share: the fixture
// trees, writable copies of them, running a command line in-process
// against a tree, and golden files (go test -update rewrites them).
package hptest

import (
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli"
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Fixture is the path of a fixture tree under pkg/procfs/testdata:
// "host" (captured by scripts/capture-hugepage-fixtures.sh) or "numa2"
// (hand-made: two nodes, 2M and 1G pools, unknown THP files).
func Fixture(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "pkg", "procfs", "testdata", name)
}

// Copy copies a fixture tree to a temp dir that the test may write.
func Copy(t testing.TB, name string) procfs.FS {
	t.Helper()
	dst := t.TempDir()
	if out, err := exec.Command("cp", "-a", Fixture(name)+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("copying fixture %s: %v %s", name, err, out)
	}
	return procfs.FS(dst)
}

// Result is what one in-process run did.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs an ipcctl command line in-process over fs, as the binary would.
func Run(t testing.TB, fs procfs.FS, args ...string) Result {
	t.Helper()
	return RunTo(t, nil, fs, args...)
}

// RunTo is Run with stdout going to w (nil: a buffer returned in Stdout),
// for commands whose output cannot be written.
func RunTo(t testing.TB, w io.Writer, fs procfs.FS, args ...string) Result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	if w != nil {
		ios.Out = w
	}
	f := &cmdutil.Factory{IOStreams: ios, FS: fs, Version: "test",
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
	code := cli.Run(f, args)
	return Result{Stdout: out.String(), Stderr: errOut.String(), Code: code}
}

// FullWriter fails every write like /dev/full.
type FullWriter struct{}

func (FullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// Golden compares got with testdata/golden/NAME, or rewrites it with -update.
func Golden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// ReadFile reads a file of a tree, failing the test on error.
func ReadFile(t testing.TB, fs procfs.FS, rel string) string {
	t.Helper()
	b, err := os.ReadFile(fs.Path(rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package outfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"golang.org/x/sys/unix"
)

// In the namespace, TMPDIR is a private tmpfs: every file here is the test's own.
func TestMain(m *testing.M) { nstest.Main(m) }

func write(t *testing.T, o *File, s string) {
	t.Helper()
	if _, err := o.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

func content(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// onlyFiles fails unless dir holds exactly names (no temporary file left).
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("%s holds %q, want %q", dir, got, names)
	}
	for i := range names {
		if got[i] != names[i] {
			t.Fatalf("%s holds %q, want %q", dir, got, names)
		}
	}
}

func TestExistingFileKeptUntilCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.WriteFile(path, []byte("old content"), 0o640); err != nil {
		t.Fatal(err)
	}
	o, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	write(t, o, "new")
	if got := content(t, path); got != "old content" {
		t.Fatalf("before Commit the target holds %q", got)
	}
	o.Abort()
	if got := content(t, path); got != "old content" {
		t.Fatalf("after Abort the target holds %q", got)
	}
	onlyFiles(t, dir, "out")

	o, err = Create(path)
	if err != nil {
		t.Fatal(err)
	}
	write(t, o, "new")
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	o.Abort() // after Commit: nothing
	if got := content(t, path); got != "new" {
		t.Fatalf("after Commit the target holds %q", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the old file's 0640", st.Mode().Perm())
	}
	onlyFiles(t, dir, "out")
}

func TestNewFileAppearsOnCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new")
	o, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	write(t, o, "x")
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("target exists before Commit: %v", err)
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := fs.FileMode(0o666 &^ umask()); st.Mode().Perm() != want {
		t.Errorf("mode %v, want %v (0666 less the umask)", st.Mode().Perm(), want)
	}
}

func TestRefusesTheSourceItself(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data")
	if err := os.WriteFile(path, []byte("being read"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("data", link); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := SourceOf(f, "data")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, link} {
		o, err := Create(p, src)
		var same *SameFileError
		if !errors.As(err, &same) || !errors.Is(err, errclass.Usage) {
			t.Errorf("Create(%s) = %v, %v; want a usage SameFileError", p, o, err)
		}
	}
	if got := content(t, path); got != "being read" {
		t.Errorf("source now holds %q", got)
	}
	onlyFiles(t, dir, "data", "link")
}

// A symlink stays a symlink: the file it points to gets the output.
func TestSymlinkTargetReplaced(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	os.WriteFile(real, []byte("old"), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink("real", link)
	o, err := Create(link)
	if err != nil {
		t.Fatal(err)
	}
	write(t, o, "new")
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("link is no longer a symlink: %v %v", st, err)
	}
	if got := content(t, real); got != "new" {
		t.Errorf("link target holds %q", got)
	}
}

// A device is written directly and stays a device.
func TestDeviceWrittenDirectly(t *testing.T) {
	o, err := Create("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	write(t, o, "gone")
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat("/dev/null", &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR {
		t.Fatalf("/dev/null is no longer a character device: %v", err)
	}
	o, err = Create("/dev/full")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Write([]byte("x")); !errors.Is(err, unix.ENOSPC) {
		t.Errorf("write to /dev/full: %v, want ENOSPC", err)
	}
	o.Abort()
}

// A missing directory is an error about --out, not a missing object.
func TestMissingDirectoryIsNotNotFound(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "no-such-dir", "x"))
	if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, errclass.NotFound) {
		t.Errorf("Create in a missing directory: %v; want an error without the not-found class", err)
	}
}

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

func TestAttachPshmWriteAndRead(t *testing.T) {
	nstest.Require(t)
	path := newPshm(t, "/e2e-attach", 4096, 0o600)
	dir := t.TempDir()

	expectRun(t, testutil.Run(t, "", "attach", "pshm", "/e2e-attach", "--write", "hello", "--offset", "100"), 0)
	expectRun(t, testutil.Run(t, "from stdin", "attach", "pshm", "/e2e-attach", "--write", "--offset", "1K"), 0)
	in := filepath.Join(dir, "in")
	os.WriteFile(in, []byte{0, 1, 0xff, 'z'}, 0o600)
	expectRun(t, testutil.Run(t, "", "attach", "pshm", "/e2e-attach", "--write", "--in", in, "--offset", "4092"), 0)
	want := make([]byte, 4096)
	copy(want[100:], "hello")
	copy(want[1024:], "from stdin")
	copy(want[4092:], []byte{0, 1, 0xff, 'z'})
	if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
		t.Fatalf("the file after the writes differs from what was written")
	}
	if fi, _ := os.Stat(path); fi.Size() != 4096 {
		t.Errorf("attach changed the object's size to %d", fi.Size())
	}

	r := testutil.Run(t, "", "attach", "pshm", "/e2e-attach", "--read")
	if r.Code != 0 || r.Stdout != string(want) {
		t.Fatalf("--read: exit %d, %d bytes: %s", r.Code, len(r.Stdout), r.Stderr)
	}
	if r := testutil.Run(t, "", "attach", "pshm", "/e2e-attach", "--read", "--offset", "100", "--length", "5"); r.Stdout != "hello" {
		t.Errorf("--read --offset --length = %q %s", r.Stdout, r.Stderr)
	}
	out := filepath.Join(dir, "out")
	r = testutil.Run(t, "", "attach", "pshm", "/e2e-attach", "--read", "--offset", "4092", "--out", out)
	if got, _ := os.ReadFile(out); r.Code != 0 || r.Stdout != "" || !bytes.Equal(got, want[4092:]) {
		t.Errorf("--read --out: exit %d, stdout %q, file %q", r.Code, r.Stdout, got)
	}
	if _, err := exec.LookPath("hexdump"); err == nil {
		hd, _ := exec.Command("hexdump", "-C", "-s", "96", "-n", "32", path).Output()
		if r := testutil.Run(t, "", "attach", "pshm", "/e2e-attach", "--hexdump", "--offset", "96", "--length", "32"); r.Stdout != string(hd) {
			t.Errorf("--hexdump =\n%s\nhexdump -C =\n%s", r.Stdout, hd)
		}
	}

	// Past the end: refused whole, the object unchanged, the size named.
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"--write", "0123456789", "--offset", "4090"}, "nothing written"},
		{strings.Repeat("A", 5000), []string{"--write"}, "nothing written"},
		{"", []string{"--read", "--offset", "4097"}, "past the end of the object (size 4096 bytes)"},
		{"", []string{"--read", "--offset", "4000", "--length", "97"}, "size 4096 bytes"},
	} {
		r := testutil.Run(t, tc.stdin, append([]string{"attach", "pshm", "/e2e-attach"}, tc.args...)...)
		expectRun(t, r, 2, tc.want)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
		t.Error("a refused write changed the object")
	}

	expectRun(t, testutil.Run(t, "", "attach", "pshm", "/e2e-missing", "--read"), 3, "not found")
	expectRun(t, testutil.Run(t, "", "attach", "pshm", "/a/b", "--read"), 2, "invalid POSIX name")
	// A semaphore file is not a shared memory object for its name, and a
	// directory or symlink in /dev/shm is never followed.
	os.Mkdir("/dev/shm/e2e-dir", 0o700)
	os.Symlink(path, "/dev/shm/e2e-link")
	t.Cleanup(func() { os.Remove("/dev/shm/e2e-dir"); os.Remove("/dev/shm/e2e-link") })
	for _, name := range []string{"/e2e-dir", "/e2e-link"} {
		if r := testutil.Run(t, "", "attach", "pshm", name, "--write", "x"); r.Code != 3 || !strings.Contains(r.Stderr, "not found") {
			t.Errorf("attach pshm %s --write: exit %d %q, want 3 (not an object)", name, r.Code, r.Stderr)
		}
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, want) {
		t.Error("a write through a symlink reached the object")
	}

	// An empty object reads as nothing and refuses any write.
	newPshm(t, "/e2e-empty", 0, 0o600)
	if r := testutil.Run(t, "", "attach", "pshm", "/e2e-empty", "--read"); r.Code != 0 || r.Stdout != "" {
		t.Errorf("empty --read: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
	expectRun(t, testutil.Run(t, "", "attach", "pshm", "/e2e-empty", "--write", "x"), 2, "nothing written")
}

// TestAttachPshmReadOnly: --read and --hexdump open read-only, so read
// permission is enough, and a write needs write permission.
func TestAttachPshmReadOnly(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps only one uid: cannot run ipcctl as an ordinary user")
	}
	path := newPshm(t, "/e2e-ro", 16, 0o644)
	os.WriteFile(path, []byte("0123456789abcdef"), 0)
	as1000 := func(args ...string) testutil.Result {
		cmd := exec.Command(testutil.Binary(t), args...)
		nstest.AsUser(cmd, 1000, 1000)
		return testutil.RunCmd(t, cmd)
	}
	if r := as1000("attach", "pshm", "/e2e-ro", "--read"); r.Code != 0 || r.Stdout != "0123456789abcdef" {
		t.Errorf("--read as uid 1000: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
	if r := as1000("attach", "pshm", "/e2e-ro", "--hexdump", "--length", "4"); r.Code != 0 || !strings.Contains(r.Stdout, "30 31 32 33") {
		t.Errorf("--hexdump as uid 1000: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
	expectRun(t, as1000("attach", "pshm", "/e2e-ro", "--write", "x"), 4, "permission denied")
	if got, _ := os.ReadFile(path); string(got) != "0123456789abcdef" {
		t.Errorf("a refused write changed the object: %q", got)
	}
}

// TestAttachPshmHold: --hold keeps the object mapped (seen in
// /proc/PID/maps, read-only with --rdonly) until SIGTERM, then unmaps.
func TestAttachPshmHold(t *testing.T) {
	nstest.Require(t)
	path := newPshm(t, "/e2e-hold", 8192, 0o600)
	for _, tc := range []struct {
		args  []string
		perms string
	}{
		{[]string{"--hold"}, "rw-s"},
		{[]string{"--hold", "--rdonly"}, "r--s"},
	} {
		b := startIpcctl(t, "", append([]string{"attach", "pshm", "/e2e-hold"}, tc.args...)...)
		var line string
		eventually(t, "the mapping in /proc/PID/maps", func() bool {
			maps, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", b.cmd.Process.Pid))
			for _, l := range strings.Split(string(maps), "\n") {
				if strings.HasSuffix(l, " "+path) {
					line = l
					return true
				}
			}
			return false
		})
		if f := strings.Fields(line); len(f) < 2 || f[1] != tc.perms {
			t.Errorf("%v: mapping %q, want perms %s", tc.args, line, tc.perms)
		}
		b.cmd.Process.Signal(syscall.SIGTERM)
		if code := b.wait(t, 10*time.Second); code != 0 || !strings.Contains(b.stderr.String(), "holding pshm /e2e-hold attached (8192 bytes") {
			t.Errorf("%v: exit %d %q", tc.args, code, b.stderr.String())
		}
	}
}

// TestAttachPshmInteropC: C shm_open+mmap reads what ipcctl wrote, and
// ipcctl reads what C wrote.
func TestAttachPshmInteropC(t *testing.T) {
	nstest.Require(t)
	newPshm(t, "/e2e-c", 64, 0o600)
	expectRun(t, testutil.Run(t, "", "attach", "pshm", "/e2e-c", "--write", "from ipcctl", "--offset", "8"), 0)
	out, err := runPosixcCmd(t, "shmread", "/e2e-c", "64").Output()
	if err != nil || !bytes.Equal(out[8:19], []byte("from ipcctl")) || len(out) != 64 {
		t.Errorf("C read %q, %v", out, err)
	}

	runPosixc(t, "shmwrite", "/e2e-fromc", "written by C")
	t.Cleanup(func() { os.Remove("/dev/shm/e2e-fromc") })
	if r := testutil.Run(t, "", "attach", "pshm", "/e2e-fromc", "--read"); r.Code != 0 || r.Stdout != "written by C" {
		t.Errorf("ipcctl read %q: %s", r.Stdout, r.Stderr)
	}
	got := byName(lsJSON(t, "pshm")["pshm"])
	if c, i := got["/e2e-fromc"], got["/e2e-c"]; c == nil || c["size"] != float64(12) || i == nil || i["size"] != float64(64) {
		t.Errorf("ls pshm = %v", got)
	}
}

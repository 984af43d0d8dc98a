package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// keepFile writes a file that a failed run must leave exactly as it is.
func keepFile(t *testing.T, dir string) (string, func(what string)) {
	t.Helper()
	path := filepath.Join(dir, "keep")
	old := []byte("precious data that must survive a failed read\n")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, func(what string) {
		t.Helper()
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, old) {
			t.Errorf("%s: the existing --out file now holds %q (%v)", what, got, err)
		}
		if ents, _ := os.ReadDir(dir); len(ents) != 1 {
			t.Errorf("%s: %d files in the --out directory, want 1 (a temporary file left?)", what, len(ents))
		}
	}
}

// TestOutFileNeverDestroysData: --out FILE replaces FILE only when the
// read worked; the object being read is never its own --out.
func TestOutFileNeverDestroysData(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	out, intact := keepFile(t, dir)

	// The object being read is refused as the output, and survives.
	self := newPshm(t, "/e2e-self", 8192, 0o644)
	pattern := bytes.Repeat([]byte("0123456789abcdef"), 512)
	if err := os.WriteFile(self, pattern, 0); err != nil {
		t.Fatal(err)
	}
	expectRun(t, testutil.Run(t, "", "attach", "pshm", "/e2e-self", "--read", "--out", self), 2, "object being read")
	link := filepath.Join(t.TempDir(), "link-to-self")
	os.Symlink(self, link)
	expectRun(t, testutil.Run(t, "", "attach", "pshm", "/e2e-self", "--hexdump", "--out", link), 2, "object being read")
	if got, _ := os.ReadFile(self); !bytes.Equal(got, pattern) {
		t.Errorf("the object read was changed: %d bytes", len(got))
	}

	mapped := filepath.Join(t.TempDir(), "mapped")
	os.WriteFile(mapped, pattern, 0o644)
	expectRun(t, testutil.Run(t, "", "mmap", mapped, "--read", "--out", mapped), 2, "object being read")
	if got, _ := os.ReadFile(mapped); !bytes.Equal(got, pattern) {
		t.Errorf("mmap F --read --out F changed F: %d bytes", len(got))
	}

	// A read that fails leaves an existing FILE as it was.
	newMq(t, "/e2e-empty", 4, 16, 0o600)
	msg := newMsg(t, 0o600)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"attach", "pshm", "/e2e-missing", "--read"}, 3},
		{[]string{"attach", "shm", "999999", "--read"}, 3},
		{[]string{"attach", "shm", "999999", "--hexdump"}, 3},
		{[]string{"mmap", filepath.Join(dir, "missing"), "--read"}, 3},
		{[]string{"mq-recv", "/e2e-empty", "--nowait"}, 6},
		{[]string{"mq-recv", "/e2e-missing", "--nowait"}, 3},
		{[]string{"mq-recv", strconv.Itoa(msg), "--nowait"}, 6},
		{[]string{"mq-recv", "/e2e-empty", "--timeout", "10ms"}, 6},
	} {
		r := testutil.Run(t, "", append(tc.args, "--out", out)...)
		if r.Code != tc.code {
			t.Errorf("%v --out: exit %d %q, want %d", tc.args, r.Code, r.Stderr, tc.code)
		}
		intact(tc.args[0] + " " + tc.args[1] + " " + tc.args[2])
	}

	// A read that works replaces FILE whole, with the mode it had.
	os.Chmod(out, 0o640)
	ipcctlOK(t, "attach", "pshm", "/e2e-self", "--read", "--length", "16", "--out", out)
	if got, _ := os.ReadFile(out); string(got) != "0123456789abcdef" {
		t.Errorf("--out after a good read holds %q", got)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o640 {
		t.Errorf("--out lost its mode: %v", st.Mode().Perm())
	}

	// Messages taken before a failure are saved, not dropped: the first
	// of two asked for arrives, the second times out.
	mqPut(t, "/e2e-empty", "first", 1)
	expectRun(t, testutil.Run(t, "", "mq-recv", "/e2e-empty", "--count", "2", "--timeout", "50ms", "--out", out), 6)
	if got, _ := os.ReadFile(out); string(got) != "first" {
		t.Errorf("--out after one of two messages holds %q, want the one taken", got)
	}
}

// TestOutFileMissingDirectory: an --out that cannot be made is exit 1
// (not 3: the queue is there) and takes no message.
func TestOutFileMissingDirectory(t *testing.T) {
	nstest.Require(t)
	newMq(t, "/e2e-stay", 4, 16, 0o600)
	mqPut(t, "/e2e-stay", "stay", 1)
	bad := filepath.Join(t.TempDir(), "no-such-dir", "x")
	expectRun(t, testutil.Run(t, "", "mq-recv", "/e2e-stay", "--out", bad), 1, "--out")
	if n := mqCurMsgs(t, "/e2e-stay"); n != 1 {
		t.Errorf("a bad --out took the message (queue has %d)", n)
	}
}

// TestMmapInIsBounded: --in is read only as far as the mapping has room,
// so an endless input is refused instead of read until memory runs out.
func TestMmapInIsBounded(t *testing.T) {
	nstest.Require(t)
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("0123456789"), 0o644)
	// Under a 1 GiB address-space limit, so that a regression fails
	// fast instead of reading /dev/zero until the machine runs out.
	limited := func(args ...string) testutil.Result {
		return testutil.RunCmd(t, exec.Command("prlimit", append([]string{"--as=1073741824", "--", testutil.Binary(t)}, args...)...))
	}
	r := limited("mmap", p, "--in", "/dev/zero", "--at", "2")
	expectRun(t, r, 2, "more than 8 bytes from /dev/zero", "nothing written")
	if got, _ := os.ReadFile(p); string(got) != "0123456789" {
		t.Errorf("a refused --in changed the file: %q", got)
	}
	r = limited("mmap", p, "--in", "/dev/zero", "--length", "4096", "--grow")
	expectRun(t, r, 2, "more than 4096 bytes from /dev/zero")
	if st, _ := os.Stat(p); st.Size() != 10 {
		t.Errorf("a refused --in --grow grew the file to %d bytes", st.Size())
	}
	// What fits is written.
	ipcctlOK(t, "mmap", p, "--in", "-", "--at", "8")
	r = testutil.Run(t, "ab", "mmap", p, "--in", "-", "--at", "8")
	if got, _ := os.ReadFile(p); r.Code != 0 || string(got) != "01234567ab" {
		t.Errorf("--in - --at 8: exit %d, file %q", r.Code, got)
	}
}

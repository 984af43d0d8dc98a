package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

func TestAttachShmWriteAndRead(t *testing.T) {
	nstest.Require(t)
	id := newShm(t, 4096, 0o600)
	sid := strconv.Itoa(id)
	dir := t.TempDir()

	// DATA argument at an offset.
	if r := testutil.Run(t, "", "attach", "shm", sid, "--write", "hello", "--offset", "100"); r.Code != 0 {
		t.Fatalf("write: exit %d: %s", r.Code, r.Stderr)
	}
	// stdin, and --in FILE (binary data, the last bytes of the segment).
	if r := testutil.Run(t, "from stdin", "attach", "shm", sid, "--write", "--offset", "1K"); r.Code != 0 {
		t.Fatalf("write stdin: exit %d: %s", r.Code, r.Stderr)
	}
	in := filepath.Join(dir, "in")
	os.WriteFile(in, []byte{0, 1, 0xff, 'z'}, 0o600)
	if r := testutil.Run(t, "", "attach", "shm", sid, "--write", "--in", in, "--offset", "4092"); r.Code != 0 {
		t.Fatalf("write --in: exit %d: %s", r.Code, r.Stderr)
	}
	seg := shmBytes(t, id)
	want := make([]byte, 4096)
	copy(want[100:], "hello")
	copy(want[1024:], "from stdin")
	copy(want[4092:], []byte{0, 1, 0xff, 'z'})
	if !bytes.Equal(seg, want) {
		t.Fatalf("segment after writes differs from what was written")
	}

	// --read: the raw bytes, nothing added.
	r := testutil.Run(t, "", "attach", "shm", sid, "--read")
	if r.Code != 0 || r.Stdout != string(want) {
		t.Fatalf("--read: exit %d, %d bytes (want 4096 identical bytes): %s", r.Code, len(r.Stdout), r.Stderr)
	}
	r = testutil.Run(t, "", "attach", "shm", sid, "--read", "--offset", "100", "--length", "5")
	if r.Code != 0 || r.Stdout != "hello" {
		t.Fatalf("--read --offset --length: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
	out := filepath.Join(dir, "out")
	r = testutil.Run(t, "", "attach", "shm", sid, "--read", "--offset", "4092", "--out", out)
	if got, _ := os.ReadFile(out); r.Code != 0 || r.Stdout != "" || !bytes.Equal(got, want[4092:]) {
		t.Fatalf("--read --out: exit %d, stdout %q, file %q: %s", r.Code, r.Stdout, got, r.Stderr)
	}
	// --offset at the very end reads nothing; past it is an error naming the size.
	if r := testutil.Run(t, "", "attach", "shm", sid, "--read", "--offset", "4096"); r.Code != 0 || r.Stdout != "" {
		t.Errorf("--offset 4096: exit %d %q", r.Code, r.Stdout)
	}
	for _, args := range [][]string{
		{"--read", "--offset", "4097"},
		{"--hexdump", "--offset", "5000"},
		{"--write", "x", "--offset", "1M"},
	} {
		r := testutil.Run(t, "", append([]string{"attach", "shm", sid}, args...)...)
		if r.Code != 2 || !strings.Contains(r.Stderr, "past the end of the segment (size 4096 bytes)") {
			t.Errorf("%v: exit %d %q; want exit 2 naming the size", args, r.Code, r.Stderr)
		}
	}
	if r := testutil.Run(t, "", "attach", "shm", sid, "--read", "--offset", "4000", "--length", "97"); r.Code != 2 || !strings.Contains(r.Stderr, "size 4096") {
		t.Errorf("--length past the end: exit %d %q", r.Code, r.Stderr)
	}

	// Writes past the end are refused whole, from every source.
	before := shmBytes(t, id)
	os.WriteFile(in, bytes.Repeat([]byte{'B'}, 4097), 0o600)
	for _, tc := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"--write", "0123456789", "--offset", "4090"}},
		{strings.Repeat("A", 5000), []string{"--write"}},
		{strings.Repeat("A", 7), []string{"--write", "--offset", "4090"}},
		{"", []string{"--write", "--in", in}},
	} {
		r := testutil.Run(t, tc.stdin, append([]string{"attach", "shm", sid}, tc.args...)...)
		if r.Code != 2 || !strings.Contains(r.Stderr, "refused") || !strings.Contains(r.Stderr, "nothing written") {
			t.Errorf("%v: exit %d %q; want exit 2, refused", tc.args, r.Code, r.Stderr)
		}
	}
	if !bytes.Equal(shmBytes(t, id), before) {
		t.Error("a refused write changed the segment")
	}
	// Exactly filling the room is fine.
	if r := testutil.Run(t, "", "attach", "shm", sid, "--write", "123456", "--offset", "4090"); r.Code != 0 {
		t.Errorf("write to the exact end: exit %d %s", r.Code, r.Stderr)
	}
}

// TestAttachShmHexdump compares --hexdump with util-linux hexdump -C of
// the same bytes read back with --read, whole and in parts.
func TestAttachShmHexdump(t *testing.T) {
	nstest.Require(t)
	if _, err := exec.LookPath("hexdump"); err != nil {
		t.Skip("hexdump not installed (the format is pinned by internal/hexdump's golden test)")
	}
	id := newShm(t, 8192, 0o600)
	sid := strconv.Itoa(id)
	pattern := []byte("ipcctl\x00\x01\x02 hexdump test \xff\xfe")
	shmWrite(t, id, 3, pattern)
	shmWrite(t, id, 5000, bytes.Repeat(pattern, 20))
	raw := filepath.Join(t.TempDir(), "raw")
	if r := testutil.Run(t, "", "attach", "shm", sid, "--read", "--out", raw); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	for _, part := range [][2]string{{"0", ""}, {"3", "40"}, {"4999", "700"}, {"8191", ""}, {"8192", ""}, {"5", "0"}, {"0", "0"}} {
		args := []string{"attach", "shm", sid, "--hexdump", "--offset", part[0]}
		hd := []string{"-C", "-s", part[0]}
		if part[1] != "" {
			args = append(args, "--length", part[1])
			hd = append(hd, "-n", part[1])
		}
		want, err := exec.Command("hexdump", append(hd, raw)...).Output()
		if err != nil {
			t.Fatal(err)
		}
		r := testutil.Run(t, "", args...)
		if r.Code != 0 || r.Stdout != string(want) {
			t.Errorf("--hexdump %v:\n%s\nwant (hexdump %v):\n%s", part, r.Stdout, hd, want)
		}
	}
}

// TestAttachShmHold: a held attachment counts in nattch (seen through
// IPC_STAT) until SIGTERM or SIGINT, then detaches cleanly.
func TestAttachShmHold(t *testing.T) {
	nstest.Require(t)
	id := newShm(t, 4096, 0o600)
	sid := strconv.Itoa(id)
	for _, tc := range []struct {
		args []string
		sig  syscall.Signal
		mode string
	}{
		{[]string{"--hold"}, syscall.SIGTERM, "read-write"},
		{[]string{"--hold", "--rdonly"}, syscall.SIGINT, "read-only"},
		{[]string{"--write", "held", "--hold"}, syscall.SIGTERM, "read-write"},
	} {
		b := startIpcctl(t, "", append([]string{"attach", "shm", sid}, tc.args...)...)
		eventually(t, "the hold message", func() bool { return strings.Contains(b.stderr.String(), "holding shm") })
		if n := shmNattch(t, id); n != 1 {
			t.Errorf("%v: nattch = %d while held, want 1", tc.args, n)
		}
		if !strings.Contains(b.stderr.String(), tc.mode) {
			t.Errorf("%v: stderr %q does not say %s", tc.args, b.stderr.String(), tc.mode)
		}
		b.cmd.Process.Signal(tc.sig)
		if code := b.wait(t, 10*time.Second); code != 0 {
			t.Errorf("%v: exit %d after %v: %s", tc.args, code, tc.sig, b.stderr.String())
		}
		if n := shmNattch(t, id); n != 0 {
			t.Errorf("%v: nattch = %d after the signal, want 0", tc.args, n)
		}
	}
	if got := string(shmBytes(t, id)[:4]); got != "held" {
		t.Errorf("--write --hold wrote %q", got)
	}
}

func TestOpsNotFoundAndBadIDs(t *testing.T) {
	nstest.Require(t)
	for _, args := range [][]string{
		{"attach", "shm", "123456", "--read"},
		{"attach", "shm", "123456", "--hold"},
		{"sem-op", "123456", "0:+1"},
		{"sem-op", "123456", "--get"},
		{"mq-send", "123456", "x"},
		{"mq-recv", "123456", "--nowait"},
		{"mq-recv", "123456", "--peek", "0"},
	} {
		r := testutil.Run(t, "", args...)
		if r.Code != 3 || !strings.Contains(r.Stderr, "not found") {
			t.Errorf("%v: exit %d %q; want 3 not found", args, r.Code, r.Stderr)
		}
	}
	for _, args := range [][]string{
		{"attach", "shm", "4294967296", "--read"},
		{"sem-op", "2147483648", "0:+1"},
		{"mq-send", "2147483648", "x"},
		{"mq-recv", "99999999999999999999"},
	} {
		if r := testutil.Run(t, "", args...); r.Code != 2 || !strings.Contains(r.Stderr, "invalid id") {
			t.Errorf("%v: exit %d %q; want 2 invalid id", args, r.Code, r.Stderr)
		}
	}
}

// TestOpsAsOrdinaryUser: uid 1000 gets exit 4 on root's 0600 objects and
// changes nothing; read permission (0644) is enough for --read and
// --hold --rdonly but not for a read-write hold.
func TestOpsAsOrdinaryUser(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps only one uid (run as real root to test uid 1000)")
	}
	shm := newShm(t, 4096, 0o600)
	shmWrite(t, shm, 0, []byte("root's"))
	sem := newSem(t, 2, 0o600)
	semctl(t, sem, 0, setVal, 3)
	msg := newMsg(t, 0o600)
	msgSendRaw(t, msg, 1, "secret")

	run := func(args ...string) testutil.Result {
		cmd := exec.Command(testutil.Binary(t), args...)
		nstest.AsUser(cmd, 1000, 1000)
		cmd.Stdin = strings.NewReader("intruder")
		return testutil.RunCmd(t, cmd)
	}
	s := func(id int) string { return strconv.Itoa(id) }
	for _, args := range [][]string{
		{"attach", "shm", s(shm), "--read"},
		{"attach", "shm", s(shm), "--hexdump"},
		{"attach", "shm", s(shm), "--write", "x"},
		{"attach", "shm", s(shm), "--write"},
		{"attach", "shm", s(shm), "--hold"},
		{"sem-op", s(sem), "0:-1", "--nowait"},
		{"sem-op", s(sem), "1:+1"},
		{"sem-op", s(sem), "--set", "0=9"},
		{"sem-op", s(sem), "--set-all", "9,9"},
		{"sem-op", s(sem), "--get"},
		{"mq-send", s(msg), "x"},
		{"mq-recv", s(msg), "--nowait"},
		{"mq-recv", s(msg), "--peek", "0"},
	} {
		if r := run(args...); r.Code != 4 || !strings.Contains(r.Stderr, "permission denied") || r.Stdout != "" {
			t.Errorf("as uid 1000: %v: exit %d stdout %q stderr %q; want 4", args, r.Code, r.Stdout, r.Stderr)
		}
	}
	if got := string(shmBytes(t, shm)[:7]); got != "root's\x00" {
		t.Errorf("segment changed: %q", got)
	}
	if got := semVals(t, sem, 2); fmt.Sprint(got) != "[3 0]" {
		t.Errorf("semaphores changed: %v", got)
	}
	if ds := msgStat(t, msg); ds.Qnum != 1 {
		t.Errorf("queue has %d messages, want 1", ds.Qnum)
	}
	if typ, body := msgRecvRaw(t, msg); typ != 1 || body != "secret" {
		t.Errorf("message changed: %d %q", typ, body)
	}

	// Read permission for others: reading works, a read-write attach does not.
	ro := newShm(t, 4096, 0o604)
	shmWrite(t, ro, 0, []byte("public"))
	if r := run("attach", "shm", s(ro), "--read", "--length", "6"); r.Code != 0 || r.Stdout != "public" {
		t.Errorf("uid 1000 --read of a 0604 segment: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
	if r := run("attach", "shm", s(ro), "--hold"); r.Code != 4 {
		t.Errorf("uid 1000 read-write --hold of a 0604 segment: exit %d, want 4", r.Code)
	}
	cmd := exec.Command(testutil.Binary(t), "attach", "shm", s(ro), "--hold", "--rdonly")
	nstest.AsUser(cmd, 1000, 1000)
	errBuf := &syncBuffer{}
	cmd.Stderr = errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "uid 1000's read-only hold", func() bool { return shmNattch(t, ro) == 1 })
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("uid 1000 --hold --rdonly: %v: %s", err, errBuf.String())
	}
}

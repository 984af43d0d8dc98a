package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"github.com/ipcctl/ipcctl/internal/testutil/decoy"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

func TestMmapWritesSharedAndPrivate(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "data")
	os.WriteFile(p, []byte("0123456789"), 0o644)

	r := testutil.Run(t, "", "mmap", p, "--private", "--write", "PRIV", "--sync")
	if r.Code != 0 || !strings.Contains(r.Stderr, "private") || !strings.Contains(r.Stderr, "no-op") {
		t.Fatalf("private: exit %d stderr %q", r.Code, r.Stderr)
	}
	if got, _ := os.ReadFile(p); string(got) != "0123456789" {
		t.Fatalf("private write changed the file: %q", got)
	}
	r = testutil.Run(t, "SHARED", "mmap", p, "--in", "-", "--at", "2", "--sync")
	if r.Code != 0 {
		t.Fatalf("shared: exit %d stderr %q", r.Code, r.Stderr)
	}
	if got, _ := os.ReadFile(p); string(got) != "01SHARED89" {
		t.Fatalf("file after shared write: %q", got)
	}
	r = testutil.Run(t, "", "mmap", p, "--read")
	if r.Code != 0 || r.Stdout != "01SHARED89" {
		t.Fatalf("--read: exit %d stdout %q", r.Code, r.Stdout)
	}
}

func TestMmapExitCodes(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	os.WriteFile(p, make([]byte, 5000), 0o644)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"mmap", filepath.Join(dir, "nope")}, 3, "no such file"},
		{[]string{"mmap", dir}, 2, "is a directory"},
		{[]string{"mmap", empty}, 2, "empty"},
		{[]string{"mmap", fifo}, 2, "not a regular file"},
		{[]string{"mmap", "residency", fifo}, 2, "not a regular file"},
		{[]string{"mmap", "touch", fifo}, 2, "not a regular file"},
		{[]string{"mmap", "evict", fifo}, 2, "not a regular file"},
		{[]string{"mmap", p, "--offset", "5000"}, 2, "at or past the end of the file (5000 bytes)"},
		{[]string{"mmap", p, "--length", "1M"}, 2, "(5000 bytes)"},
		{[]string{"mmap", p, "--offset", "99999999999999999999"}, 2, "invalid size"},
		{[]string{"mmap", "residency", dir}, 2, "use --recursive"},
		{[]string{"mmap", "residency", filepath.Join(dir, "nope")}, 3, "no such file"},
		{[]string{"mmap", "residency", p, filepath.Join(dir, "nope")}, 8, "1 of 2 failed"},
		{[]string{"mmap", "touch", filepath.Join(dir, "nope")}, 3, "no such file"},
		{[]string{"mmap", "evict", dir}, 2, "use --recursive"},
		{[]string{"mmap", "anon"}, 2, "--size is required"},
		{[]string{"mmap", "anon", "--size", "0"}, 2, "more than 0"},
		{[]string{"mmap", "anon", "--size", "1M", "--hugepage-size", "3M"}, 2, "not offered by the kernel (offered: "},
		{[]string{"mmap", "residency", p, "-o", "nosuch"}, 2, "unknown column"},
	} {
		r := testutil.Run(t, "", tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stderr, tc.err) {
			t.Errorf("ipcctl %v: exit %d stderr %q; want exit %d and %q", tc.args, r.Code, r.Stderr, tc.code, tc.err)
		}
	}
	if st, _ := os.Stat(p); st.Size() != 5000 {
		t.Errorf("refused commands resized the file to %d", st.Size())
	}
}

func TestMmapGrow(t *testing.T) {
	nstest.Require(t)
	p := filepath.Join(t.TempDir(), "g")
	os.WriteFile(p, []byte("x"), 0o644)
	r := testutil.Run(t, "", "mmap", p, "--length", "8K", "--grow", "--write", "end", "--at", "8189")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	got, _ := os.ReadFile(p)
	if len(got) != 8192 || got[0] != 'x' || string(got[8189:]) != "end" {
		t.Errorf("grown file: %d bytes, starts %q, ends %q", len(got), got[:1], got[len(got)-3:])
	}
}

// An ordinary user cannot write a file it may only read: exit 4.
func TestMmapWriteReadOnlyFile(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("cannot run a child as another user here")
	}
	dir := testutil.DiskTempDir(t)
	p := filepath.Join(dir, "ro")
	os.WriteFile(p, []byte("keep"), 0o644) // owned by root, read-only for uid 1000
	// A copy of the binary uid 1000 can reach (the built one may sit in a 0700 dir).
	bin := filepath.Join(dir, "ipcctl")
	exe, err := os.ReadFile(testutil.Binary(t))
	if err != nil || os.WriteFile(bin, exe, 0o755) != nil {
		t.Fatalf("copying the binary: %v", err)
	}
	cmd := exec.Command(bin, "mmap", p, "--write", "x")
	nstest.AsUser(cmd, 1000, 1000)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != 4 || !strings.Contains(stderr.String(), "permission denied") {
		t.Fatalf("err %v stderr %q; want exit 4, permission denied", err, stderr.String())
	}
	// Reading it, and a private write, are allowed and leave it alone.
	cmd = exec.Command(bin, "mmap", p, "--private", "--write", "x")
	nstest.AsUser(cmd, 1000, 1000)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("private write as uid 1000: %v %s", err, out)
	}
	if got, _ := os.ReadFile(p); string(got) != "keep" {
		t.Errorf("file now %q", got)
	}
}

func jsonRows(t *testing.T, r testutil.Result, key string) []map[string]any {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Stdout)
	}
	return got[key]
}

func TestMmapEvictTouchResidencyAgreeWithFincore(t *testing.T) {
	nstest.Require(t)
	const size = 2 << 20
	p := filepath.Join(testutil.DiskTempDir(t), "cache")
	os.WriteFile(p, bytes.Repeat([]byte{7}, size), 0o644)
	if f, err := os.Open(p); err == nil {
		unix.Fdatasync(int(f.Fd())) // only clean pages can be evicted
		f.Close()
	}

	rows := jsonRows(t, testutil.Run(t, "", "mmap", "evict", p, "--json"), "evict")
	if len(rows) != 1 || rows[0]["after"] != float64(0) || rows[0]["evicted"] != rows[0]["before"] {
		t.Fatalf("evict rows %v", rows)
	}
	if fb := testutil.FincoreBytes(t, p); fb != 0 {
		t.Errorf("after evict fincore says %d resident bytes", fb)
	}
	rows = jsonRows(t, testutil.Run(t, "", "mmap", "residency", p, "--json", "--map"), "residency")
	if len(rows) != 1 || rows[0]["res"] != float64(0) || rows[0]["pages"] != float64(0) || rows[0]["total"] != float64(size/os.Getpagesize()) || !strings.HasPrefix(rows[0]["map"].(string), "....") {
		t.Fatalf("residency after evict %v", rows)
	}
	rows = jsonRows(t, testutil.Run(t, "", "mmap", "touch", p, "--json"), "touch")
	if len(rows) != 1 || rows[0]["before"] != float64(0) || rows[0]["after"] != float64(size) || rows[0]["loaded"] != float64(size) {
		t.Fatalf("touch rows %v", rows)
	}
	if fb := testutil.FincoreBytes(t, p); fb != size {
		t.Errorf("after touch fincore says %d resident bytes, want %d", fb, size)
	}
	// PAGES means what fincore's does: resident pages; the total has its own column.
	rows = jsonRows(t, testutil.Run(t, "", "mmap", "residency", p, "--json"), "residency")
	if fp := testutil.FincorePages(t, p); len(rows) != 1 || rows[0]["pages"] != float64(fp) || rows[0]["total"] != float64(size/os.Getpagesize()) {
		t.Errorf("residency after touch %v; fincore PAGES %d", rows, fp)
	}
	r := testutil.Run(t, "", "mmap", "residency", p, "--raw", "-n", "-o", "res,percent,map")
	if r.Code != 0 || r.Stdout != strconv.Itoa(size)+" 100.00 "+strings.Repeat("O", 64)+"\n" {
		t.Errorf("raw residency after touch: exit %d %q", r.Code, r.Stdout)
	}
	if r.Stderr != "" {
		t.Errorf("stderr is not a terminal, yet got %q", r.Stderr)
	}
}

// A file whose last page is partial: res counts whole pages, as fincore does.
func TestMmapResidencyPartialPageMatchesFincore(t *testing.T) {
	nstest.Require(t)
	p := filepath.Join(testutil.DiskTempDir(t), "odd")
	os.WriteFile(p, make([]byte, 5000), 0o644)
	testutil.Run(t, "", "mmap", "touch", p)
	rows := jsonRows(t, testutil.Run(t, "", "mmap", "residency", p, "--json"), "residency")
	if len(rows) != 1 || rows[0]["res"] != float64(testutil.FincoreBytes(t, p)) || rows[0]["size"] != float64(5000) {
		t.Errorf("rows %v; fincore says %d", rows, testutil.FincoreBytes(t, p))
	}
}

func TestMmapResidencyRecursive(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	for i := 0; i < 30; i++ {
		sub := filepath.Join(dir, strconv.Itoa(i%3))
		os.MkdirAll(sub, 0o755)
		os.WriteFile(filepath.Join(sub, strconv.Itoa(i)), make([]byte, 100*i), 0o644)
	}
	os.Symlink(decoy.File(t), filepath.Join(dir, "link")) // not followed
	rows := jsonRows(t, testutil.Run(t, "", "mmap", "residency", "--recursive", dir, "--json"), "residency")
	if len(rows) != 30 {
		t.Fatalf("%d rows, want 30", len(rows))
	}
	var total float64
	for _, row := range rows {
		total += row["size"].(float64)
	}
	if total != 100*29*30/2 {
		t.Errorf("sizes add to %v", total)
	}
}

// With the host's huge page pool empty (never changed by tests), a
// hugetlb mapping exits 7 and says how to fill the pool.
func TestMmapAnonHugetlbEmptyPool(t *testing.T) {
	nstest.Require(t)
	sizes, err := procfs.DefaultFS.HugetlbSizes()
	if err != nil || len(sizes) == 0 {
		t.Skipf("no hugetlb: %v", err)
	}
	if _, free, err := procfs.DefaultFS.HugetlbPool(sizes[0]); err != nil || free != 0 {
		t.Skipf("the pool is not empty (%d free): cannot test the empty-pool error", free)
	}
	r := testutil.Run(t, "", "mmap", "anon", "--size", "1", "--hugetlb")
	if r.Code != 7 || !strings.Contains(r.Stderr, "ipcctl hugepage set ") || !strings.Contains(r.Stderr, "--min") || strings.Contains(r.Stderr, "cannot allocate memory") {
		t.Errorf("exit %d stderr %q", r.Code, r.Stderr)
	}
}

func TestMmapAnonReportsSmaps(t *testing.T) {
	nstest.Require(t)
	rows := jsonRows(t, testutil.Run(t, "", "mmap", "anon", "--size", "1M", "--populate", "--json"), "anon")
	if len(rows) != 1 || rows[0]["size"] != float64(1<<20) || rows[0]["rss"] != float64(1<<20) || rows[0]["kernel_page_size"] != float64(os.Getpagesize()) {
		t.Errorf("anon rows %v", rows)
	}
}

// In the test namespace the process lacks CAP_IPC_LOCK in the initial
// namespace, so RLIMIT_MEMLOCK applies; the error names it.
func TestMmapLockReportsMemlockLimit(t *testing.T) {
	nstest.Require(t)
	cmd := exec.Command("sh", "-c", `ulimit -l 64 && exec "$0" mmap anon --size 16M --lock`, testutil.Binary(t))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Skip("mlock of 16M succeeded under ulimit -l 64 (CAP_IPC_LOCK?)")
	}
	if !strings.Contains(string(out), "RLIMIT_MEMLOCK is 65536 bytes") {
		t.Errorf("output %q does not name RLIMIT_MEMLOCK", out)
	}
}

// startHeld starts ipcctl with args that hold something and waits until it says so.
func startHeld(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t), args...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "holding") {
			return cmd
		}
	}
	t.Fatalf("ipcctl %v never said it was holding", args)
	return nil
}

func TestMmapHoldAndTouchLock(t *testing.T) {
	nstest.Require(t)
	dir := testutil.DiskTempDir(t)
	p := filepath.Join(dir, "held")
	os.WriteFile(p, make([]byte, 64<<10), 0o644)
	for _, args := range [][]string{
		{"mmap", p, "--hold"},
		{"mmap", "touch", p, "--lock"},
	} {
		cmd := startHeld(t, args...)
		regs, err := procfs.DefaultFS.Smaps(strconv.Itoa(cmd.Process.Pid))
		if err != nil {
			t.Fatal(err)
		}
		var found *procfs.SmapsRegion
		for i := range regs {
			if regs[i].Path == p {
				found = &regs[i]
			}
		}
		if found == nil {
			t.Fatalf("%v: %s is not mapped in the holding process", args, p)
		}
		if args[1] == "touch" && found.Fields["Locked"] != 64<<10 {
			t.Errorf("touch --lock: Locked %d, want %d", found.Fields["Locked"], 64<<10)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("%v after SIGTERM: %v", args, err)
		}
	}
}

package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// A fault on mapped memory must end in exit 1 and one line that says why,
// never in the Go runtime's fault trace.
func expectFault(t *testing.T, what string, r testutil.Result, why string) {
	t.Helper()
	for _, trace := range []string{"goroutine ", "unexpected fault address", "fatal error", "panic:"} {
		if strings.Contains(r.Stderr, trace) {
			t.Errorf("%s: a Go trace (%q) on stderr:\n%s", what, trace, r.Stderr)
			return
		}
	}
	if r.Code != 1 || !strings.Contains(r.Stderr, why) || strings.Count(strings.TrimSpace(r.Stderr), "\n") != 0 {
		t.Errorf("%s: exit %d %q; want 1 and one line saying %q", what, r.Code, r.Stderr, why)
	}
}

// fullTmpfs mounts a tmpfs of 4 MiB on a directory of the test's own and
// fills it; setup runs first, to make files while there is room.
func fullTmpfs(t *testing.T, setup func(dir string)) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small")
	os.Mkdir(dir, 0o755)
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=4m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	setup(dir)
	fill(t, dir)
	return dir
}

// fill writes dir/fill until the filesystem is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// TestMmapFaultsOnFullTmpfs: a sparse file on a full tmpfs, and a --grow
// there, end in a clear error, and the file keeps its size.
func TestMmapFaultsOnFullTmpfs(t *testing.T) {
	nstest.Require(t)
	content := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	dir := fullTmpfs(t, func(dir string) {
		os.WriteFile(filepath.Join(dir, "sparse"), nil, 0o644)
		if err := os.Truncate(filepath.Join(dir, "sparse"), 1<<20); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "grow"), content, 0o644)
	})
	sparse, grow := filepath.Join(dir, "sparse"), filepath.Join(dir, "grow")
	const full = "no space left on the tmpfs " // ... and the mount point
	for _, args := range [][]string{
		{"mmap", sparse, "--write", "x", "--at", "8192"},
		{"mmap", sparse, "--read"},
		{"mmap", sparse, "--hexdump"},
		{"mmap", sparse, "--read", "--out", filepath.Join(t.TempDir(), "out")},
		{"mmap", "touch", sparse},
	} {
		expectFault(t, strings.Join(args, " "), testutil.Run(t, "", args...), full+dir)
	}
	r := testutil.Run(t, "", "mmap", grow, "--length", "1M", "--grow", "--write", "x", "--at", "1048575")
	expectFault(t, "mmap --grow", r, "cannot grow from 65536 to 1048576 bytes: "+full+dir)
	if got, _ := os.ReadFile(grow); !bytes.Equal(got, content) {
		t.Errorf("a failed --grow left the file at %d bytes, want its 65536 bytes as they were", len(got))
	}
}

// TestMmapGrowUndoneOnFailure: when the work after a --grow fails (here
// mlock, under RLIMIT_MEMLOCK 0), the file gets its old size back.
func TestMmapGrowUndoneOnFailure(t *testing.T) {
	nstest.Require(t)
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, make([]byte, 65536), 0o644)
	cmd := exec.Command("prlimit", "--memlock=0", "--", testutil.Binary(t), "mmap", p, "--length", "1M", "--grow", "--lock")
	r := testutil.RunCmd(t, cmd)
	if r.Code == 0 {
		t.Skip("mlock worked under RLIMIT_MEMLOCK 0 (CAP_IPC_LOCK): no failure to undo")
	}
	if !strings.Contains(r.Stderr, "RLIMIT_MEMLOCK") {
		t.Errorf("exit %d %q, want the mlock failure", r.Code, r.Stderr)
	}
	if st, _ := os.Stat(p); st.Size() != 65536 {
		t.Errorf("after the failed run the file is %d bytes, want 65536 (the grow undone)", st.Size())
	}
}

// TestPosixFaultsOnFullDevShm: sparse POSIX objects on a full /dev/shm
// (4 MiB, in a mount namespace of their own) end in a clear error: attach
// and sem-op, and create refuses what would not fit, leaving nothing.
func TestPosixFaultsOnFullDevShm(t *testing.T) {
	nstest.Require(t)
	out := inNewIPCNamespace(t, `
mount -t tmpfs -o size=4m tmpfs /dev/shm
truncate -s 1M /dev/shm/sparse
truncate -s 32 /dev/shm/sem.sparse
dd if=/dev/zero of=/dev/shm/fill bs=64k 2>/dev/null || true
run() { code=0; "$B" "$@" >out 2>err || code=$?; echo "$* => $code $(cat err)"; }
run attach pshm /sparse --write hi --offset 4096
run attach pshm /sparse --hexdump
run attach pshm /sparse --read
run sem-op /sparse post
run sem-op /sparse wait --timeout 1s
run create pshm /big --size 8M
echo "big: $(test -e /dev/shm/big && echo exists || echo absent)"
echo "sem: $(od -An -v -tx1 /dev/shm/sem.sparse | tr -d ' \n')"
`)
	const full = "no space left on the tmpfs /dev/shm"
	for _, want := range []string{
		"attach pshm /sparse --write hi --offset 4096 => 1 ",
		"attach pshm /sparse --hexdump => 1 ",
		"attach pshm /sparse --read => 1 ",
		"sem-op /sparse post => 1 ",
		"sem-op /sparse wait --timeout 1s => 1 ",
		"create pshm /big --size 8M => 1 ",
	} {
		line := lineWith(out, want)
		if line == "" || !strings.Contains(line, full) || strings.Contains(line, "goroutine") {
			t.Errorf("want %q... saying %q; got:\n%s", want, full, out)
		}
	}
	if !strings.Contains(out, "big: absent") {
		t.Errorf("a refused create left /dev/shm/big:\n%s", out)
	}
	if !strings.Contains(out, "sem: "+strings.Repeat("00", 32)) {
		t.Errorf("the semaphore changed:\n%s", out)
	}
}

func lineWith(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestHugetlbNoReserveEmptyPool: a huge page segment made with
// --noreserve when the pool is empty can be attached, but its pages
// cannot be had: attach says so instead of crashing.
func TestHugetlbNoReserveEmptyPool(t *testing.T) {
	nstest.Require(t)
	const pool = "/sys/kernel/mm/hugepages/hugepages-2048kB/"
	free, err1 := os.ReadFile(pool + "free_hugepages")
	over, err2 := os.ReadFile(pool + "nr_overcommit_hugepages")
	if err1 != nil || err2 != nil {
		t.Skip("no 2 MiB huge page pool (hugetlb unavailable)")
	}
	if strings.TrimSpace(string(free)) != "0" || strings.TrimSpace(string(over)) != "0" {
		t.Skipf("the 2 MiB pool can give pages (free %s, overcommit %s): the host's pool is not ours to empty",
			strings.TrimSpace(string(free)), strings.TrimSpace(string(over)))
	}
	r := testutil.Run(t, "", "create", "shm", "--size", "2M", "--hugetlb", "--hugepage-size", "2M", "--noreserve")
	// With SHM_NORESERVE the kernel takes no pages at shmget, so an empty
	// pool is no reason to fail, in a user namespace too: a failure here
	// is a bug, not a limit of the machine.
	if r.Code != 0 {
		t.Fatalf("create --hugetlb --noreserve on an empty pool: exit %d: %s", r.Code, r.Stderr)
	}
	id, _ := strconv.Atoi(strings.TrimSpace(r.Stdout))
	cleanup(t, "shm", id)
	const why = "the huge page pool of 2048 kB pages is empty"
	for _, args := range [][]string{
		{"attach", "shm", strconv.Itoa(id), "--write", "x"},
		{"attach", "shm", strconv.Itoa(id), "--hexdump"},
		{"attach", "shm", strconv.Itoa(id), "--read"},
	} {
		expectFault(t, strings.Join(args, " "), testutil.Run(t, "", args...), why)
	}
}

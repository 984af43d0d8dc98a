package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// rm removes exactly what it is named, of the kind named, and -v says so.
func TestRmRemovesExactlyTheNamed(t *testing.T) {
	nstest.Require(t)
	a, b, c := create(t, "shm", "--size", "4K"), create(t, "shm", "--size", "4K"), create(t, "shm", "--size", "4K")
	sem, msg := create(t, "sem", "--nsems", "1"), create(t, "msg")
	cleanup(t, "shm", a, c)
	cleanup(t, "sem", sem)
	cleanup(t, "msg", msg)

	r := ipcctlOK(t, "rm", "shm", fmt.Sprint(b), "-v")
	if r.Stdout != "" || r.Stderr != fmt.Sprintf("removed shm %d\n", b) {
		t.Errorf("rm -v: stdout %q stderr %q", r.Stdout, r.Stderr)
	}
	if exists(t, "shm", b) || !exists(t, "shm", a) || !exists(t, "shm", c) || !exists(t, "sem", sem) || !exists(t, "msg", msg) {
		t.Errorf("after rm shm %d: shm %v sem %v msg %v", b, sysvRows(t, "shm"), sysvRows(t, "sem"), sysvRows(t, "msg"))
	}
	// Ids of one kind never reach another: the sem with the same id as a segment stays.
	ipcctlOK(t, "rm", "sem", fmt.Sprint(sem))
	if exists(t, "sem", sem) || !exists(t, "shm", a) || !exists(t, "msg", msg) {
		t.Error("rm sem touched something else")
	}
	ipcctlOK(t, "rm", "msg", fmt.Sprint(msg))
	if exists(t, "msg", msg) {
		t.Error("rm msg left the queue")
	}
}

// Several targets: each failure is named, the rest still go, exit 8.
// A usage error anywhere removes nothing. --force ignores missing ones.
func TestRmSeveral(t *testing.T) {
	nstest.Require(t)
	a, b := create(t, "sem", "--nsems", "1"), create(t, "sem", "--nsems", "1")
	missing := 999999
	r := testutil.Run(t, "", "rm", "sem", fmt.Sprint(a), fmt.Sprint(missing), fmt.Sprint(b))
	if r.Code != 8 || !strings.Contains(r.Stderr, fmt.Sprintf("ipcctl: rm sem %d: not found\n", missing)) {
		t.Errorf("partial: exit %d stderr %q", r.Code, r.Stderr)
	}
	if exists(t, "sem", a) || exists(t, "sem", b) {
		t.Error("the existing sets were not removed")
	}

	c, d := create(t, "msg"), create(t, "msg")
	cleanup(t, "msg", c, d)
	for _, bad := range [][]string{
		{"msg", fmt.Sprint(c), "2147483648"},
		{"msg", fmt.Sprint(c), "4294967296", fmt.Sprint(d)},
		{"msg", fmt.Sprint(c), "x"},
		{"msg", fmt.Sprint(c), "--key", "0x100000000"},
		{"msg", fmt.Sprint(c), "--owner", "no-such-user-xyz"}, // a filter: ids do not go with it
	} {
		r := testutil.Run(t, "", append([]string{"rm"}, bad...)...)
		if r.Code != 2 {
			t.Errorf("rm %v: exit %d %q, want 2", bad, r.Code, r.Stderr)
		}
	}
	if !exists(t, "msg", c) || !exists(t, "msg", d) {
		t.Fatal("a usage error removed something")
	}

	if r := testutil.Run(t, "", "rm", "msg", fmt.Sprint(missing)); r.Code != 3 || r.Stderr != fmt.Sprintf("ipcctl: rm msg %d: not found\n", missing) {
		t.Errorf("one missing: exit %d %q, want 3", r.Code, r.Stderr)
	}
	if r := testutil.Run(t, "", "rm", "--force", "msg", fmt.Sprint(c), fmt.Sprint(missing), fmt.Sprint(d)); r.Code != 0 || r.Stderr != "" {
		t.Errorf("--force: exit %d %q", r.Code, r.Stderr)
	}
	if exists(t, "msg", c) || exists(t, "msg", d) {
		t.Error("--force did not remove the existing queues")
	}
}

func TestRmByKey(t *testing.T) {
	nstest.Require(t)
	keyed := create(t, "shm", "--size", "4K", "--key", "0x5eed0101")
	other := create(t, "shm", "--size", "4K", "--key", "0x5eed0102")
	semSameKey := create(t, "sem", "--nsems", "1", "--key", "0x5eed0101")
	cleanup(t, "shm", other)
	cleanup(t, "sem", semSameKey)

	r := ipcctlOK(t, "rm", "shm", "--key", "0x5eed0101", "-v")
	if r.Stderr != fmt.Sprintf("removed shm %d (key 0x5eed0101)\n", keyed) {
		t.Errorf("-v: %q", r.Stderr)
	}
	if exists(t, "shm", keyed) || !exists(t, "shm", other) || !exists(t, "sem", semSameKey) {
		t.Error("rm --key removed the wrong objects")
	}
	if r := testutil.Run(t, "", "rm", "shm", "--key", "0x5eed0101"); r.Code != 3 || !strings.Contains(r.Stderr, "key 0x5eed0101: not found") {
		t.Errorf("missing key: exit %d %q", r.Code, r.Stderr)
	}
	if r := testutil.Run(t, "", "rm", "shm", "--key", "0x5eed0101", "--force"); r.Code != 0 {
		t.Errorf("missing key --force: exit %d %q", r.Code, r.Stderr)
	}
	// Negative and decimal spellings of the same key.
	neg := create(t, "msg", "--key", "-2")
	ipcctlOK(t, "rm", "msg", "--key", "0xfffffffe")
	if exists(t, "msg", neg) {
		t.Error("rm --key 0xfffffffe left the queue made with --key -2")
	}
}

// Between resolving a key and IPC_RMID the key is checked again: an
// object that replaced the resolved one is not removed.
func TestRemoveIfKeyRechecks(t *testing.T) {
	nstest.Require(t)
	c := ipc.New(procfs.DefaultFS)
	old, err := c.ShmCreate(ipc.ShmCreateOptions{Key: 0x5eed0201, Size: 4096, Mode: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.IDByKey(ipc.KindShm, 0x5eed0201)
	if err != nil || id != old {
		t.Fatalf("IDByKey = %d, %v; want %d", id, err, old)
	}
	// Someone else removes it and makes a new segment with the same key.
	ipcctlOK(t, "rm", "shm", fmt.Sprint(old))
	repl, err := c.ShmCreate(ipc.ShmCreateOptions{Key: 0x5eed0201, Size: 4096, Mode: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	defer c.ShmRemove(repl)
	if err := c.RemoveIfKey(ipc.KindShm, old, 0x5eed0201); err == nil {
		t.Fatal("RemoveIfKey of a replaced object succeeded")
	}
	if !exists(t, "shm", repl) {
		t.Error("the replacement segment was removed")
	}
}

func TestRmDryRunChangesNothing(t *testing.T) {
	nstest.Require(t)
	shm, sem := create(t, "shm", "--size", "8K"), create(t, "sem", "--nsems", "2")
	cleanup(t, "shm", shm)
	cleanup(t, "sem", sem)

	r := ipcctlOK(t, "rm", "--all", "--dry-run", "--json")
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("--dry-run --json: %v\n%s", err, r.Stdout)
	}
	found := false
	for _, row := range got["shm"] {
		if row["id"] == float64(shm) && row["size"] == float64(8192) {
			found = true
		}
	}
	if !found || got["sem"] == nil || got["msg"] == nil {
		t.Errorf("dry run lists %s", r.Stdout)
	}
	r = ipcctlOK(t, "rm", "shm", fmt.Sprint(shm), "--dry-run", "-o", "id,size", "--raw", "--bytes", "-n")
	if r.Stdout != fmt.Sprintf("%d 8192\n", shm) {
		t.Errorf("dry run of one id: %q", r.Stdout)
	}
	if r := testutil.Run(t, "", "rm", "shm", "999999", "--dry-run"); r.Code != 3 {
		t.Errorf("dry run of a missing id: exit %d", r.Code)
	}
	if !exists(t, "shm", shm) || !exists(t, "sem", sem) {
		t.Fatal("--dry-run removed something")
	}
	if r := testutil.Run(t, "", "rm", "shm", fmt.Sprint(shm), "--json"); r.Code != 2 || !exists(t, "shm", shm) {
		t.Errorf("output flags without --dry-run: exit %d", r.Code)
	}
}

// --orphaned takes segments nobody has attached whose creator is gone,
// and nothing else. The segments are given to a uid of their own so the
// test's filter cannot reach other tests' segments.
func TestRmOrphaned(t *testing.T) {
	nstest.Require(t)
	const owner = "4242"
	// Made by a child process that has exited (ipcctl itself).
	orphan := create(t, "shm", "--size", "4K")
	// Made by a child process that exited, but attached here.
	attachedOrphan := create(t, "shm", "--size", "4K")
	addr, err := unix.SysvShmAttach(attachedOrphan, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.SysvShmDetach(addr)
	// Made by this (living) process.
	c := ipc.New(procfs.DefaultFS)
	alive, err := c.ShmCreate(ipc.ShmCreateOptions{Size: 4096, Mode: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int{orphan, attachedOrphan, alive} {
		ipcctlOK(t, "set", "shm", fmt.Sprint(id), "--owner", owner)
	}
	cleanup(t, "shm", orphan, attachedOrphan, alive)

	r := ipcctlOK(t, "rm", "--orphaned", "--owner", owner, "--dry-run", "-o", "id", "--raw", "-n")
	if r.Stdout != fmt.Sprintf("%d\n", orphan) {
		t.Errorf("--orphaned --dry-run lists %q, want only %d", r.Stdout, orphan)
	}
	if r := testutil.Run(t, "", "rm", "--orphaned", "--owner", owner); r.Code != 2 || !strings.Contains(r.Stderr, "needs --yes") {
		t.Errorf("rm --orphaned without --yes and without a terminal: exit %d %q, want 2", r.Code, r.Stderr)
	}
	ipcctlOK(t, "rm", "--orphaned", "--owner", owner, "--yes")
	if exists(t, "shm", orphan) || !exists(t, "shm", attachedOrphan) || !exists(t, "shm", alive) {
		t.Errorf("after --orphaned: %v", sysvRows(t, "shm"))
	}
	if r := testutil.Run(t, "", "rm", "sem", "--orphaned"); r.Code != 2 {
		t.Errorf("--orphaned sem: exit %d, want 2", r.Code)
	}
}

func TestRmOlderThanAndOwner(t *testing.T) {
	nstest.Require(t)
	const owner = "4243"
	old := create(t, "msg")
	ipcctlOK(t, "set", "msg", fmt.Sprint(old), "--owner", owner)
	// ctime has whole seconds: 3s apart, a 2s cutoff falls between them.
	time.Sleep(3 * time.Second)
	young := create(t, "msg")
	ipcctlOK(t, "set", "msg", fmt.Sprint(young), "--owner", owner)
	notMine := create(t, "msg")
	cleanup(t, "msg", old, young, notMine)

	ipcctlOK(t, "rm", "--owner", owner, "--older-than", "1h", "--yes")
	if !exists(t, "msg", old) || !exists(t, "msg", young) {
		t.Fatal("--older-than 1h removed a queue made a second ago")
	}
	// ctime is when set changed them: old was set 3s before young.
	ipcctlOK(t, "rm", "msg", "--owner", owner, "--older-than", "2s", "--yes")
	if exists(t, "msg", old) || !exists(t, "msg", young) || !exists(t, "msg", notMine) {
		t.Errorf("after --older-than 2s: %v", sysvRows(t, "msg"))
	}
	ipcctlOK(t, "rm", "--all", "msg", "--owner", owner, "--yes")
	if exists(t, "msg", young) || !exists(t, "msg", notMine) {
		t.Errorf("--owner removed the wrong queues: %v", sysvRows(t, "msg"))
	}
}

// rm --all with no kind means System V only, never /dev/shm or
// /dev/mqueue; without a terminal it needs --yes. Run in an IPC namespace
// of its own so it cannot remove other tests' objects.
func TestRmAll(t *testing.T) {
	nstest.Require(t)
	if err := os.WriteFile("/dev/shm/keep-me", []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove("/dev/shm/keep-me")
	out := inNewIPCNamespace(t, `
: "$($B create shm --size 4K)"; : "$($B create sem --nsems 1)"; : "$($B create msg)"
code=0; $B rm --all 2>/dev/null || code=$?
echo "no-yes=$code"
echo "left=$(tail -q -n +2 /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | wc -l)"
$B rm --all --yes -v 2>&1 | sed 's/ [0-9]*$//' | tr '\n' ,; echo
echo "after=$(tail -q -n +2 /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | wc -l)"
ipcs -a | grep -c '^0x' || true
`)
	want := "no-yes=2\nleft=3\nremoved shm,removed sem,removed msg,\nafter=0\n0\n"
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	if _, err := os.Stat("/dev/shm/keep-me"); err != nil {
		t.Errorf("rm --all touched /dev/shm: %v", err)
	}
}

// As an ordinary user, removing or changing a root-owned 0600 object
// exits 4 and leaves it as it was; the user's own objects still go.
func TestRmAndSetAsOrdinaryUser(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps only one uid (tests not started as root)")
	}
	rootShm := create(t, "shm", "--size", "4K")
	rootMsg := create(t, "msg")
	cleanup(t, "shm", rootShm)
	cleanup(t, "msg", rootMsg)
	asUser := asUser1000(t)
	before := sysvRow(t, "shm", rootShm)
	for _, args := range [][]string{
		{"rm", "shm", fmt.Sprint(rootShm)},
		{"set", "shm", fmt.Sprint(rootShm), "--mode", "0666"},
		{"set", "msg", fmt.Sprint(rootMsg), "--qbytes", "1K"},
		{"set", "shm", fmt.Sprint(rootShm), "--owner", "1000"},
	} {
		if r := asUser(args...); r.Code != 4 || !strings.Contains(r.Stderr, "not permitted") && !strings.Contains(r.Stderr, "permission denied") {
			t.Errorf("as uid 1000: %v: exit %d %q, want 4", args, r.Code, r.Stderr)
		}
	}
	if after := sysvRow(t, "shm", rootShm); fmt.Sprint(after) != fmt.Sprint(before) || !exists(t, "msg", rootMsg) {
		t.Errorf("root's segment changed: %v -> %v", before, after)
	}
	if got := cHelper(t, "msg", fmt.Sprint(rootMsg)); got == "1024" {
		t.Error("qbytes changed")
	}
	// The user's own queue goes; root's stays; exit 8 naming root's.
	own := strings.TrimSpace(asUser("create", "msg").Stdout)
	r := asUser("rm", "msg", own, fmt.Sprint(rootMsg))
	if r.Code != 8 || !strings.Contains(r.Stderr, fmt.Sprintf("ipcctl: rm msg %d: operation not permitted", rootMsg)) {
		t.Errorf("partial as uid 1000: exit %d %q", r.Code, r.Stderr)
	}
	id, _ := strconv.Atoi(own)
	if exists(t, "msg", id) || !exists(t, "msg", rootMsg) {
		t.Error("partial removal removed the wrong queues")
	}
	// The same through rm --all --yes, which reads and removes each queue
	// in one pass: the user's goes, root's stays and is named, exit 8.
	own = strings.TrimSpace(asUser("create", "msg").Stdout)
	r = asUser("rm", "--all", "msg", "--yes")
	if r.Code != 8 || !strings.Contains(r.Stderr, fmt.Sprintf("ipcctl: rm msg %d: operation not permitted", rootMsg)) {
		t.Errorf("rm --all --yes as uid 1000: exit %d %q", r.Code, r.Stderr)
	}
	id, _ = strconv.Atoi(own)
	if exists(t, "msg", id) || !exists(t, "msg", rootMsg) {
		t.Error("rm --all --yes as uid 1000 removed the wrong queues")
	}
}

// asUser1000 returns a runner of ipcctl as uid and gid 1000 (see
// nstest.CanSwitchUser).
func asUser1000(t *testing.T) func(args ...string) testutil.Result {
	bin := userReadableBinary(t)
	return func(args ...string) testutil.Result {
		t.Helper()
		cmd := exec.Command(bin, args...)
		nstest.AsUser(cmd, 1000, 1000)
		return testutil.RunCmd(t, cmd)
	}
}

// userReadableBinary copies the ipcctl binary where uid 1000 may run it
// (the test build lives in a 0700 temp directory).
func userReadableBinary(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(testutil.Binary(t))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ipcctl-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "ipcctl")
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// On a terminal (script(1) gives it one), rm --all with no kind asks;
// anything but yes removes nothing and exits 1.
func TestRmAllAsksOnATerminal(t *testing.T) {
	nstest.Require(t)
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) not installed: no way to give ipcctl a terminal")
	}
	out := inNewIPCNamespace(t, `
# The test namespace's /dev has no ptmx: give this mount namespace a devpts of its own.
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
count() { tail -q -n +2 /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | wc -l; }
: "$($B create shm --size 4K)"; : "$($B create msg)"
code=0; echo n | script -qec "$B rm --all" /dev/null >prompt || code=$?
echo "declined=$code left=$(count)"
grep -c 'Remove 2 objects (shm 1, msg 1)? \[y/N\]' prompt
code=0; echo y | script -qec "$B rm --all" /dev/null >/dev/null || code=$?
echo "agreed=$code left=$(count)"
: "$($B create msg)"
code=0; script -qec "$B rm --all msg" /dev/null </dev/null >/dev/null || code=$?
echo "kind named=$code left=$(count)"
code=0; echo y | script -qec "$B rm msg --owner 0" /dev/null >/dev/null || code=$?
echo "filter=$code left=$(count)"
`)
	if want := "declined=1 left=2\n1\nagreed=0 left=0\nkind named=1 left=1\nfilter=0 left=0\n"; out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

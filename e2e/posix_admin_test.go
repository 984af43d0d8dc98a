package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// kernel is a second path to the objects: pkg/ipc's own readers and
// system calls, not the ipcctl binary under test.
var kernel = ipc.New(procfs.DefaultFS)

// lstat stats a POSIX object's file without following a symlink.
func lstat(t *testing.T, path string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Fatalf("lstat %s: %v", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		t.Fatalf("%s is not a regular file: mode %o", path, st.Mode)
	}
	return st
}

// createPosix runs `ipcctl create KIND NAME ...`, checks it printed the
// name alone, and removes the object when the test ends.
func createPosix(t *testing.T, kind, name string, args ...string) {
	t.Helper()
	r := ipcctlOK(t, append([]string{"create", kind, name}, args...)...)
	if r.Stdout != name+"\n" {
		t.Errorf("create %s %s printed %q, want the name alone", kind, name, r.Stdout)
	}
	t.Cleanup(func() { os.Remove(posixPath(kind, name)) })
}

// posixPath is the file behind a POSIX object.
func posixPath(kind, name string) string {
	switch kind {
	case "psem":
		return "/dev/shm/sem." + name[1:]
	case "mq":
		return "/dev/mqueue/" + name[1:]
	}
	return "/dev/shm/" + name[1:]
}

// dirNames lists /dev/shm and /dev/mqueue, to show nothing appeared or went.
func dirNames(t *testing.T) string {
	t.Helper()
	var all []string
	for _, d := range []string{"/dev/shm", "/dev/mqueue"} {
		ents, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			all = append(all, d+"/"+e.Name())
		}
	}
	sort.Strings(all)
	return strings.Join(all, " ")
}

func mqAttr(t *testing.T, name string) ipc.MqAttr {
	t.Helper()
	q, err := kernel.MqOpen(name, unix.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	a, err := q.Attr()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func psemValue(t *testing.T, name string) uint32 {
	t.Helper()
	p, err := kernel.PsemStat(name)
	if err != nil || p.Status != ipc.PsemOK {
		t.Fatalf("PsemStat %s: %+v, %v", name, p, err)
	}
	return *p.Value
}

func TestCreatePosix(t *testing.T) {
	nstest.Require(t)
	createPosix(t, "pshm", "/e2e-c-shm", "--size", "64K", "--mode", "0640")
	if st := lstat(t, "/dev/shm/e2e-c-shm"); st.Mode&0o7777 != 0o640 || st.Uid != 0 || st.Gid != 0 || st.Size != 65536 {
		t.Errorf("pshm: mode %o uid %d gid %d size %d; want 0640 0 0 65536", st.Mode&0o7777, st.Uid, st.Gid, st.Size)
	}
	createPosix(t, "pshm", "/e2e-c-default", "--size", "1")
	if st := lstat(t, "/dev/shm/e2e-c-default"); st.Mode&0o7777 != 0o600 || st.Size != 1 {
		t.Errorf("pshm default mode %o size %d; want 0600 1", st.Mode&0o7777, st.Size)
	}

	createPosix(t, "psem", "/e2e-c-sem", "--value", "7", "--mode", "0604")
	if st := lstat(t, "/dev/shm/sem.e2e-c-sem"); st.Mode&0o7777 != 0o604 || st.Size != 32 {
		t.Errorf("psem: mode %o size %d; want 0604 32", st.Mode&0o7777, st.Size)
	}
	if v := psemValue(t, "/e2e-c-sem"); v != 7 {
		t.Errorf("psem value %d, want 7", v)
	}
	createPosix(t, "psem", "/e2e-c-max", "--value", fmt.Sprint(ipc.SemValueMax))
	if v := psemValue(t, "/e2e-c-max"); v != ipc.SemValueMax {
		t.Errorf("psem value %d, want SEM_VALUE_MAX", v)
	}
	createPosix(t, "psem", "/e2e-c-zero")
	if v := psemValue(t, "/e2e-c-zero"); v != 0 {
		t.Errorf("psem default value %d, want 0", v)
	}

	createPosix(t, "mq", "/e2e-c-q", "--maxmsg", "4", "--msgsize", "1K", "--mode", "0620")
	if st := lstat(t, "/dev/mqueue/e2e-c-q"); st.Mode&0o7777 != 0o620 || st.Uid != 0 {
		t.Errorf("mq: mode %o uid %d; want 0620 0", st.Mode&0o7777, st.Uid)
	}
	if a := mqAttr(t, "/e2e-c-q"); a.MaxMsg != 4 || a.MsgSize != 1024 || a.CurMsgs != 0 {
		t.Errorf("mq attr %+v, want maxmsg 4 msgsize 1024", a)
	}
	createPosix(t, "mq", "/e2e-c-qdef")
	lim, err := procfs.DefaultFS.MqueueLimits()
	if err != nil {
		t.Fatal(err)
	}
	if a := mqAttr(t, "/e2e-c-qdef"); uint64(a.MaxMsg) != lim.MsgDefault || uint64(a.MsgSize) != lim.MsgSizeDefault {
		t.Errorf("mq default attr %+v, want msg_default %d msgsize_default %d", a, lim.MsgDefault, lim.MsgSizeDefault)
	}
}

// An existing name exits 5 and the object keeps its content; --reuse
// prints the name and changes nothing either.
func TestCreatePosixExisting(t *testing.T) {
	nstest.Require(t)
	createPosix(t, "pshm", "/e2e-x-shm", "--size", "4K", "--mode", "0640")
	if err := os.WriteFile("/dev/shm/e2e-x-shm", []byte("MARKER"), 0); err != nil { // truncates: size restored below
		t.Fatal(err)
	}
	if err := os.Truncate("/dev/shm/e2e-x-shm", 4096); err != nil {
		t.Fatal(err)
	}
	createPosix(t, "psem", "/e2e-x-sem", "--value", "3")
	s, err := kernel.PsemOpen("/e2e-x-sem")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Post(); err != nil { // the marker: value 4
		t.Fatal(err)
	}
	s.Close()
	createPosix(t, "mq", "/e2e-x-q", "--maxmsg", "2", "--msgsize", "16")
	q, err := kernel.MqOpen("/e2e-x-q", unix.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Send([]byte("MARKER"), 3, ipc.NoWait); err != nil {
		t.Fatal(err)
	}
	q.Close()

	check := func(when string) {
		t.Helper()
		b, err := os.ReadFile("/dev/shm/e2e-x-shm")
		if err != nil || len(b) != 4096 || string(b[:6]) != "MARKER" {
			t.Errorf("%s: pshm content %q... (%d bytes), %v", when, b[:min(len(b), 8)], len(b), err)
		}
		if st := lstat(t, "/dev/shm/e2e-x-shm"); st.Mode&0o7777 != 0o640 {
			t.Errorf("%s: pshm mode %o, want 0640", when, st.Mode&0o7777)
		}
		if v := psemValue(t, "/e2e-x-sem"); v != 4 {
			t.Errorf("%s: psem value %d, want 4", when, v)
		}
		if a := mqAttr(t, "/e2e-x-q"); a.CurMsgs != 1 || a.MaxMsg != 2 || a.MsgSize != 16 {
			t.Errorf("%s: mq attr %+v, want the 1 message in 2x16", when, a)
		}
	}
	for _, args := range [][]string{
		{"pshm", "/e2e-x-shm", "--size", "1M", "--mode", "0666"},
		{"psem", "/e2e-x-sem", "--value", "9", "--mode", "0666"},
		{"mq", "/e2e-x-q", "--maxmsg", "5", "--msgsize", "64", "--mode", "0666"},
		{"mq", "/e2e-x-q"},
	} {
		r := testutil.Run(t, "", append([]string{"create"}, args...)...)
		if r.Code != 5 || r.Stdout != "" || !strings.Contains(r.Stderr, "exists; use --reuse") {
			t.Errorf("create %v: exit %d %q %q; want 5 with a --reuse hint", args, r.Code, r.Stdout, r.Stderr)
		}
		r = testutil.Run(t, "", append(append([]string{"create"}, args...), "--exclusive")...)
		if r.Code != 5 || strings.Contains(r.Stderr, "--reuse") {
			t.Errorf("create --exclusive %v: exit %d %q; want 5 without a hint", args, r.Code, r.Stderr)
		}
		r = testutil.Run(t, "", append(append([]string{"create"}, args...), "--reuse")...)
		if r.Code != 0 || r.Stdout != args[1]+"\n" {
			t.Errorf("create --reuse %v: exit %d %q %q; want the name", args, r.Code, r.Stdout, r.Stderr)
		}
		check(fmt.Sprint(args))
	}
	m, err := func() (ipc.MqMessage, error) {
		q, err := kernel.MqOpen("/e2e-x-q", unix.O_RDONLY)
		if err != nil {
			return ipc.MqMessage{}, err
		}
		defer q.Close()
		return q.Receive(ipc.NoWait)
	}()
	if err != nil || string(m.Data) != "MARKER" || m.Priority != 3 {
		t.Errorf("the queue's message after the creates: %+v, %v", m, err)
	}

	// A name taken by a directory or symlink is not reused, and stays.
	// The link points out of /dev/shm at a file of the test's own, never
	// at a system file: a regression that follows it harms only that.
	outside := t.TempDir() + "/outside"
	if err := os.WriteFile(outside, []byte("outside content"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir("/dev/shm/e2e-x-dir", 0o755)
	os.Symlink(outside, "/dev/shm/e2e-x-link")
	t.Cleanup(func() { os.Remove("/dev/shm/e2e-x-dir"); os.Remove("/dev/shm/e2e-x-link") })
	for _, name := range []string{"/e2e-x-dir", "/e2e-x-link"} {
		if r := testutil.Run(t, "", "create", "pshm", name, "--size", "1"); r.Code != 5 {
			t.Errorf("create pshm %s: exit %d %q, want 5", name, r.Code, r.Stderr)
		}
		if r := testutil.Run(t, "", "create", "pshm", name, "--size", "1", "--reuse"); r.Code == 0 {
			t.Errorf("create pshm %s --reuse took a non-object: %q", name, r.Stdout)
		}
	}
	if fi, err := os.Lstat("/dev/shm/e2e-x-dir"); err != nil || !fi.IsDir() {
		t.Errorf("directory: %v %v", fi, err)
	}
	if target, err := os.Readlink("/dev/shm/e2e-x-link"); err != nil || target != outside {
		t.Errorf("symlink: %q %v", target, err)
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "outside content" || lstat(t, outside).Mode&0o7777 != 0o644 {
		t.Errorf("the symlink's target changed: %q %v", b, err)
	}
}

// Bad names, sizes and values are usage errors, and nothing is created.
func TestCreatePosixUsageErrors(t *testing.T) {
	nstest.Require(t)
	lim, err := procfs.DefaultFS.MqueueLimits()
	if err != nil {
		t.Fatal(err)
	}
	before := dirNames(t)
	long := "/" + strings.Repeat("n", 256)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"pshm", "e2e-u", "--size", "1"}, "must start with /"},
		{[]string{"pshm", "/e2e/u", "--size", "1"}, "no / allowed after the first"},
		{[]string{"pshm", "/.", "--size", "1"}, "refers to a directory"},
		{[]string{"pshm", "/..", "--size", "1"}, "refers to a directory"},
		{[]string{"pshm", "/", "--size", "1"}, "empty after /"},
		{[]string{"pshm", long, "--size", "1"}, "longer than 255 bytes"},
		{[]string{"pshm", "/sem.e2e-u", "--size", "1"}, "holds named semaphores"},
		{[]string{"pshm", "/e2e-u", "--size", "0"}, "invalid --size"},
		{[]string{"pshm", "/e2e-u", "--size", "16E"}, "invalid size"},
		{[]string{"pshm", "/e2e-u", "--size", "8E"}, "invalid --size"},
		{[]string{"pshm", "/e2e-u"}, "--size is required"},
		{[]string{"pshm", "/e2e-u", "--size", "1", "--mode", "0800"}, "invalid mode"},
		{[]string{"psem", "/" + strings.Repeat("n", 252)}, "longer than 251 bytes"},
		{[]string{"psem", "/e2e-u", "--value", "2147483648"}, "SEM_VALUE_MAX"},
		{[]string{"psem", "/e2e-u", "--value", "-1"}, "invalid --value"},
		{[]string{"mq", "/e2e/u"}, "no / allowed"},
		{[]string{"mq", "/e2e-u", "--maxmsg", "0", "--msgsize", "1"}, "invalid --maxmsg"},
		{[]string{"mq", "/e2e-u", "--maxmsg", "1", "--msgsize", "0"}, "invalid --msgsize"},
		{[]string{"mq", "/e2e-u", "--maxmsg", "99999999999999999999", "--msgsize", "1"}, "invalid --maxmsg"},
		{[]string{"mq", "/e2e-u", "--maxmsg", fmt.Sprint(lim.MsgMax + 1), "--msgsize", "1"}, "/proc/sys/fs/mqueue/msg_max"},
		{[]string{"mq", "/e2e-u", "--maxmsg", "1", "--msgsize", fmt.Sprint(lim.MsgSizeMax + 1)}, "/proc/sys/fs/mqueue/msgsize_max"},
		{[]string{"mq", "/e2e-u", "--maxmsg", "1"}, "must all be set"},
	} {
		r := testutil.Run(t, "", append([]string{"create"}, tc.args...)...)
		if r.Code != 2 || r.Stdout != "" || !strings.Contains(r.Stderr, tc.msg) {
			t.Errorf("create %v: exit %d %q; want 2 and %q", tc.args, r.Code, r.Stderr, tc.msg)
		}
	}
	if after := dirNames(t); after != before {
		t.Errorf("usage errors created objects:\n before %s\n after  %s", before, after)
	}
}

// The /dev/shm figures of `limits` are what statfs of the tmpfs says, and
// the queue count is what a readdir of /dev/mqueue finds.
func TestLimitsPosixAgreesWithStatfs(t *testing.T) {
	nstest.Require(t)
	// Written data, not a sparse file: tmpfs counts only allocated pages.
	if err := os.WriteFile("/dev/shm/limits-data", make([]byte, 256<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm/limits-data") })
	runPosixc(t, "mqcreate", "/limits-q1", "2", "16")
	runPosixc(t, "mqcreate", "/limits-q2", "2", "16")
	t.Cleanup(func() { os.Remove("/dev/mqueue/limits-q1"); os.Remove("/dev/mqueue/limits-q2") })

	got := limitsFigures(t, "-o", "resource,used,limit,free")
	var st unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &st); err != nil {
		t.Fatal(err)
	}
	if st.Type != unix.TMPFS_MAGIC || st.Blocks == 0 || st.Files == 0 {
		t.Fatalf("the harness's /dev/shm is not a sized tmpfs: %+v", st)
	}
	bs := uint64(st.Bsize)
	want := map[string]limitFigures{
		"DEVSHM_BYTES":  {fmt.Sprint((st.Blocks - st.Bfree) * bs), fmt.Sprint(st.Blocks * bs), fmt.Sprint(st.Bavail * bs)},
		"DEVSHM_INODES": {fmt.Sprint(st.Files - st.Ffree), fmt.Sprint(st.Files), fmt.Sprint(st.Ffree)},
	}
	ents, err := os.ReadDir("/dev/mqueue")
	if err != nil {
		t.Fatal(err)
	}
	qmax, err := os.ReadFile("/proc/sys/fs/mqueue/queues_max")
	if err != nil {
		t.Fatal(err)
	}
	want["QUEUES_MAX"] = limitFigures{fmt.Sprint(len(ents)), strings.TrimSpace(string(qmax)),
		fmt.Sprint(mustUint(t, strings.TrimSpace(string(qmax))) - uint64(len(ents)))}
	for res, w := range want {
		if got[res] != w {
			t.Errorf("%s: used, limit, free = %+v; statfs/readdir say %+v", res, got[res], w)
		}
	}
	if used := mustUint(t, got["DEVSHM_BYTES"].Used); used < 256<<10 {
		t.Errorf("DEVSHM_BYTES used %d, below the 256K written", used)
	}
	if len(ents) < 2 {
		t.Errorf("readdir of /dev/mqueue found %d queues, want the 2 made", len(ents))
	}
}

func TestRmPosixByName(t *testing.T) {
	nstest.Require(t)
	createPosix(t, "pshm", "/e2e-r-a", "--size", "1K")
	createPosix(t, "pshm", "/e2e-r-b", "--size", "1K")
	createPosix(t, "pshm", "/e2e-r-c", "--size", "1K")
	createPosix(t, "psem", "/e2e-r-s", "--value", "1")
	createPosix(t, "mq", "/e2e-r-q")
	gone := func(path string) bool {
		_, err := os.Lstat(path)
		return os.IsNotExist(err)
	}

	r := ipcctlOK(t, "rm", "pshm", "/e2e-r-a", "-v")
	if r.Stderr != "removed pshm /e2e-r-a\n" || !gone("/dev/shm/e2e-r-a") || gone("/dev/shm/e2e-r-b") {
		t.Errorf("rm pshm /e2e-r-a: %q; a gone %v, b gone %v", r.Stderr, gone("/dev/shm/e2e-r-a"), gone("/dev/shm/e2e-r-b"))
	}
	// The semaphore's file is not shared memory, whatever name reaches it.
	if r := testutil.Run(t, "", "rm", "pshm", "/sem.e2e-r-s"); r.Code != 2 || gone("/dev/shm/sem.e2e-r-s") {
		t.Errorf("rm pshm /sem.e2e-r-s: exit %d %q; semaphore gone %v", r.Code, r.Stderr, gone("/dev/shm/sem.e2e-r-s"))
	}
	ipcctlOK(t, "rm", "psem", "/e2e-r-s")
	if !gone("/dev/shm/sem.e2e-r-s") {
		t.Error("rm psem left /dev/shm/sem.e2e-r-s")
	}
	ipcctlOK(t, "rm", "mq", "/e2e-r-q")
	if _, err := kernel.MqOpen("/e2e-r-q", unix.O_RDONLY); !gone("/dev/mqueue/e2e-r-q") || !errors.Is(err, ipc.ErrNotFound) {
		t.Errorf("rm mq: file gone %v, mq_open: %v", gone("/dev/mqueue/e2e-r-q"), err)
	}

	// A bad name anywhere: usage error, and nothing goes.
	if r := testutil.Run(t, "", "rm", "pshm", "/e2e-r-b", "/e2e/r"); r.Code != 2 || gone("/dev/shm/e2e-r-b") {
		t.Errorf("rm with a bad name: exit %d %q; b gone %v", r.Code, r.Stderr, gone("/dev/shm/e2e-r-b"))
	}
	// --dry-run lists and removes nothing; a missing name fails it unless --force.
	r = ipcctlOK(t, "rm", "pshm", "/e2e-r-b", "/e2e-r-c", "--dry-run", "--json")
	if !strings.Contains(r.Stdout, `"name": "/e2e-r-b"`) || !strings.Contains(r.Stdout, `"size": 1024`) || gone("/dev/shm/e2e-r-b") || gone("/dev/shm/e2e-r-c") {
		t.Errorf("--dry-run: %s", r.Stdout)
	}
	if r := testutil.Run(t, "", "rm", "pshm", "/e2e-r-b", "/e2e-r-none", "--dry-run"); r.Code != 3 || gone("/dev/shm/e2e-r-b") {
		t.Errorf("--dry-run with a missing name: exit %d %q", r.Code, r.Stderr)
	}
	for _, kind := range []string{"pshm", "psem", "mq"} {
		if r := testutil.Run(t, "", "rm", "--force", kind, "/e2e-r-none"); r.Code != 0 || r.Stderr != "" {
			t.Errorf("rm --force %s missing: exit %d %q", kind, r.Code, r.Stderr)
		}
		if r := testutil.Run(t, "", "rm", kind, "/e2e-r-none"); r.Code != 3 || !strings.Contains(r.Stderr, "ipcctl: rm "+kind+" /e2e-r-none: ") {
			t.Errorf("rm %s missing: exit %d %q, want 3", kind, r.Code, r.Stderr)
		}
	}
	// Several names, one missing: the rest go, the failure is named, exit 8.
	r = testutil.Run(t, "", "rm", "pshm", "/e2e-r-b", "/e2e-r-none", "/e2e-r-c")
	if r.Code != 8 || !strings.Contains(r.Stderr, "ipcctl: rm pshm /e2e-r-none: ") || strings.Contains(r.Stderr, "e2e-r-b") ||
		!gone("/dev/shm/e2e-r-b") || !gone("/dev/shm/e2e-r-c") {
		t.Errorf("partial rm: exit %d %q", r.Code, r.Stderr)
	}
}

// rm --all KIND, in a namespace and /dev/shm and /dev/mqueue of its own so
// that it sees only what the script made.
func TestRmAllPosixLeavesOtherKinds(t *testing.T) {
	nstest.Require(t)
	outside := t.TempDir() + "/outside" // a symlink target of the test's own, never a system file
	if err := os.WriteFile(outside, []byte("outside content"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := inNewIPCNamespace(t, `
mount -t tmpfs tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
state() { echo "$1: $(ls -A /dev/shm | tr '\n' ' ')| $(ls -A /dev/mqueue | tr '\n' ' ')"; }
$B create pshm /p1 --size 1K >/dev/null
$B create pshm /p2 --size 1K >/dev/null
$B create psem /s1 >/dev/null
$B create psem /s2 >/dev/null
$B create mq /q1 >/dev/null
$B create mq /q2 >/dev/null
: "$($B create shm --size 1K)"
mkdir /dev/shm/dir && touch /dev/shm/dir/inner
ln -s p1 /dev/shm/link
ln -s `+outside+` /dev/shm/link-out
echo not-an-object > /dev/shm/sem.
mkfifo /dev/shm/fifo
state start
echo "dry: $($B rm --all pshm psem mq --dry-run -o name --raw -n | sort | tr '\n' ' ')"
state after-dry-run
echo "owner 4242: $($B rm --all pshm --owner 4242 --yes -v 2>&1)"
echo "older 1h: $($B rm --all pshm --older-than 1h --yes -v 2>&1)"
state after-filters
$B rm --all pshm --yes
state after-pshm
$B rm --all psem --owner 0 --yes
state after-psem
$B rm --all mq --yes
state after-mq
$B create pshm /p3 --size 1K >/dev/null
$B create mq /q3 >/dev/null
$B rm --all --yes
state after-sysv
echo "sysv left: $($B ls shm --raw -n | wc -l)"
`)
	want := []string{
		"start: dir fifo link link-out p1 p2 sem. sem.s1 sem.s2 | q1 q2 ",
		"dry: /p1 /p2 /q1 /q2 /s1 /s2 ",
		"after-dry-run: dir fifo link link-out p1 p2 sem. sem.s1 sem.s2 | q1 q2 ",
		"owner 4242: ",
		"older 1h: ",
		"after-filters: dir fifo link link-out p1 p2 sem. sem.s1 sem.s2 | q1 q2 ",
		"after-pshm: dir fifo link link-out sem. sem.s1 sem.s2 | q1 q2 ",
		"after-psem: dir fifo link link-out sem. | q1 q2 ",
		"after-mq: dir fifo link link-out sem. | ",
		"after-sysv: dir fifo link link-out p3 sem. | q3 ",
		"sysv left: 0",
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	for i, w := range want {
		if i >= len(got) || got[i] != w {
			t.Errorf("got:\n%s\nwant line %d: %q", out, i, w)
			break
		}
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "outside content" {
		t.Errorf("the symlink's target changed: %q %v", b, err)
	}
	if _, err := os.Stat("/dev/shm/dir"); err == nil {
		t.Error("the script's /dev/shm leaked into the test's")
	}
}

func TestSetPosix(t *testing.T) {
	nstest.Require(t)
	objects := []struct{ kind, name string }{{"pshm", "/e2e-set"}, {"psem", "/e2e-set"}, {"mq", "/e2e-set"}}
	createPosix(t, "pshm", "/e2e-set", "--size", "1K")
	createPosix(t, "psem", "/e2e-set", "--value", "2")
	createPosix(t, "mq", "/e2e-set")
	for _, o := range objects {
		ipcctlOK(t, "set", o.kind, o.name, "--mode", "0640")
		if st := lstat(t, posixPath(o.kind, o.name)); st.Mode&0o7777 != 0o640 || st.Uid != 0 {
			t.Errorf("set %s --mode 0640: stat says mode %o uid %d", o.kind, st.Mode&0o7777, st.Uid)
		}
		ipcctlOK(t, "set", o.kind, o.name, "--mode", "604", "--owner", "0:0")
		if st := lstat(t, posixPath(o.kind, o.name)); st.Mode&0o7777 != 0o604 || st.Uid != 0 || st.Gid != 0 {
			t.Errorf("set %s --mode 604 --owner 0:0: mode %o uid %d gid %d", o.kind, st.Mode&0o7777, st.Uid, st.Gid)
		}
		if r := testutil.Run(t, "", "set", o.kind, "/e2e-set-none", "--mode", "0600"); r.Code != 3 {
			t.Errorf("set %s on a missing name: exit %d %q, want 3", o.kind, r.Code, r.Stderr)
		}
	}
	if v := psemValue(t, "/e2e-set"); v != 2 {
		t.Errorf("set changed the semaphore's value to %d", v)
	}
	t.Run("owner", func(t *testing.T) {
		if !nstest.CanSwitchUser() {
			t.Skip("the namespace maps only uid 0 (tests not started as real root): no other owner to give")
		}
		for _, o := range objects {
			ipcctlOK(t, "set", o.kind, o.name, "--owner", "1000:1001", "--mode", "0660")
			if st := lstat(t, posixPath(o.kind, o.name)); st.Uid != 1000 || st.Gid != 1001 || st.Mode&0o7777 != 0o660 {
				t.Errorf("set %s --owner 1000:1001: uid %d gid %d mode %o", o.kind, st.Uid, st.Gid, st.Mode&0o7777)
			}
			// The owner alone: the group stays.
			ipcctlOK(t, "set", o.kind, o.name, "--owner", "1002")
			if st := lstat(t, posixPath(o.kind, o.name)); st.Uid != 1002 || st.Gid != 1001 {
				t.Errorf("set %s --owner 1002: uid %d gid %d", o.kind, st.Uid, st.Gid)
			}
		}
	})

	// A symlink is never followed, in /dev/shm or out of it.
	outside := t.TempDir() + "/target"
	if err := os.WriteFile(outside, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Symlink("e2e-set", "/dev/shm/e2e-set-link")
	os.Symlink(outside, "/dev/shm/e2e-set-out")
	os.Symlink("sem.e2e-set", "/dev/shm/sem.e2e-set-link")
	t.Cleanup(func() {
		os.Remove("/dev/shm/e2e-set-link")
		os.Remove("/dev/shm/e2e-set-out")
		os.Remove("/dev/shm/sem.e2e-set-link")
	})
	before := map[string]uint32{}
	for _, p := range []string{"/dev/shm/e2e-set", "/dev/shm/sem.e2e-set", outside} {
		before[p] = lstat(t, p).Mode
	}
	for _, args := range [][]string{
		{"pshm", "/e2e-set-link", "--mode", "0666"},
		{"pshm", "/e2e-set-out", "--mode", "0666"},
		{"pshm", "/e2e-set-out", "--owner", "0:0"},
		{"psem", "/e2e-set-link", "--mode", "0666"},
	} {
		if r := testutil.Run(t, "", append([]string{"set"}, args...)...); r.Code == 0 {
			t.Errorf("set %v through a symlink succeeded", args)
		}
	}
	for p, m := range before {
		if got := lstat(t, p).Mode; got != m {
			t.Errorf("%s: mode %o -> %o through a symlink", p, m, got)
		}
	}
}

// show prints every field, each as stat, the semaphore's file and
// mq_getsetattr say; for a queue also who is registered with mq_notify.
func TestShowPosix(t *testing.T) {
	nstest.Require(t)
	createPosix(t, "pshm", "/e2e-show", "--size", "12K", "--mode", "0640")
	createPosix(t, "psem", "/e2e-show", "--value", "9", "--mode", "0604")
	createPosix(t, "mq", "/e2e-show", "--maxmsg", "3", "--msgsize", "100", "--mode", "0620")
	q, err := kernel.MqOpen("/e2e-show", unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.Send([]byte("hello"), 1, ipc.NoWait); err != nil {
		t.Fatal(err)
	}
	// The queue is not empty, so the registration stays without firing;
	// the channel keeps a stray signal from killing the test.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGUSR2)
	defer signal.Stop(sigs)
	if err := q.NotifySignal(unix.SIGUSR2); err != nil {
		t.Fatal(err)
	}

	shm, sem, mq := showJSON(t, "pshm", "/e2e-show"), showJSON(t, "psem", "/e2e-show"), showJSON(t, "mq", "/e2e-show")
	for _, c := range []struct {
		kind string
		got  map[string]any
		want map[string]string
	}{
		{"pshm", shm, map[string]string{"name": "/e2e-show", "size": "12288", "mode": "0640", "perms": "rw-r-----", "uid": "0", "gid": "0", "owner": "root"}},
		{"psem", sem, map[string]string{"name": "/e2e-show", "value": "9", "waiters": "0", "status": "ok", "reason": "<nil>", "size": "32", "mode": "0604"}},
		{"mq", mq, map[string]string{"name": "/e2e-show", "maxmsg": "3", "msgsize": "100", "messages": "1", "used_bytes": "5", "mode": "0620",
			"notify_pid": fmt.Sprint(os.Getpid()), "signo": fmt.Sprint(int(unix.SIGUSR2)), "notify": "signal"}},
	} {
		for k, w := range c.want {
			if got := fmt.Sprint(c.got[k]); got != w {
				t.Errorf("show %s: %s = %s, want %s", c.kind, k, got, w)
			}
		}
		// Every column, and the file times as stat has them.
		st := lstat(t, posixPath(c.kind, "/e2e-show"))
		for k, sec := range map[string]int64{"mtime": st.Mtim.Sec, "ctime": st.Ctim.Sec, "atime": st.Atim.Sec} {
			tm, err := time.Parse(time.RFC3339, fmt.Sprint(c.got[k]))
			// Reading an mqueue file sets its atime and ctime (ipc/mqueue.c,
			// mqueue_read_file), and show read it after its stat.
			volatile := c.kind == "mq" && k != "mtime"
			if err != nil || tm.Unix() != sec && !(volatile && tm.Unix() <= sec) {
				t.Errorf("show %s: %s = %v, stat says %d", c.kind, k, c.got[k], sec)
			}
		}
		var catalog map[string][]any
		if err := json.Unmarshal([]byte(ipcctlOK(t, "show", c.kind, "--list-columns", "--json").Stdout), &catalog); err != nil {
			t.Fatal(err)
		}
		cols := catalog[c.kind]
		delete(c.got, "holders") // the table that follows the record
		if len(cols) != len(c.got) {
			t.Errorf("show %s: %d fields, want all %d columns %v", c.kind, len(c.got), len(cols), cols)
		}
	}
	if v := psemValue(t, "/e2e-show"); v != 9 {
		t.Errorf("semaphore value %d", v)
	}
	// The other formats carry the same values.
	if r := ipcctlOK(t, "show", "mq", "/e2e-show", "--export"); !strings.Contains(r.Stdout, `NAME="/e2e-show"`) ||
		!strings.Contains(r.Stdout, fmt.Sprintf(`NOTIFY_PID="%d"`, os.Getpid())) || !strings.Contains(r.Stdout, `MAXMSG="3"`) {
		t.Errorf("--export: %s", r.Stdout)
	}
	if r := ipcctlOK(t, "show", "pshm", "/e2e-show", "-o", "name,size", "--raw", "-n"); r.Stdout != "/e2e-show 12288\n" {
		t.Errorf("--raw: %q", r.Stdout)
	}
	if r := ipcctlOK(t, "show", "psem", "/e2e-show"); !strings.Contains(r.Stdout, "POSIX Named Semaphore /e2e-show") || !regexp.MustCompile(`VALUE +9\n`).MatchString(r.Stdout) {
		t.Errorf("human: %s", r.Stdout)
	}
	// And what the kernel's file says (read last: reading it from this
	// process drops the registration).
	b, err := os.ReadFile("/dev/mqueue/e2e-show")
	if err != nil || !strings.Contains(string(b), fmt.Sprintf("NOTIFY_PID:%d", os.Getpid())) {
		t.Errorf("/dev/mqueue/e2e-show: %q %v", b, err)
	}

	for _, kind := range []string{"pshm", "psem", "mq"} {
		r := testutil.Run(t, "", "show", kind, "/e2e-show-none")
		if r.Code != 3 || !strings.Contains(r.Stderr, "ipcctl: show "+kind+" /e2e-show-none: ") {
			t.Errorf("show %s missing: exit %d %q, want 3", kind, r.Code, r.Stderr)
		}
		if r := testutil.Run(t, "", "show", kind, "e2e-show"); r.Code != 2 {
			t.Errorf("show %s without /: exit %d, want 2", kind, r.Code)
		}
	}
}

// As an ordinary user: root's objects in the sticky /dev/shm and
// /dev/mqueue cannot be removed or changed (exit 4); with several names
// the user's own still go and the refusal is named (exit 8).
func TestPosixAdminAsOrdinaryUser(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps only one uid (tests not started as root)")
	}
	asUser := asUser1000(t)
	createPosix(t, "pshm", "/e2e-root", "--size", "1K", "--mode", "0644")
	createPosix(t, "psem", "/e2e-root", "--mode", "0644")
	createPosix(t, "mq", "/e2e-root", "--mode", "0644")
	for _, kind := range []string{"pshm", "psem", "mq"} {
		t.Cleanup(func() { os.Remove(posixPath(kind, "/e2e-own")) })
		var extra []string
		if kind == "pshm" {
			extra = []string{"--size", "1"}
		}
		if r := asUser(append([]string{"create", kind, "/e2e-own"}, extra...)...); r.Code != 0 {
			t.Fatalf("create %s as uid 1000: exit %d %q", kind, r.Code, r.Stderr)
		}
		if st := lstat(t, posixPath(kind, "/e2e-own")); st.Uid != 1000 || st.Gid != 1000 {
			t.Errorf("%s made by uid 1000 is owned by %d:%d", kind, st.Uid, st.Gid)
		}
		root := posixPath(kind, "/e2e-root")
		before := lstat(t, root)
		if r := asUser("set", kind, "/e2e-root", "--mode", "0666"); r.Code != 4 {
			t.Errorf("set %s of root's as uid 1000: exit %d %q, want 4", kind, r.Code, r.Stderr)
		}
		if r := asUser("rm", kind, "/e2e-root"); r.Code != 4 {
			t.Errorf("rm %s of root's as uid 1000: exit %d %q, want 4", kind, r.Code, r.Stderr)
		}
		r := asUser("rm", kind, "/e2e-own", "/e2e-root")
		if r.Code != 8 || !strings.Contains(r.Stderr, "ipcctl: rm "+kind+" /e2e-root: ") || strings.Contains(r.Stderr, "/e2e-own") {
			t.Errorf("rm %s own and root's as uid 1000: exit %d %q, want 8 naming root's", kind, r.Code, r.Stderr)
		}
		if _, err := os.Lstat(posixPath(kind, "/e2e-own")); !os.IsNotExist(err) {
			t.Errorf("%s: the user's own object is still there", kind)
		}
		if after := lstat(t, root); after.Mode != before.Mode || after.Ino != before.Ino {
			t.Errorf("%s: root's object changed: mode %o -> %o", kind, before.Mode, after.Mode)
		}
	}
}

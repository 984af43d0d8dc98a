package rm

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/ipcrace"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// shmRows reads /proc/sysvipc/shm, the kernel's own list, by id: a path
// that does not go through ipcctl.
func shmRows(t *testing.T) map[int]map[string]string {
	t.Helper()
	b, err := os.ReadFile("/proc/sysvipc/shm")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Scan()
	head := strings.Fields(sc.Text())
	rows := map[int]map[string]string{}
	for sc.Scan() {
		row := map[string]string{}
		for i, v := range strings.Fields(sc.Text()) {
			if i < len(head) {
				row[head[i]] = v
			}
		}
		id, _ := strconv.Atoi(row["shmid"])
		rows[id] = row
	}
	return rows
}

// rmWithHook runs `ipcctl rm ARGV` in the test's namespace from a
// terminal that answers "y" to its question, with hook between its plan
// (the listing shown) and its removals; stderr is what follows the
// question.
func rmWithHook(t *testing.T, argv string, hook func()) (stderr string, err error) {
	t.Helper()
	ios, in, _, errOut := iostreams.Test()
	ios.SetStdinTTY(true)
	ios.SetStderrTTY(true)
	in.WriteString("y\n")
	f := &cmdutil.Factory{IOStreams: ios, FS: procfs.DefaultFS, Now: time.Now}
	cmd := NewCmdRm(f, func(o *Options) error {
		o.beforeRemove = hook
		return rmRun(o)
	})
	err = testutil.Execute(cmd, argv)
	_, after, asked := strings.Cut(errOut.String(), "[y/N] ")
	if !asked {
		t.Fatalf("rm %s asked nothing (%v): stderr %q", argv, err, errOut.String())
	}
	return after, err
}

// rm --all on a terminal lists, shows and asks, then removes each object
// only if it is still the one listed: the owner it was selected for
// (--owner), its key, its ctime and creator. Here a segment is replaced,
// between the answer and the removal, by one with the same id, creator
// and ctime (the same second, checked) that differs only by owner or only
// by key; rm must leave it.
func TestRmAllKeepsAnObjectReplacedAfterTheListing(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps only one uid: no uid 65534 to own the segments")
	}
	const nobody = 65534
	for _, tc := range []struct {
		name   string
		argv   string
		oldKey int32
		new    ipcrace.New
	}{
		// Same id and key, creator and second: only the owner tells them
		// apart, and only --owner asks for it.
		{"owner differs", "--all shm --owner 65534 -v", 0x72610001, ipcrace.New{Key: 0x72610001, UID: 0}},
		// No --owner: the key tells them apart.
		{"key differs", "--all shm -v", 0x72610002, ipcrace.New{Key: 0x72610003, UID: nobody}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// rm --all without --owner takes every segment here: make
			// sure they are all this test's.
			if rows := shmRows(t); len(rows) != 0 {
				t.Fatalf("segments this test did not make exist: %v", rows)
			}
			// The replacement must come in the second the old segment was
			// last changed, or ctime alone would tell them apart; a second
			// that ends in between is tried again.
			for attempt := 1; ; attempt++ {
				if sameSecond := raceOnce(t, tc.argv, tc.oldKey, tc.new); sameSecond || t.Failed() {
					return
				}
				if attempt == 5 {
					t.Fatal("the replacement never came in the same second as the listed segment")
				}
			}
		})
	}
}

// raceOnce makes a raced and a control segment owned by nobody, runs rm
// with a hook that replaces the raced one, and checks the outcome; it
// reports false, having checked nothing, when the replacement's ctime is
// not the listed one's.
func raceOnce(t *testing.T, argv string, oldKey int32, n ipcrace.New) (sameSecond bool) {
	t.Helper()
	c := ipc.New(procfs.DefaultFS)
	nobody := uint32(65534)
	var ids []int
	for _, key := range []int32{oldKey, 0} {
		id, err := c.ShmCreate(ipc.ShmCreateOptions{Key: key, Size: 4096, Mode: 0o600})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.ShmRemove(id) })
		if err := c.ShmSet(id, ipc.PermUpdate{UID: &nobody}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	raced, control := ids[0], ids[1]
	listed := shmRows(t)[raced]
	replaced := false
	stderr, err := rmWithHook(t, argv, func() { ipcrace.ReplaceSysV(t, ipc.KindShm, raced, n); replaced = true })
	if !replaced {
		t.Fatalf("rm %s never ran the hook between its listing and its removals (%v, stderr %q)", argv, err, stderr)
	}
	rows := shmRows(t)
	now, ok := rows[raced]
	if !ok {
		t.Fatalf("rm %s removed the segment that took id %d after the listing (stderr %q)", argv, raced, stderr)
	}
	if now["key"] != fmt.Sprint(n.Key) || now["uid"] != fmt.Sprint(n.UID) || now["cpid"] != listed["cpid"] {
		t.Fatalf("id %d is %v; want the replacement (key %d, uid %d, creator %s)", raced, now, n.Key, n.UID, listed["cpid"])
	}
	if now["ctime"] != listed["ctime"] {
		t.Logf("ctime %s, listed %s: another second; again", now["ctime"], listed["ctime"])
		c.ShmRemove(raced)
		c.ShmRemove(control)
		return false
	}
	// The replacement is no object rm selected: it is kept, and said to
	// be; the rest of the selection goes, and rm succeeds.
	if err != nil {
		t.Errorf("rm %s: %v (exit %d), want success", argv, err, cmdutil.ExitCode(err))
	}
	if _, ok := rows[control]; ok {
		t.Errorf("rm %s left the control segment %d", argv, control)
	}
	kept := fmt.Sprintf("kept shm %d: shm %d was replaced or changed since it was listed (", raced, raced)
	if removed := fmt.Sprintf("removed shm %d\n", control); !strings.HasPrefix(stderr, kept) || !strings.HasSuffix(stderr, removed) || strings.Count(stderr, "\n") != 2 {
		t.Errorf("rm %s said %q, want a line starting %q and %q", argv, stderr, kept, removed)
	}
	return true
}

// rm --all --yes shows nothing and asks nothing: it reads each object
// right before removing it, index by index as ipcrm -a does, and removes
// it only if what it read passes the filters. Here, once the walk has
// removed its first segment, a segment further on is replaced under the
// same id by one owned by root: `--owner 65534` must leave it, whatever
// was there when rm started. (A removal that went by an earlier listing
// would take it; so would one that skipped the check.)
func TestRmAllYesChecksEachObjectRightBeforeRemovingIt(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps only one uid: no uid 65534 to own the segments")
	}
	if rows := shmRows(t); len(rows) != 0 {
		t.Fatalf("segments this test did not make exist: %v", rows)
	}
	c := ipc.New(procfs.DefaultFS)
	nobody := uint32(65534)
	var ids []int // made in order: the walk meets them in this order
	for range 3 {
		id, err := c.ShmCreate(ipc.ShmCreateOptions{Size: 4096, Mode: 0o600})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.ShmRemove(id) })
		if err := c.ShmSet(id, ipc.PermUpdate{UID: &nobody}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	ios, _, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, FS: procfs.DefaultFS, Now: time.Now}
	var seen []string
	cmd := NewCmdRm(f, func(o *Options) error {
		o.beforeRemove = func() { t.Error("rm --yes ran a removal phase apart from its listing") }
		o.afterEach = func(k *kinds.Kind, tg kinds.Target) {
			seen = append(seen, k.String()+" "+tg.Label)
			if len(seen) == 1 {
				ipcrace.ReplaceSysV(t, ipc.KindShm, ids[2], ipcrace.New{UID: 0})
			}
		}
		return rmRun(o)
	})
	err := testutil.Execute(cmd, "--all shm --owner 65534 --yes -v")
	if err != nil {
		t.Fatalf("rm: %v (stderr %q)", err, errOut.String())
	}
	rows := shmRows(t)
	for _, id := range ids[:2] {
		if _, ok := rows[id]; ok {
			t.Errorf("rm left segment %d, owned by 65534", id)
		}
	}
	if now, ok := rows[ids[2]]; !ok || now["uid"] != "0" {
		t.Errorf("id %d is %v; want root's segment that took it after rm started, kept", ids[2], now)
	}
	if want := fmt.Sprintf("removed shm %d\nremoved shm %d\n", ids[0], ids[1]); errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
	if want := []string{fmt.Sprintf("shm %d", ids[0]), fmt.Sprintf("shm %d", ids[1])}; strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("removed %q, want %q", seen, want)
	}
}

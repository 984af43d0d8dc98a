package ipc

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// pruneScene builds, in the test's namespace, one object of each case
// the rules tell apart, made and held by child processes; it returns
// the ids of the segments by case, and a child kept alive to look at
// the namespace (its /proc/sysvipc and /dev/shm: the second path).
type pruneScene struct {
	shm      map[string]int
	observer *nschild.Child
}

func newPruneScene(t *testing.T) pruneScene {
	t.Helper()
	c := liveClient()
	sc := pruneScene{shm: map[string]int{}}
	made := func(name string, ch *nschild.Child, idx int) {
		id := ch.Last.IDs["shm"][idx]
		sc.shm[name] = id
		t.Cleanup(func() { c.ShmRemove(id) })
	}
	// Creators that exit: their segments' creator pid is gone.
	dead := nschild.Start(t, nschild.Spec{Do: []string{"shm 0 4096", "shm 0 4096", "shmat 1", "shmdt", "shm 0 4096", "shm 0 4096", "shm 0 4096"}})
	made("dead-never-attached", dead, 0)
	made("dead-detached", dead, 1)
	made("dead-attached-by-live", dead, 2)
	made("dead-last-pid-alive", dead, 3)
	made("dead-raced", dead, 4)
	dead.Exit(t)
	holder := nschild.Start(t, nschild.Spec{Do: []string{"shmatid " + strconv.Itoa(sc.shm["dead-attached-by-live"])}})
	toucher := nschild.Start(t, nschild.Spec{Do: []string{"shmatid " + strconv.Itoa(sc.shm["dead-last-pid-alive"]), "shmdt"}})
	// A creator alive but detached: not an orphan (PostgreSQL between
	// backends looks like this).
	alive := nschild.Start(t, nschild.Spec{Do: []string{"shm 0 4096", "shmat 0", "shmdt"}})
	made("alive-detached", alive, 0)
	_ = holder
	_ = toucher
	// POSIX objects: orphans, and held ones (mapped, descriptor).
	for _, n := range []string{"/orph", "/mapped", "/opened", "/raced", "/heldlater"} {
		must(c.PshmCreate(n, PshmCreateOptions{Size: 4096, Mode: 0o600}))
		t.Cleanup(func() { c.PshmRemove(n) })
	}
	for _, n := range []string{"/sorph", "/sheld"} {
		must(c.PsemCreate(n, PsemCreateOptions{Value: 1, Mode: 0o600}))
		t.Cleanup(func() { c.PsemRemove(n) })
	}
	for _, n := range []string{"/qorph", "/qheld"} {
		must(c.MqCreate(n, smallMq))
		t.Cleanup(func() { c.MqRemove(n) })
	}
	nschild.Start(t, nschild.Spec{Do: []string{"map mapped", "open opened", "map sem.sheld", "mq qheld"}})
	sc.observer = nschild.Start(t, nschild.Spec{})
	return sc
}

func candidateNames(p *PrunePlan) []string {
	var out []string
	for _, cnd := range p.Candidates {
		out = append(out, string(cnd.Kind)+" "+cnd.Object())
	}
	return out
}

// PrunePlan proposes exactly the orphans, with the reason.
func TestPrunePlan(t *testing.T) {
	nstest.Require(t)
	sc := newPruneScene(t)
	c := liveClient()
	plan := must(c.PrunePlan(PruneOptions{IgnoreUnreadable: true}))
	want := []string{
		fmt.Sprintf("shm %d", sc.shm["dead-never-attached"]),
		fmt.Sprintf("shm %d", sc.shm["dead-detached"]),
		fmt.Sprintf("shm %d", sc.shm["dead-raced"]),
		"pshm /heldlater", "pshm /orph", "pshm /raced", "psem /sorph", "mq /qorph",
	}
	slices.SortStableFunc(want[:3], func(a, b string) int {
		x, _ := strconv.Atoi(strings.Fields(a)[1])
		y, _ := strconv.Atoi(strings.Fields(b)[1])
		return x - y
	})
	if got := candidateNames(plan); !slices.Equal(got, want) {
		t.Errorf("candidates %v\nwant       %v", got, want)
	}
	for _, cnd := range plan.Candidates {
		switch {
		case cnd.ID == sc.shm["dead-never-attached"] && !strings.Contains(cnd.Reason, "never attached"),
			cnd.ID == sc.shm["dead-detached"] && !strings.Contains(cnd.Reason, "gone"),
			cnd.Kind.Posix() && !strings.Contains(cnd.Reason, "no process"):
			t.Errorf("%s %s: reason %q", cnd.Kind, cnd.Object(), cnd.Reason)
		}
	}
	// Filters: owner, age, kinds.
	must(0, os.Chown("/dev/shm/orph", 1000, 1000))
	uid := uint32(1000)
	if got := candidateNames(must(c.PrunePlan(PruneOptions{Owner: &uid, IgnoreUnreadable: true}))); !slices.Equal(got, []string{"pshm /orph"}) {
		t.Errorf("--owner 1000: %v", got)
	}
	if got := candidateNames(must(c.PrunePlan(PruneOptions{OlderThan: 24 * time.Hour, IgnoreUnreadable: true}))); len(got) != 0 {
		t.Errorf("nothing is a day old, yet: %v", got)
	}
	later := must(c.PrunePlan(PruneOptions{OlderThan: 24 * time.Hour, Now: time.Now().Add(48 * time.Hour), IgnoreUnreadable: true}))
	if got := candidateNames(later); len(got) != len(want) {
		t.Errorf("two days later: %v", got)
	}
	if got := candidateNames(must(c.PrunePlan(PruneOptions{Kinds: []Kind{KindMq}, IgnoreUnreadable: true}))); !slices.Equal(got, []string{"mq /qorph"}) {
		t.Errorf("mq only: %v", got)
	}
	if _, err := c.PrunePlan(PruneOptions{Kinds: []Kind{KindSem}}); !errors.Is(err, errclass.Usage) {
		t.Errorf("prune sem: %v", err)
	}
	// Processes outside the test's user namespace cannot be read: they
	// might hold a POSIX object, so none is proposed unless asked.
	held := must(c.PrunePlan(PruneOptions{}))
	if !held.POSIXHeldBack || len(held.Unreadable) == 0 {
		t.Fatalf("unreadable processes %d, held back %v", len(held.Unreadable), held.POSIXHeldBack)
	}
	for _, cnd := range held.Candidates {
		if cnd.Kind.Posix() {
			t.Errorf("POSIX %s proposed although processes are unreadable", cnd.Name)
		}
	}
}

// Prune removes what the plan says, and leaves what changed in between:
// an id or a name taken by a new object, a segment attached, a file that
// a process opened since.
func TestPruneRemovesOnlyTheSame(t *testing.T) {
	nstest.Require(t)
	sc := newPruneScene(t)
	c := liveClient()
	plan := must(c.PrunePlan(PruneOptions{IgnoreUnreadable: true}))
	// The race: between plan and removal, the raced segment is removed
	// and a new one takes its very id; /raced is replaced by a new file;
	// a process maps /heldlater; one attaches the detached orphan.
	raced := sc.shm["dead-raced"]
	must(0, c.ShmRemove(raced))
	must(0, os.WriteFile("/proc/sys/kernel/shm_next_id", []byte(strconv.Itoa(raced)), 0))
	newID := must(c.ShmCreate(ShmCreateOptions{Size: 4096, Mode: 0o600}))
	defer c.ShmRemove(newID)
	if newID != raced {
		t.Fatalf("the new segment got id %d, not the reused %d", newID, raced)
	}
	must(0, c.PshmRemove("/raced"))
	must(c.PshmCreate("/raced", PshmCreateOptions{Size: 1, Mode: 0o600}))
	nschild.Start(t, nschild.Spec{Do: []string{"map heldlater", "shmatid " + strconv.Itoa(sc.shm["dead-detached"])}})

	results := map[string]error{}
	if err := c.Prune(plan, func(p PruneCandidate, err error) { results[string(p.Kind)+" "+p.Object()] = err }); err != nil {
		t.Fatal(err)
	}
	for obj, err := range results {
		kept := obj == fmt.Sprintf("shm %d", raced) || obj == fmt.Sprintf("shm %d", sc.shm["dead-detached"]) ||
			obj == "pshm /raced" || obj == "pshm /heldlater"
		if kept != errors.Is(err, ErrChanged) || !kept && err != nil {
			t.Errorf("%s: %v (kept %v)", obj, err, kept)
		}
	}
	// What the namespace shows now, through a child's eyes.
	rep := sc.observer.Do(t)
	ids := map[string]bool{}
	for _, r := range sysvRows(t, rep.SysvIPC["shm"]) {
		ids[r["shmid"]] = true
	}
	for name, id := range sc.shm {
		gone := name == "dead-never-attached"
		if ids[strconv.Itoa(id)] == gone {
			t.Errorf("segment %s (%d): present %v", name, id, ids[strconv.Itoa(id)])
		}
	}
	for _, f := range []struct {
		file string
		gone bool
	}{{"orph", true}, {"sem.sorph", true}, {"raced", false}, {"heldlater", false}, {"mapped", false}, {"opened", false}, {"sem.sheld", false}} {
		if slices.Contains(rep.DevShm, f.file) == f.gone {
			t.Errorf("/dev/shm/%s: gone %v, want %v (%v)", f.file, !f.gone, f.gone, rep.DevShm)
		}
	}
	if slices.Contains(rep.Mqueue, "qorph") || !slices.Contains(rep.Mqueue, "qheld") {
		t.Errorf("queues now %v", rep.Mqueue)
	}
	if st := must(os.Stat("/dev/shm/raced")); st.Size() != 1 {
		t.Errorf("the new /raced was touched: size %d", st.Size())
	}
}

// Prune through a namespaced client works on the container's objects.
func TestPruneInNamespace(t *testing.T) {
	nstest.Require(t)
	ct := nschild.Start(t, nschild.Spec{Container: true, Do: []string{"shm 0 4096", "pshm orph 1", "pshm held 1", "map held", "mq q"}})
	// Our own orphan of the same name must survive.
	own := liveClient()
	must(own.PshmCreate("/orph", PshmCreateOptions{Size: 1, Mode: 0o600}))
	defer own.PshmRemove("/orph")
	c := must(NewNS(procfs.DefaultFS, strconv.Itoa(ct.PID)))
	defer c.Close()
	plan := must(c.PrunePlan(PruneOptions{IgnoreUnreadable: true}))
	// The container's creator is alive: its segment stays; its queue is
	// held by its descriptor.
	if got := candidateNames(plan); !slices.Equal(got, []string{"pshm /orph"}) {
		t.Fatalf("candidates %v", got)
	}
	must(0, c.Prune(plan, func(p PruneCandidate, err error) {
		if err != nil {
			t.Error(err)
		}
	}))
	rep := ct.Do(t)
	if slices.Contains(rep.DevShm, "orph") || !slices.Contains(rep.DevShm, "held") {
		t.Errorf("the container's /dev/shm: %v", rep.DevShm)
	}
	if _, err := os.Stat("/dev/shm/orph"); err != nil {
		t.Errorf("our own /orph went: %v", err)
	}
}

// The System V rule, case by case, on made-up segments and processes.
func TestShmOrphanRule(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	procs := &Procs{alive: map[int]bool{100: true, 200: true}}
	old := now.Add(-72 * time.Hour)
	base := Shm{Perm: Perm{ID: 5, UID: 1000}, CPID: 300, LPID: 400, CTime: old, ATime: old, DTime: old}
	uid0 := uint32(0)
	for _, tc := range []struct {
		name   string
		change func(*Shm)
		opts   PruneOptions
		orphan bool
	}{
		{"creator and last pid gone", func(*Shm) {}, PruneOptions{}, true},
		{"attached", func(s *Shm) { s.Nattch = 1 }, PruneOptions{}, false},
		{"marked for removal", func(s *Shm) { s.Mode |= 0o1000 }, PruneOptions{}, false},
		{"creator alive", func(s *Shm) { s.CPID = 100 }, PruneOptions{}, false},
		{"last pid alive", func(s *Shm) { s.LPID = 200 }, PruneOptions{}, false},
		{"creator invisible (pid 0)", func(s *Shm) { s.CPID = 0 }, PruneOptions{}, false},
		{"last pid invisible (pid 0) after an attach", func(s *Shm) { s.LPID = 0 }, PruneOptions{}, false},
		{"never attached: no last pid", func(s *Shm) { s.LPID, s.ATime, s.DTime = 0, time.Time{}, time.Time{} }, PruneOptions{}, true},
		{"older than 2d", func(*Shm) {}, PruneOptions{OlderThan: 48 * time.Hour}, true},
		{"not older than 4d", func(*Shm) {}, PruneOptions{OlderThan: 96 * time.Hour}, false},
		{"used recently (dtime)", func(s *Shm) { s.DTime = now.Add(-time.Hour) }, PruneOptions{OlderThan: 48 * time.Hour}, false},
		{"another owner", func(*Shm) {}, PruneOptions{Owner: &uid0}, false},
	} {
		s := base
		tc.change(&s)
		tc.opts.Now = now
		if _, got := shmOrphan(s, procs, tc.opts); got != tc.orphan {
			t.Errorf("%s: orphan %v, want %v", tc.name, got, tc.orphan)
		}
	}
}

// Reading a queue's file (as listing does, for QSIZE) sets its ctime: a
// queue is the same queue by device and inode, whatever its ctime.
func TestPruneQueueReadSince(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	must(c.MqCreate("/readsince", smallMq))
	defer c.MqRemove("/readsince")
	plan := must(c.PrunePlan(PruneOptions{Kinds: []Kind{KindMq}, IgnoreUnreadable: true}))
	if got := candidateNames(plan); !slices.Equal(got, []string{"mq /readsince"}) {
		t.Fatalf("candidates %v", got)
	}
	listed := plan.Candidates[0].file.CTime
	eventually(t, "the queue's ctime to move on", func() bool {
		os.ReadFile("/dev/mqueue/readsince")
		fi := must(os.Stat("/dev/mqueue/readsince"))
		st := fi.Sys().(*syscall.Stat_t)
		return !time.Unix(st.Ctim.Unix()).Equal(listed)
	})
	must(0, c.Prune(plan, func(p PruneCandidate, err error) {
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}))
	if _, err := os.Stat("/dev/mqueue/readsince"); err == nil {
		t.Error("the queue is still there")
	}
}

// prune --owner re-checks the owner right before the removal: a queue
// (whose ctime is no identity, it moves with every message) chowned to
// another user after the plan is kept.
func TestPruneKeepsWhatChangedOwner(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	must(c.MqCreate("/qowner", MqCreateOptions{Mode: 0o600}))
	t.Cleanup(func() { c.MqRemove("/qowner") })
	root := uint32(0)
	plan := must(c.PrunePlan(PruneOptions{Kinds: []Kind{KindMq}, Owner: &root, IgnoreUnreadable: true}))
	if got := candidateNames(plan); !slices.Equal(got, []string{"mq /qowner"}) {
		t.Fatalf("plan: %v", got)
	}
	if err := os.Chown("/dev/mqueue/qowner", 65534, 65534); err != nil {
		t.Fatal(err)
	}
	var got error
	if err := c.Prune(plan, func(_ PruneCandidate, err error) { got = err }); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(got, ErrChanged) || !strings.Contains(got.Error(), "owner 65534, listed 0") {
		t.Errorf("prune of a queue chowned away: %v", got)
	}
	if _, err := os.Stat("/dev/mqueue/qowner"); err != nil {
		t.Errorf("the queue was removed: %v", err)
	}
}

// Listing reads a semaphore (pread sets its atime) and a queue's file
// (mqueue_read_file sets its atime and ctime): an object unused for long
// and listed since is still old to the age rule.
func TestPruneOldObjectListedSince(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	must(c.PsemCreate("/oldsem", PsemCreateOptions{Value: 1, Mode: 0o600}))
	t.Cleanup(func() { c.PsemRemove("/oldsem") })
	must(c.MqCreate("/oldq", smallMq))
	t.Cleanup(func() { c.MqRemove("/oldq") })
	files := []string{"/dev/shm/sem.oldsem", "/dev/mqueue/oldq"}
	past := time.Now().Add(-48 * time.Hour)
	ts := []unix.Timespec{unix.NsecToTimespec(past.UnixNano()), unix.NsecToTimespec(past.UnixNano())}
	var changed time.Time // the newest ctime utimensat left: set to now
	for _, f := range files {
		must(0, unix.UtimesNanoAt(unix.AT_FDCWD, f, ts, unix.AT_SYMLINK_NOFOLLOW))
		var st unix.Stat_t
		must(0, unix.Stat(f, &st))
		if ct := time.Unix(st.Ctim.Unix()); ct.After(changed) {
			changed = ct
		}
	}
	// Unused for an hour as of a present just after that change, then
	// listed in a later second (mqueue times are whole seconds, and the
	// kernel's clock runs a tick behind).
	opts := PruneOptions{Kinds: []Kind{KindPsem, KindMq}, OlderThan: time.Hour,
		Now: changed.Add(time.Hour + time.Millisecond), IgnoreUnreadable: true}
	time.Sleep(time.Until(changed.Add(time.Millisecond).Truncate(time.Second).Add(time.Second + 50*time.Millisecond)))
	must(c.PsemList())
	must(c.MqList())
	for _, f := range files { // the second path: the listing did move the times
		var st unix.Stat_t
		must(0, unix.Stat(f, &st))
		if at := time.Unix(st.Atim.Unix()); !at.After(opts.Now.Add(-opts.OlderThan)) {
			t.Fatalf("%s: atime %v after listing: the listing did not read it", f, at)
		}
	}
	want := []string{"psem /oldsem", "mq /oldq"}
	if got := candidateNames(must(c.PrunePlan(opts))); !slices.Equal(got, want) {
		t.Errorf("after listing: candidates %v, want %v", got, want)
	}
}

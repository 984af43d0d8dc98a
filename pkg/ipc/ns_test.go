package ipc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

func init() {
	// newns TARGET, run in a child (as another user): prints the class
	// of NewNS's error.
	nschild.Register("newns", func(args []string) int {
		c, err := NewNS(procfs.DefaultFS, args[0])
		if err == nil {
			c.Close()
		}
		fmt.Println(errClassName(err))
		return 0
	})
}

func errClassName(err error) string {
	for _, c := range []struct {
		name  string
		class *errclass.Class
	}{{"permission", errclass.Permission}, {"notfound", errclass.NotFound}, {"usage", errclass.Usage}, {"unsupported", errclass.Unsupported}} {
		if errors.Is(err, c.class) {
			return c.name
		}
	}
	if err == nil {
		return "ok"
	}
	return "other: " + err.Error()
}

// sysvRows parses /proc/sysvipc text by header name: the test's own
// reading of what a child reports, independent of package procfs.
func sysvRows(t *testing.T, text string) []map[string]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	head := strings.Fields(lines[0])
	var out []map[string]string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != len(head) {
			t.Fatalf("sysvipc row %q has %d fields, header %d", l, len(f), len(head))
		}
		row := map[string]string{}
		for i, h := range head {
			row[h] = f[i]
		}
		out = append(out, row)
	}
	return out
}

// sysvIDs lists "id key" of what a child's /proc/sysvipc file shows.
func sysvIDs(t *testing.T, text, idCol string) []string {
	var out []string
	for _, r := range sysvRows(t, text) {
		k, _ := strconv.ParseInt(r["key"], 10, 64)
		out = append(out, r[idCol]+" "+fmt.Sprintf("0x%08x", uint32(k)))
	}
	slices.Sort(out)
	return out
}

func idKeys[T any](list []T, perm func(T) Perm) []string {
	var out []string
	for _, o := range list {
		p := perm(o)
		out = append(out, fmt.Sprintf("%d 0x%08x", p.ID, uint32(p.Key)))
	}
	slices.Sort(out)
	return out
}

func posixNames[T any](list []T, file func(T) PosixFile) []string {
	out := []string{}
	for _, o := range list {
		out = append(out, file(o).Name)
	}
	slices.Sort(out)
	return out
}

// must returns v, and panics on an error: for set-up steps whose failure
// leaves nothing to test (the panic names the call in its stack).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// startContainer starts a "container" with one object of each kind, and
// the same key and names in the test's own namespace, so that mixing the
// two would show.
func startContainer(t *testing.T) *nschild.Child {
	t.Helper()
	ct := nschild.Start(t, nschild.Spec{
		Container: true,
		ShmSize:   "3m",
		Sysctls:   map[string]string{"kernel/shmmni": "1234", "kernel/msgmnb": "33333", "fs/mqueue/queues_max": "77"},
		Do:        []string{"shm 0x1234 4096", "shm 0x4321 8192", "sem 0x5678 3", "msg 0x9abc", "pshm data 8192", "psem lock 1", "mq q1"},
	})
	own := liveClient()
	id := must(own.ShmCreate(ShmCreateOptions{Key: 0x1234, Size: 100, Mode: 0o600}))
	t.Cleanup(func() { own.ShmRemove(id) })
	must(own.PshmCreate("/data", PshmCreateOptions{Size: 100, Mode: 0o600}))
	t.Cleanup(func() { own.PshmRemove("/data") })
	must(own.MqCreate("/q1", smallMq))
	t.Cleanup(func() { own.MqRemove("/q1") })
	q := must(own.MqOpen("/q1", unix.O_WRONLY))
	defer q.Close()
	if err := q.Send([]byte("ours, not the container's"), 1, NoWait); err != nil {
		t.Fatal(err)
	}
	must(own.MqCreate("/ours", smallMq))
	t.Cleanup(func() { own.MqRemove("/ours") })
	return ct
}

// A client of the container's namespace shows exactly what the container
// itself sees (its /proc/sysvipc, /dev/shm, /dev/mqueue), none of ours,
// and the container's limits and /dev/shm size.
func TestNSClientSeesTheContainer(t *testing.T) {
	nstest.Require(t)
	ct := startContainer(t)
	c, err := NewNS(procfs.DefaultFS, strconv.Itoa(ct.PID))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	info, ok := c.Namespace()
	wantIno := must(procfs.DefaultFS.NamespaceInodePID(ct.PID, "ipc"))
	if !ok || info.PID != ct.PID || info.Inode != wantIno || info.POSIXError != nil {
		t.Errorf("Namespace() = %+v, %v; want pid %d inode %d", info, ok, ct.PID, wantIno)
	}
	rep := ct.Last
	shm := must(c.ShmList())
	if got, want := idKeys(shm, func(s Shm) Perm { return s.Perm }), sysvIDs(t, rep.SysvIPC["shm"], "shmid"); !slices.Equal(got, want) || len(got) != 2 {
		t.Errorf("ShmList %v, the container sees %v", got, want)
	}
	sem := must(c.SemList())
	if got, want := idKeys(sem, func(s Sem) Perm { return s.Perm }), sysvIDs(t, rep.SysvIPC["sem"], "semid"); !slices.Equal(got, want) || len(got) != 1 {
		t.Errorf("SemList %v, the container sees %v", got, want)
	}
	msg := must(c.MsgList())
	if got, want := idKeys(msg, func(m Msg) Perm { return m.Perm }), sysvIDs(t, rep.SysvIPC["msg"], "msqid"); !slices.Equal(got, want) || len(got) != 1 {
		t.Errorf("MsgList %v, the container sees %v", got, want)
	}
	pshm := must(c.PshmList())
	if got := posixNames(pshm, func(p Pshm) PosixFile { return p.PosixFile }); !slices.Equal(got, []string{"/data"}) || pshm[0].Size != 8192 {
		t.Errorf("PshmList %v (%+v), the container's /dev/shm has %v", got, pshm, rep.DevShm)
	}
	psem := must(c.PsemList())
	if len(psem) != 1 || psem[0].Name != "/lock" || psem[0].Status != PsemOK || *psem[0].Value != 1 {
		t.Errorf("PsemList %+v, the container's /dev/shm has %v", psem, rep.DevShm)
	}
	mq := must(c.MqList())
	if got := posixNames(mq, func(q Mq) PosixFile { return q.PosixFile }); !slices.Equal(got, []string{"/q1"}) || !slices.Equal(rep.Mqueue, []string{"q1"}) {
		t.Errorf("MqList %v, the container's /dev/mqueue has %v", got, rep.Mqueue)
	}
	// Ours of the same name holds a message; the container's is empty.
	if mq[0].CurMsgs == nil || *mq[0].CurMsgs != 0 || mq[0].Status == nil || mq[0].Status.QSize != 0 {
		t.Errorf("the container's empty /q1 shows %+v (status %+v): read from our queue of that name?", mq[0], mq[0].Status)
	}
	limits := map[string]*uint64{}
	for _, l := range must(c.Limits()) {
		limits[l.Name] = l.Max
	}
	for name, want := range map[string]uint64{"SHMMNI": 1234, "MSGMNB": 33333, "QUEUES_MAX": 77, "DEVSHM_BYTES": 3 << 20} {
		if got := limits[name]; got == nil || *got != want {
			t.Errorf("limit %s = %v, the container set %d", name, got, want)
		}
	}
	// Our own client sees none of the container's objects: only ours.
	own := liveClient()
	for _, s := range must(own.ShmList()) {
		if s.Key == 0x4321 {
			t.Errorf("our namespace shows the container's segment %+v", s)
		}
	}
	ownMq := posixNames(must(own.MqList()), func(q Mq) PosixFile { return q.PosixFile })
	if !slices.Contains(ownMq, "/ours") || len(must(c.MqStat("/q1")).Name) == 0 {
		t.Errorf("own queues %v", ownMq)
	}
	if _, err := c.MqStat("/ours"); !errors.Is(err, ErrNotFound) {
		t.Errorf("MqStat of a queue of ours through the container: %v, want ErrNotFound", err)
	}
}

// Changes made through the namespaced client land in the container, as
// the container sees it, and not in our namespace.
func TestNSClientChangesTheContainer(t *testing.T) {
	nstest.Require(t)
	ct := startContainer(t)
	c := must(NewNS(procfs.DefaultFS, "/proc/"+strconv.Itoa(ct.PID)+"/ns/ipc"))
	defer c.Close()
	shmID := ct.Last.IDs["shm"][0]
	a := must(c.ShmAttach(shmID, ShmAttachOptions{}))
	rep := ct.Do(t)
	for _, r := range sysvRows(t, rep.SysvIPC["shm"]) {
		if r["shmid"] == strconv.Itoa(shmID) && r["nattch"] != "1" {
			t.Errorf("after ShmAttach through the client the container sees nattch %s", r["nattch"])
		}
	}
	copy(a.Bytes(), "hello")
	if err := a.Detach(); err != nil {
		t.Fatal(err)
	}
	newID := must(c.ShmCreate(ShmCreateOptions{Key: 0x7777, Size: 4096, Mode: 0o600}))
	must(c.MqCreate("/made", smallMq))
	must(c.PshmCreate("/made", PshmCreateOptions{Size: 10, Mode: 0o600}))
	must(c.PsemCreate("/made", PsemCreateOptions{Value: 2, Mode: 0o600}))
	rep = ct.Do(t)
	if !slices.Contains(sysvIDs(t, rep.SysvIPC["shm"], "shmid"), fmt.Sprintf("%d 0x%08x", newID, 0x7777)) {
		t.Errorf("the container does not see segment %d: %s", newID, rep.SysvIPC["shm"])
	}
	if !slices.Contains(rep.Mqueue, "made") || !slices.Contains(rep.DevShm, "made") || !slices.Contains(rep.DevShm, "sem.made") {
		t.Errorf("the container sees mqueue %v, /dev/shm %v", rep.Mqueue, rep.DevShm)
	}
	for _, p := range []string{"/dev/mqueue/made", "/dev/shm/made", "/dev/shm/sem.made"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s appeared in our namespace", p)
		}
	}
	if _, err := liveClient().ShmStat(newID); !errors.Is(err, ErrNotFound) {
		t.Errorf("our namespace has segment %d: %v", newID, err)
	}
	// A blocking call holds one namespace thread; others keep working.
	qid := ct.Last.IDs["msg"][0]
	got := make(chan Message, 1)
	go func() {
		m, err := c.MsgReceive(qid, 100, 0, 0, 30*time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- m
	}()
	time.Sleep(50 * time.Millisecond)
	if _, err := c.SemList(); err != nil {
		t.Fatal(err)
	}
	if err := c.MsgSend(qid, 3, []byte("to the container"), 0); err != nil {
		t.Fatal(err)
	}
	if m := <-got; m.Type != 3 || string(m.Body) != "to the container" {
		t.Errorf("received %+v", m)
	}
	for _, rm := range []error{c.ShmRemove(newID), c.MqRemove("/made"), c.PshmRemove("/made"), c.PsemRemove("/made")} {
		if rm != nil {
			t.Error(rm)
		}
	}
	rep = ct.Do(t)
	if slices.Contains(rep.Mqueue, "made") || slices.Contains(rep.DevShm, "made") {
		t.Errorf("not removed: %v %v", rep.Mqueue, rep.DevShm)
	}
}

// The namespace threads are never handed back: while the client is open
// no other goroutine runs in the container's namespace, the process (its
// main thread) stays in ours, and after Close no thread is left there.
func TestNSThreadsStayApart(t *testing.T) {
	nstest.Require(t)
	ct := nschild.Start(t, nschild.Spec{Container: true})
	own := must(os.Readlink("/proc/self/ns/ipc"))
	target := ct.Last.IPCNS
	if own == target {
		t.Fatal("the container shares our IPC namespace")
	}
	c := must(NewNS(procfs.DefaultFS, strconv.Itoa(ct.PID)))
	var wg sync.WaitGroup
	for range 8 { // several threads: concurrent blocking calls
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.MsgReceive(1<<20, 10, 0, MsgNoWait, 0)
			c.ShmList()
		}()
	}
	wg.Wait()
	if n := tasksIn(t, target); n == 0 {
		t.Error("no thread of ours is in the container's namespace while the client is open")
	}
	var mu sync.Mutex
	seen := map[string]int{}
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, _ := os.Readlink("/proc/thread-self/ns/ipc")
			mu.Lock()
			seen[l]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if seen[target] != 0 || seen[own] != 200 {
		t.Errorf("goroutines ran in namespaces %v; want all 200 in ours (%s)", seen, own)
	}
	c.Close()
	if _, err := c.ShmList(); err == nil {
		t.Error("ShmList after Close succeeded")
	}
	eventually(t, "the namespace threads to end", func() bool { return tasksIn(t, target) == 0 })
	if l := must(os.Readlink("/proc/self/ns/ipc")); l != own {
		t.Errorf("the process moved to %s", l)
	}
}

// A worker that lands on the main thread hands over to another thread
// and leaves the main thread where it was.
func TestNSWorkerLeavesMainThread(t *testing.T) {
	nstest.Require(t)
	ct := nschild.Start(t, nschild.Spec{Container: true})
	own := must(os.Readlink("/proc/self/ns/ipc"))
	// The first thread a worker lands on plays the main thread from then on.
	var mu sync.Mutex
	fakeMain, landings := 0, 0
	saved := onMainThread
	defer func() { onMainThread = saved }()
	onMainThread = func() bool {
		mu.Lock()
		defer mu.Unlock()
		tid := unix.Gettid()
		if fakeMain == 0 {
			fakeMain = tid
		}
		if tid == fakeMain {
			landings++
		}
		return tid == fakeMain || saved() // the real main thread stays protected
	}
	c := must(NewNS(procfs.DefaultFS, strconv.Itoa(ct.PID)))
	defer c.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); c.MsgReceive(1<<20, 10, 0, MsgNoWait, 0) }()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if landings == 0 {
		t.Fatal("no worker landed on the thread playing the main one")
	}
	l, err := os.Readlink(fmt.Sprintf("/proc/self/task/%d/ns/ipc", fakeMain))
	if err == nil && l != own {
		t.Errorf("thread %d, playing the main thread, moved to %s", fakeMain, l)
	}
	if tasksIn(t, ct.Last.IPCNS) == 0 {
		t.Error("no worker thread in the container's namespace")
	}
}

// tasksIn counts this process's threads in IPC namespace link.
func tasksIn(t *testing.T, link string) int {
	tasks, _ := filepath.Glob("/proc/self/task/*/ns/ipc")
	n := 0
	for _, p := range tasks {
		if l, err := os.Readlink(p); err == nil && l == link {
			n++
		}
	}
	return n
}

// A bind-mounted namespace file names no process: NewNS finds one in the
// namespace while there is one; without, System V objects and queues
// still show, and POSIX shared memory is refused with the reason.
func TestNSBindMountedFile(t *testing.T) {
	nstest.Require(t)
	ct := startContainer(t)
	file := filepath.Join(t.TempDir(), "ipcns")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(fmt.Sprintf("/proc/%d/ns/ipc", ct.PID), file, "", unix.MS_BIND, ""); err != nil {
		t.Skipf("bind-mount a namespace file: %v", err)
	}
	defer unix.Unmount(file, unix.MNT_DETACH)
	c := must(NewNS(procfs.DefaultFS, file))
	if info, _ := c.Namespace(); info.PID != ct.PID || info.POSIXError != nil {
		t.Errorf("with the container alive: %+v, want pid %d", info, ct.PID)
	}
	if got := posixNames(must(c.PshmList()), func(p Pshm) PosixFile { return p.PosixFile }); !slices.Equal(got, []string{"/data"}) {
		t.Errorf("PshmList %v", got)
	}
	c.Close()
	wantShm := sysvIDs(t, ct.Last.SysvIPC["shm"], "shmid")
	ct.Exit(t) // the namespace lives on in the bind mount, with its objects
	c = must(NewNS(procfs.DefaultFS, file))
	defer c.Close()
	info, _ := c.Namespace()
	if info.PID != 0 || !errors.Is(info.POSIXError, ErrUnsupported) {
		t.Errorf("no process left: %+v", info)
	}
	if got := idKeys(must(c.ShmList()), func(s Shm) Perm { return s.Perm }); !slices.Equal(got, wantShm) {
		t.Errorf("ShmList %v, want %v", got, wantShm)
	}
	if got := posixNames(must(c.MqList()), func(q Mq) PosixFile { return q.PosixFile }); !slices.Equal(got, []string{"/q1"}) {
		t.Errorf("MqList through a detached mqueue mount: %v", got)
	}
	for name, err := range map[string]error{
		"PshmList": second(c.PshmList()), "PsemList": second(c.PsemList()), "PshmStat": second(c.PshmStat("/data")),
		"PshmRemove": c.PshmRemove("/data"), "PsemCreate": second(c.PsemCreate("/x", PsemCreateOptions{})),
	} {
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(fmt.Sprint(err), "no process lives in IPC namespace") {
			t.Errorf("%s without a mount namespace: %v", name, err)
		}
	}
	if _, err := c.DevShm(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DevShm: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// What NewNS refuses, and with which class.
func TestNSRefusals(t *testing.T) {
	nstest.Require(t)
	gone := nschild.Start(t, nschild.Spec{})
	gone.Exit(t)
	plain := filepath.Join(t.TempDir(), "plain")
	os.WriteFile(plain, nil, 0o600)
	for _, tc := range []struct {
		target string
		class  string
	}{
		{strconv.Itoa(gone.PID), "notfound"},
		{"/proc/" + strconv.Itoa(gone.PID) + "/ns/ipc", "notfound"},
		{"999999999", "notfound"},
		{"/no/such/file", "notfound"},
		{plain, "usage"},
		{"/proc/self/ns/uts", "usage"},
		{"/proc/self/ns/mnt", "usage"},
		{"/proc/self", "usage"},
		{"0", "notfound"},
	} {
		c, err := NewNS(procfs.DefaultFS, tc.target)
		if err == nil {
			c.Close()
		}
		if got := errClassName(err); got != tc.class {
			t.Errorf("NewNS(%q): %s (%v), want %s", tc.target, got, err, tc.class)
		}
	}
	// Our own namespace needs no thread and no privilege.
	c := must(NewNS(procfs.DefaultFS, strconv.Itoa(os.Getpid())))
	defer c.Close()
	if !c.ns.own || c.ns.workers != nil {
		t.Error("a client of our own namespace moved threads")
	}
	must(c.ShmList())
}

// An ordinary user cannot enter root's namespaces: Permission (exit 4).
func TestNSUnprivileged(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the test namespace maps no ordinary uid")
	}
	ct := nschild.Start(t, nschild.Spec{Container: true})
	uid := uint32(1000)
	for _, target := range []string{strconv.Itoa(os.Getpid()), strconv.Itoa(ct.PID), fmt.Sprintf("/proc/%d/ns/ipc", ct.PID)} {
		out, code := nschild.Run(t, "newns", &uid, target)
		if code != 0 || strings.TrimSpace(out) != "permission" {
			t.Errorf("NewNS(%s) as uid 1000: %q (exit %d), want permission", target, out, code)
		}
	}
	// As uid 1000, its own process in its own namespace: fine.
	me := nschild.Start(t, nschild.Spec{UID: &uid})
	if out, _ := nschild.Run(t, "newns", &uid, strconv.Itoa(me.PID)); strings.TrimSpace(out) != "ok" {
		t.Errorf("uid 1000 on its own process: %q", out)
	}
}

// smallMq makes queues that cost little of RLIMIT_MSGQUEUE: that limit
// (800 KiB by default, about 9 queues of the default size) is charged to
// the uid, through every user namespace, to the host's, where every test
// process running as root shares it.
var smallMq = MqCreateOptions{MaxMsg: 2, MsgSize: 128, Mode: 0o600}

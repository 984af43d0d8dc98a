package ipc

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// holderSummary renders holders as "PID:how:maps:fds" for comparison.
func holderSummary(hs []Holder) []string {
	var out []string
	for _, h := range hs {
		fds := make([]string, len(h.FDs))
		for i, fd := range h.FDs {
			fds[i] = strconv.Itoa(fd)
		}
		out = append(out, fmt.Sprintf("%d:%s:%d:%s", h.PID, h.How(), h.Maps, strings.Join(fds, ",")))
	}
	slices.Sort(out)
	return out
}

// Processes the test starts attach, map and hold descriptors on objects;
// ScanHolders names exactly those processes, each with how it holds the
// object, as each child says itself (its descriptors) and as the kernel
// counts (nattch). Objects of another namespace with the same id or name
// are told apart.
func TestHolders(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	shmID := must(c.ShmCreate(ShmCreateOptions{Size: 8192, Mode: 0o600}))
	defer c.ShmRemove(shmID)
	idle := must(c.ShmCreate(ShmCreateOptions{Size: 4096, Mode: 0o600}))
	defer c.ShmRemove(idle)
	must(c.PshmCreate("/hold", PshmCreateOptions{Size: 4096, Mode: 0o600}))
	defer c.PshmRemove("/hold")
	must(c.PsemCreate("/hsem", PsemCreateOptions{Value: 1, Mode: 0o600}))
	defer c.PsemRemove("/hsem")
	must(c.MqCreate("/hq", smallMq))
	defer c.MqRemove("/hq")
	must(c.PshmCreate("/unheld", PshmCreateOptions{Size: 1, Mode: 0o600}))
	defer c.PshmRemove("/unheld")

	id := strconv.Itoa(shmID)
	h1 := nschild.Start(t, nschild.Spec{Do: []string{"shmatid " + id, "shmatid " + id, "map hold"}})
	h2 := nschild.Start(t, nschild.Spec{Do: []string{"open hold", "mq hq", "map sem.hsem", "shmatid " + id}})
	h3 := nschild.Start(t, nschild.Spec{Do: []string{"open hold", "map hold", "open sem.hsem"}})
	// A container with a segment of the very same id and a /dev/shm/hold
	// of its own, both held: not holders of ours.
	other := nschild.Start(t, nschild.Spec{Container: true, Sysctls: map[string]string{"kernel/shm_next_id": id},
		Do: []string{"shm 0x99 4096", "shmat 0", "pshm hold 4096", "map hold", "open hold", "mq hq"}})
	if got := other.Last.IDs["shm"][0]; got != shmID {
		t.Fatalf("the container's segment got id %d, not %d", got, shmID)
	}

	list := func() ([]Pshm, []Psem, []Mq) {
		return must(c.PshmList()), must(c.PsemList()), must(c.MqList())
	}
	pshm, psem, mq := list()
	var files []PosixFile
	for _, p := range pshm {
		files = append(files, p.PosixFile)
	}
	for _, p := range psem {
		files = append(files, p.PosixFile)
	}
	for _, q := range mq {
		files = append(files, q.PosixFile)
	}
	h := must(c.ScanHolders(HolderQuery{Shm: []int{shmID, idle}, Files: files}))
	byName := map[string]PosixFile{}
	for _, f := range files {
		byName[f.Name] = f
	}
	fd := func(c *nschild.Child, name string) string { return strconv.Itoa(c.Last.FDs[name]) }
	for _, tc := range []struct {
		what string
		got  []Holder
		want []string
	}{
		{"shm", h.Shm(shmID), []string{fmt.Sprintf("%d:mapped:2:", h1.PID), fmt.Sprintf("%d:mapped:1:", h2.PID)}},
		{"idle shm", h.Shm(idle), nil},
		{"/hold", h.File(byName["/hold"]), []string{
			fmt.Sprintf("%d:mapped:1:", h1.PID), fmt.Sprintf("%d:fd:0:%s", h2.PID, fd(h2, "hold")),
			fmt.Sprintf("%d:mapped,fd:1:%s", h3.PID, fd(h3, "hold"))}},
		{"psem /hsem", h.File(byName["/hsem"]), []string{
			fmt.Sprintf("%d:mapped:1:", h2.PID), fmt.Sprintf("%d:fd:0:%s", h3.PID, fd(h3, "sem.hsem"))}},
		{"mq /hq", h.File(byName["/hq"]), []string{fmt.Sprintf("%d:fd:0:%s", h2.PID, fd(h2, "mq:hq"))}},
		{"/unheld", h.File(byName["/unheld"]), nil},
	} {
		if got := holderSummary(tc.got); !slices.Equal(got, tc.want) {
			t.Errorf("holders of %s: %v, want %v", tc.what, got, tc.want)
		}
	}
	// The kernel's count agrees with the mappings found.
	seg := must(c.ShmStat(shmID))
	maps := 0
	for _, hd := range h.Shm(shmID) {
		maps += hd.Maps
		if !strings.Contains(hd.Command, filepath.Base(os.Args[0])) {
			t.Errorf("holder %d: command %q", hd.PID, hd.Command)
		}
	}
	if uint64(maps) != seg.Nattch {
		t.Errorf("mappings found %d, nattch %d", maps, seg.Nattch)
	}
	// A holder that exits holds nothing any more.
	h2.Exit(t)
	h = must(c.ScanHolders(HolderQuery{Shm: []int{shmID}, Files: files}))
	if got := holderSummary(h.Shm(shmID)); !slices.Equal(got, []string{fmt.Sprintf("%d:mapped:2:", h1.PID)}) {
		t.Errorf("after a holder exited: %v", got)
	}
	if got := h.File(byName["/hq"]); len(got) != 0 {
		t.Errorf("the queue is still held by %v", holderSummary(got))
	}
	if !h.Gone(h2.PID) || h.Gone(h1.PID) || h.Gone(0) {
		t.Errorf("Gone: exited %v, alive %v, pid 0 %v", h.Gone(h2.PID), h.Gone(h1.PID), h.Gone(0))
	}
	if cmd, alive := h.Command(h2.PID); alive || cmd != "" {
		t.Errorf("Command of an exited process: %q, %v", cmd, alive)
	}
}

// Through a namespaced client: the container's objects, held by the
// container's process and by ours (which reached the file through the
// client, a path that differs from the container's /dev/shm/NAME), and
// not our own objects of the same names.
func TestHoldersInNamespace(t *testing.T) {
	nstest.Require(t)
	ct := nschild.Start(t, nschild.Spec{Container: true,
		Do: []string{"shm 0x1 4096", "shmat 0", "pshm data 4096", "map data", "psem lock 1", "map sem.lock", "mq q", "pshm free 1"}})
	own := liveClient()
	must(own.PshmCreate("/data", PshmCreateOptions{Size: 4096, Mode: 0o600}))
	defer own.PshmRemove("/data")
	ourMap := must(own.PshmAttach("/data", false)) // we hold ours, not the container's
	defer ourMap.Close()

	c := must(NewNS(procfs.DefaultFS, strconv.Itoa(ct.PID)))
	defer c.Close()
	m := must(c.PshmAttach("/free", false)) // we hold one of the container's
	defer m.Close()
	var files []PosixFile
	pshm := must(c.PshmList())
	for _, p := range pshm {
		files = append(files, p.PosixFile)
	}
	for _, p := range must(c.PsemList()) {
		files = append(files, p.PosixFile)
	}
	for _, q := range must(c.MqList()) {
		files = append(files, q.PosixFile)
	}
	shm := must(c.ShmList())
	h := must(c.ScanHolders(HolderQuery{Shm: []int{shm[0].ID}, Files: files}))
	if got := holderSummary(h.Shm(shm[0].ID)); !slices.Equal(got, []string{fmt.Sprintf("%d:mapped:1:", ct.PID)}) {
		t.Errorf("holders of the container's segment: %v", got)
	}
	me := os.Getpid()
	want := map[string][]string{
		"/data": {fmt.Sprintf("%d:mapped:1:", ct.PID)},
		"/free": {fmt.Sprintf("%d:mapped:1:", me)},
		"/lock": {fmt.Sprintf("%d:mapped:1:", ct.PID)},
		"/q":    {fmt.Sprintf("%d:fd:0:%d", ct.PID, ct.Last.FDs["mq:q"])},
	}
	// Every object the container made is listed through the client, and
	// nothing else: the holder checks below cannot pass on an empty list.
	byName := map[string]PosixFile{}
	for _, f := range files {
		if _, ok := want[f.Name]; !ok {
			t.Errorf("the container's listing has %s, which it did not make", f.Name)
		}
		byName[f.Name] = f
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		f, ok := byName[name]
		if !ok {
			t.Errorf("the container's %s is not in its PshmList/PsemList/MqList", name)
			continue
		}
		if got := holderSummary(h.File(f)); !slices.Equal(got, want[name]) {
			t.Errorf("holders of the container's %s: %v, want %v", name, got, want[name])
		}
	}
}

// The creator's command: alive, or shown as gone.
func TestProcsCommand(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	ch := nschild.Start(t, nschild.Spec{Do: []string{"shm 0 4096"}})
	id := ch.Last.IDs["shm"][0]
	defer c.ShmRemove(id)
	p := must(c.Procs())
	seg := must(c.ShmStat(id))
	if seg.CPID != ch.PID {
		t.Fatalf("cpid %d, child %d", seg.CPID, ch.PID)
	}
	cmd, alive := p.Command(seg.CPID)
	want, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", ch.PID))
	if !alive || cmd != strings.TrimSpace(strings.ReplaceAll(string(want), "\x00", " ")) {
		t.Errorf("Command = %q, %v; cmdline %q", cmd, alive, want)
	}
	ch.Exit(t)
	p = must(c.Procs())
	if cmd, alive := p.Command(seg.CPID); alive || cmd != "" || !p.Gone(seg.CPID) {
		t.Errorf("dead creator: %q, %v", cmd, alive)
	}
}

// A process whose maps cannot be read or parsed may hold the object:
// it is unreadable, not "holds nothing"; only a process that vanished
// (no /proc/PID/maps any more) is skipped. A fixture /proc.
func TestScanHoldersUnreadableMaps(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"proc/10/maps": "7f0000000000-7f0000001000 rw-s 00000000 00:1a 42 /dev/shm/x\n", // holds it
		"proc/11/maps": "not a maps line\n",                                             // a ParseError
		"proc/13/maps": "",                                                              // holds nothing
	}
	for rel, body := range files {
		p := filepath.Join(root, rel)
		must(0, os.MkdirAll(filepath.Join(filepath.Dir(p), "fd"), 0o755))
		must(0, os.WriteFile(p, []byte(body), 0o644))
	}
	must(0, os.MkdirAll(filepath.Join(root, "proc/12/maps"), 0o755)) // read fails: EISDIR
	must(0, os.MkdirAll(filepath.Join(root, "proc/14/fd"), 0o755))   // exited: no maps
	c := New(procfs.FS(root))
	f := PosixFile{Name: "/x", Dev: unix.Mkdev(0, 0x1a), Inode: 42}
	h := must(c.ScanHolders(HolderQuery{Files: []PosixFile{f}}))
	if want := []int{11, 12}; !slices.Equal(h.Unreadable, want) {
		t.Errorf("unreadable %v, want %v", h.Unreadable, want)
	}
	if got, want := holderSummary(h.File(f)), []string{"10:mapped:1:"}; !slices.Equal(got, want) {
		t.Errorf("holders %v, want %v", got, want)
	}
}

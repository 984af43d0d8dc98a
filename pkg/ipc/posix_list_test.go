package ipc

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// Names made out of order, some readable only by root.
var posixListNames = []string{"zeta", "B", "a", "a-1", "a1", "Z9", "m.x", "_", "a0", "é"}

func makePosixObjects(t *testing.T, c *Client) {
	t.Helper()
	for i, n := range posixListNames {
		mode := uint32(0o644)
		if i%3 == 0 {
			mode = 0o600 // an ordinary user may not open it
		}
		if _, err := c.PshmCreate("/"+n, PshmCreateOptions{Size: uint64(100 * (i + 1)), Mode: mode}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PsemCreate("/"+n, PsemCreateOptions{Value: uint32(i), Mode: mode}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.MqCreate("/"+n, MqCreateOptions{MaxMsg: int64(i + 1), MsgSize: 64, Mode: mode}); err != nil {
			t.Fatal(err)
		}
		q, err := c.MqOpen("/"+n, unix.O_WRONLY)
		if err != nil {
			t.Fatal(err)
		}
		for range i % 2 {
			if err := q.Send([]byte(strings.Repeat("x", i)), 1, NoWait); err != nil {
				t.Fatal(err)
			}
		}
		q.Close()
		t.Cleanup(func() {
			os.Remove("/dev/shm/" + n)
			os.Remove("/dev/shm/sem." + n)
			c.MqRemove("/" + n)
		})
	}
}

// sortedDir lists dir through os.ReadDir (sorted by name), a second path.
func sortedDir(t *testing.T, dir string, keep func(string) (string, bool)) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if n, ok := keep(e.Name()); ok && e.Type().IsRegular() {
			out = append(out, n)
		}
	}
	return out
}

func checkPosixFile(t *testing.T, path string, f PosixFile) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if f.Mode != st.Mode&0o7777 || f.UID != st.Uid || f.GID != st.Gid || f.Size != uint64(st.Size) ||
		f.Inode != st.Ino || f.MTime.Unix() != st.Mtim.Sec || f.CTime.Unix() != st.Ctim.Sec {
		t.Errorf("%s: listed %+v, lstat %+v", path, f, st)
	}
}

// Every POSIX listing is sorted by name and lists what the directories
// hold, with the fields lstat, the sem_t bytes, the mqueue file and
// mq_getattr give (second paths); an ordinary user sees the objects it
// may not open with their stat fields only.
func TestPosixListsSortedAndComplete(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	makePosixObjects(t, c)
	robustFiles(t, "/dev/shm")

	pshm, err := c.PshmList()
	if err != nil {
		t.Fatal(err)
	}
	wantPshm := sortedDir(t, "/dev/shm", func(n string) (string, bool) { return "/" + n, !strings.HasPrefix(n, "sem.") })
	if got := names(pshm, func(p Pshm) string { return p.Name }); !slices.Equal(got, wantPshm) {
		t.Errorf("pshm names %q, want %q", got, wantPshm)
	}
	for _, p := range pshm {
		checkPosixFile(t, "/dev/shm"+p.Name, p.PosixFile)
	}

	psem, err := c.PsemList()
	if err != nil {
		t.Fatal(err)
	}
	wantPsem := sortedDir(t, "/dev/shm", func(n string) (string, bool) {
		return "/" + strings.TrimPrefix(n, "sem."), strings.HasPrefix(n, "sem.") && n != "sem."
	})
	slices.Sort(wantPsem) // "sem.B" < "sem.a" sorts the same without the prefix
	if got := names(psem, func(p Psem) string { return p.Name }); !slices.Equal(got, wantPsem) {
		t.Errorf("psem names %q, want %q", got, wantPsem)
	}
	for _, p := range psem {
		path := "/dev/shm/sem." + p.Name[1:]
		checkPosixFile(t, path, p.PosixFile)
		b, _ := os.ReadFile(path)
		var want Psem
		if reason := decodePsem(b, &want); (reason == "") != (p.Status == PsemOK) ||
			(reason == "" && (*p.Value != *want.Value || *p.Waiters != *want.Waiters || p.Shared != want.Shared)) {
			t.Errorf("%s: listed %+v, file says %q %+v", p.Name, p, reason, want)
		}
	}

	mq, err := c.MqList()
	if err != nil {
		t.Fatal(err)
	}
	wantMq := sortedDir(t, "/dev/mqueue", func(n string) (string, bool) { return "/" + n, true })
	if got := names(mq, func(q Mq) string { return q.Name }); !slices.Equal(got, wantMq) || len(got) != len(posixListNames) {
		t.Errorf("mq names %q, want %q", got, wantMq)
	}
	for _, q := range mq {
		checkPosixFile(t, "/dev/mqueue"+q.Name, q.PosixFile)
		st, err := procfs.DefaultFS.MqueueFile(q.Name[1:])
		if err != nil || q.Status == nil || *q.Status != st {
			t.Errorf("%s: status %+v, file %+v %v", q.Name, q.Status, st, err)
		}
		h, err := c.MqOpen(q.Name, unix.O_RDONLY)
		if err != nil {
			t.Fatal(err)
		}
		a, err := h.Attr()
		h.Close()
		if err != nil || q.MaxMsg == nil || *q.MaxMsg != uint64(a.MaxMsg) || *q.MsgSize != uint64(a.MsgSize) || *q.CurMsgs != uint64(a.CurMsgs) {
			t.Errorf("%s: listed maxmsg %v msgsize %v curmsgs %v, mq_getattr %+v %v", q.Name, q.MaxMsg, q.MsgSize, q.CurMsgs, a, err)
		}
	}

	if !nstest.CanSwitchUser() {
		t.Skip("namespace maps no ordinary uid: the unreadable case is not checked")
	}
	type lists struct {
		psem []Psem
		mq   []Mq
		err  error
	}
	asOther := asUser(t, 1000, 1000, func() lists {
		var l lists
		var err1, err2 error
		l.psem, err1 = c.PsemList()
		l.mq, err2 = c.MqList()
		l.err = fmt.Errorf("%v %v", err1, err2)
		if err1 == nil && err2 == nil {
			l.err = nil
		}
		return l
	})
	if asOther.err != nil {
		t.Fatal(asOther.err)
	}
	for i, p := range asOther.psem {
		if p.Name != psem[i].Name || noATime(p.PosixFile) != noATime(psem[i].PosixFile) {
			t.Errorf("uid 1000 lists %+v, root %+v", p.PosixFile, psem[i].PosixFile)
		}
		readable := p.Mode&0o004 != 0
		if !readable && (p.Status != PsemUnreadable || p.Value != nil || p.Reason != "permission denied") {
			t.Errorf("uid 1000, %s mode %o: %+v, want unreadable", p.Name, p.Mode, p)
		}
		if readable && p.Status != psem[i].Status {
			t.Errorf("uid 1000, %s mode %o: %+v, root sees %+v", p.Name, p.Mode, p, psem[i])
		}
	}
	for i, q := range asOther.mq {
		if noATime(q.PosixFile) != noATime(mq[i].PosixFile) {
			t.Errorf("uid 1000 lists %+v, root %+v", q.PosixFile, mq[i].PosixFile)
		}
		if readable := q.Mode&0o004 != 0; readable != (q.Status != nil && q.MaxMsg != nil) {
			t.Errorf("uid 1000, %s mode %o: status %v maxmsg %v", q.Name, q.Mode, q.Status, q.MaxMsg)
		}
	}
}

// Names alike in the first 8 bytes (the sort key) and beyond are sorted
// by the whole name, as os.ReadDir sorts them (the second path).
func TestPosixListSortBeyondKey(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	for _, n := range []string{"/shared-prefix-b", "/shared-p", "/shared-prefix-a", "/shared-pre", "/shared-\xff", "/shared-"} {
		if _, err := c.PshmCreate(n, PshmCreateOptions{Size: 4096, Mode: 0o600}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PsemCreate(n, PsemCreateOptions{Mode: 0o600}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.MqCreate(n, MqCreateOptions{MaxMsg: 1, MsgSize: 16, Mode: 0o600}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			os.Remove("/dev/shm" + n)
			os.Remove("/dev/shm/sem." + n[1:])
			c.MqRemove(n)
		})
	}
	pshm, err := c.PshmList()
	if err != nil {
		t.Fatal(err)
	}
	want := sortedDir(t, "/dev/shm", func(n string) (string, bool) { return "/" + n, !strings.HasPrefix(n, "sem.") })
	if got := names(pshm, func(p Pshm) string { return p.Name }); !slices.Equal(got, want) {
		t.Errorf("pshm names %q, want %q", got, want)
	}
	psem, err := c.PsemList()
	if err != nil {
		t.Fatal(err)
	}
	want = sortedDir(t, "/dev/shm", func(n string) (string, bool) {
		return "/" + strings.TrimPrefix(n, "sem."), strings.HasPrefix(n, "sem.")
	})
	if got := names(psem, func(p Psem) string { return p.Name }); !slices.Equal(got, want) {
		t.Errorf("psem names %q, want %q", got, want)
	}
	mq, err := c.MqList()
	if err != nil {
		t.Fatal(err)
	}
	want = sortedDir(t, "/dev/mqueue", func(n string) (string, bool) { return "/" + n, true })
	if got := names(mq, func(q Mq) string { return q.Name }); !slices.Equal(got, want) || len(got) != 6 {
		t.Errorf("mq names %q, want %q (6)", got, want)
	}
}

// A listing without Contents has every stat field of the full one and
// opens nothing: a queue's atime, which reading its mqueue file moves
// (mqueue_read_file), stays as set by utimensat and seen by lstat (the
// second path), while a full listing moves it.
func TestPosixListNeedsStatOnly(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	makePosixObjects(t, c)
	old := unix.Timespec{Sec: 1000}
	for _, n := range posixListNames {
		ts := []unix.Timespec{old, {Nsec: unix.UTIME_OMIT}}
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, "/dev/mqueue/"+n, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			t.Fatal(err)
		}
	}
	atimes := func() map[string]unix.Timespec {
		m := map[string]unix.Timespec{}
		for _, n := range posixListNames {
			var st unix.Stat_t
			if err := unix.Lstat("/dev/mqueue/"+n, &st); err != nil {
				t.Fatal(err)
			}
			m[n] = st.Atim
		}
		return m
	}
	before := atimes()
	if before["a"] != old {
		t.Fatalf("utimensat left atime %v", before["a"])
	}

	psem, err := c.PsemListNeeds(PosixNeeds{})
	if err != nil {
		t.Fatal(err)
	}
	mq, err := c.MqListNeeds(PosixNeeds{})
	if err != nil {
		t.Fatal(err)
	}
	if after := atimes(); !maps.Equal(after, before) {
		t.Errorf("a stat-only listing read queues: atimes %v, then %v", before, after)
	}
	fullSem, err := c.PsemList()
	if err != nil {
		t.Fatal(err)
	}
	fullMq, err := c.MqList()
	if err != nil {
		t.Fatal(err)
	}
	if after := atimes(); maps.Equal(after, before) {
		t.Errorf("a full listing left queue atimes as they were: the check cannot fail")
	}

	if len(psem) != len(fullSem) || len(psem) != len(posixListNames) {
		t.Fatalf("stat-only psem %d rows, full %d, want %d", len(psem), len(fullSem), len(posixListNames))
	}
	for i, p := range psem {
		if noATime(p.PosixFile) != noATime(fullSem[i].PosixFile) || p.Status != "" || p.Value != nil || p.Waiters != nil {
			t.Errorf("stat-only %+v, full %+v", p, fullSem[i])
		}
	}
	if len(mq) != len(fullMq) || len(mq) != len(posixListNames) {
		t.Fatalf("stat-only mq %d rows, full %d, want %d", len(mq), len(fullMq), len(posixListNames))
	}
	for i, q := range mq {
		// The full listing read the queue after its fstat: same stat fields.
		if noATime(q.PosixFile) != noATime(fullMq[i].PosixFile) || q.Status != nil || q.MaxMsg != nil || q.CurMsgs != nil {
			t.Errorf("stat-only %+v, full %+v", q, fullMq[i])
		}
	}
}

// noATime drops the access time, which reading a file (root's listing,
// the test's own reads) may change.
func noATime(f PosixFile) PosixFile {
	f.ATime = time.Time{}
	return f
}

func names[T any](rows []T, name func(T) string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, name(r))
	}
	return out
}

// BenchmarkPosixList lists 200 objects of each POSIX kind (fs.mqueue.queues_max is 256).
func BenchmarkPosixList(b *testing.B) {
	nstest.Require(b)
	c := liveClient()
	for i := range 200 {
		n := fmt.Sprintf("/bench%d", i)
		if _, err := c.PshmCreate(n, PshmCreateOptions{Size: 4096, Mode: 0o600}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.PsemCreate(n, PsemCreateOptions{Mode: 0o600}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.MqCreate(n, MqCreateOptions{MaxMsg: 1, MsgSize: 16, Mode: 0o600}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			os.Remove("/dev/shm" + n)
			os.Remove("/dev/shm/sem." + n[1:])
			c.MqRemove(n)
		})
	}
	for _, k := range []Kind{KindPshm, KindPsem, KindMq} {
		b.Run(string(k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var err error
				switch k {
				case KindPshm:
					_, err = c.PshmList()
				case KindPsem:
					_, err = c.PsemList()
				case KindMq:
					_, err = c.MqList()
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package ipc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"unsafe"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// population makes varied System V objects of every kind, with holes in
// the index range (objects removed), and returns how many of each live.
func population(t *testing.T) (shm, sem, msg int) {
	t.Helper()
	var shmIDs []int
	for i := range 12 {
		id, err := unix.SysvShmGet(int(0x5eed0000+i), (i+1)*4096, unix.IPC_CREAT|unix.IPC_EXCL|0o640)
		if err != nil {
			t.Fatal(err)
		}
		shmIDs = append(shmIDs, id)
		t.Cleanup(func() { unix.SysvShmCtl(id, unix.IPC_RMID, nil) })
	}
	// Attached and touched, then marked for removal while attached: key
	// reset to 0, SHM_DEST in the mode, atime and rss set.
	mem, err := unix.SysvShmAttach(shmIDs[3], 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.SysvShmDetach(mem) })
	mem[0] = 1
	unix.SysvShmCtl(shmIDs[3], unix.IPC_RMID, nil)
	if _, err := sys.Shmctl(shmIDs[5], sys.SHM_LOCK, nil); err != nil {
		t.Logf("SHM_LOCK: %v (the listing is still compared)", err)
	}
	for _, i := range []int{1, 7, 8} { // holes
		unix.SysvShmCtl(shmIDs[i], unix.IPC_RMID, nil)
	}

	var semIDs []int
	for i := range 9 {
		semIDs = append(semIDs, testSem(t, i+1))
	}
	if _, err := sys.Semctl(semIDs[2], 1, sys.SETVAL, 5); err != nil { // sets ctime
		t.Fatal(err)
	}
	if err := (sembufOp{semIDs[4], 0, 1}).do(); err != nil { // sets otime
		t.Fatal(err)
	}
	for _, i := range []int{0, 6} {
		sys.Semctl(semIDs[i], 0, sys.IPC_RMID, 0)
	}

	var msgIDs []int
	for range 7 {
		msgIDs = append(msgIDs, testMsg(t))
	}
	if err := msgSendRaw(msgIDs[1], 3, []byte("hello")); err != nil { // cbytes, qnum, lspid, stime
		t.Fatal(err)
	}
	var ds sys.MsqidDs
	if _, err := sys.Msgctl(msgIDs[2], sys.IPC_STAT, unsafe.Pointer(&ds)); err != nil {
		t.Fatal(err)
	}
	ds.Qbytes = 12345
	ds.Perm.Mode = 0o604
	if _, err := sys.Msgctl(msgIDs[2], sys.IPC_SET, unsafe.Pointer(&ds)); err != nil {
		t.Fatal(err)
	}
	sys.Msgctl(msgIDs[0], sys.IPC_RMID, nil)
	if !nstest.CanSwitchUser() {
		t.Log("only uid 0 is mapped: every owner and creator is 0")
		return 12 - 3, 9 - 2, 7 - 1
	}
	// One of each made by uid 1000 (gid 1001), then given to 1002:1003, so
	// that uid, gid, cuid and cgid all differ.
	made := asUser(t, 1000, 1001, func() [3]int {
		shm, e1 := sys.Shmget(0x5eed1000, 4096, sys.IPC_CREAT|0o640)
		sem, e2 := sys.Semget(0x5eed1000, 2, sys.IPC_CREAT|0o640)
		msg, e3 := sys.Msgget(0x5eed1000, sys.IPC_CREAT|0o640)
		if err := errors.Join(e1, e2, e3); err != nil {
			t.Errorf("creating as uid 1000: %v", err)
		}
		return [3]int{shm, sem, msg}
	})
	t.Cleanup(func() {
		unix.SysvShmCtl(made[0], unix.IPC_RMID, nil)
		sys.Semctl(made[1], 0, sys.IPC_RMID, 0)
		sys.Msgctl(made[2], sys.IPC_RMID, nil)
	})
	var shmDs sys.ShmidDs
	var semDs sys.SemidDs
	var msgDs sys.MsqidDs
	sys.Shmctl(made[0], sys.IPC_STAT, unsafe.Pointer(&shmDs))
	sys.SemctlBuf(made[1], 0, sys.IPC_STAT, unsafe.Pointer(&semDs))
	sys.Msgctl(made[2], sys.IPC_STAT, unsafe.Pointer(&msgDs))
	for _, p := range []*sys.IpcPerm{&shmDs.Perm, &semDs.Perm, &msgDs.Perm} {
		p.Uid, p.Gid = 1002, 1003
	}
	_, e1 := sys.Shmctl(made[0], sys.IPC_SET, unsafe.Pointer(&shmDs))
	_, e2 := sys.SemctlBuf(made[1], 0, sys.IPC_SET, unsafe.Pointer(&semDs))
	_, e3 := sys.Msgctl(made[2], sys.IPC_SET, unsafe.Pointer(&msgDs))
	if err := errors.Join(e1, e2, e3); err != nil {
		t.Fatalf("IPC_SET owner: %v", err)
	}
	return 12 - 3 + 1, 9 - 2 + 1, 7 - 1 + 1
}

// asUser runs fn on a thread of its own whose uid and gid are changed
// (raw setresuid/setresgid change one thread only); the thread ends
// with fn, so no other code runs as that user.
func asUser[T any](t *testing.T, uid, gid int, fn func() T) T {
	t.Helper()
	done := make(chan T)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(gid), uintptr(gid), uintptr(gid)); e != 0 {
			t.Errorf("setresgid: %v", e)
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(uid), uintptr(uid), uintptr(uid)); e != 0 {
			t.Errorf("setresuid: %v", e)
		}
		done <- fn()
	}()
	return <-done
}

type sembufOp struct{ id, num, op int }

func (o sembufOp) do() error {
	b := [3]int16{int16(o.num), int16(o.op), 0}
	_, _, e := unix.Syscall(unix.SYS_SEMOP, uintptr(o.id), uintptr(unsafe.Pointer(&b)), 1)
	if e != 0 {
		return e
	}
	return nil
}

func msgSendRaw(id int, typ int64, text []byte) error {
	buf := make([]byte, 8+len(text))
	*(*int64)(unsafe.Pointer(&buf[0])) = typ
	copy(buf[8:], text)
	_, _, e := unix.Syscall6(unix.SYS_MSGSND, uintptr(id), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(text)), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// Both sources list the same objects with the same values, field by
// field (rendered as text and compared byte for byte), whatever the
// caller needs; the fields only one source has come from it alone and
// are checked against what the objects were made with.
func TestSysvSourcesAgree(t *testing.T) {
	nstest.Require(t)
	nShm, nSem, nMsg := population(t)
	live := New(procfs.DefaultFS)
	proc, stat := live.WithListSource(SourceProc), live.WithListSource(SourceStat)

	for _, needs := range []ListNeeds{{}, {RSS: true}, {QBytes: true}, {RSS: true, QBytes: true}} {
		t.Run(fmt.Sprintf("%+v", needs), func(t *testing.T) {
			shmP, err := proc.ShmListNeeds(needs)
			if err != nil {
				t.Fatal(err)
			}
			shmS, err := stat.ShmListNeeds(needs)
			if err != nil {
				t.Fatal(err)
			}
			shmA, err := live.ShmListNeeds(needs)
			if err != nil {
				t.Fatal(err)
			}
			if len(shmP) != nShm {
				t.Fatalf("/proc lists %d segments, want %d", len(shmP), nShm)
			}
			for i := range shmP {
				if needs.RSS != (shmP[i].RSS != nil && shmP[i].Swap != nil) {
					t.Errorf("/proc, needs %+v: segment %d has rss %v swap %v", needs, shmP[i].ID, shmP[i].RSS, shmP[i].Swap)
				}
				if shmS[i].RSS != nil || shmS[i].Swap != nil {
					t.Errorf("the walk gave rss/swap for segment %d", shmS[i].ID)
				}
				if needs.RSS && shmP[i].Dest() && *shmP[i].RSS == 0 {
					t.Errorf("touched segment %d: rss 0", shmP[i].ID)
				}
			}
			if !needs.RSS {
				sameText(t, "shm /proc vs walk", shmP, shmS)
			} else {
				sameText(t, "shm /proc vs auto", shmP, shmA)
				for i := range shmP {
					shmP[i].RSS, shmP[i].Swap = nil, nil
				}
				sameText(t, "shm /proc (rss dropped) vs walk", shmP, shmS)
			}
			if !needs.RSS {
				sameText(t, "shm walk vs auto", shmS, shmA)
			}

			semP, err := proc.SemListNeeds(needs)
			if err != nil {
				t.Fatal(err)
			}
			semS, err := stat.SemListNeeds(needs)
			if err != nil {
				t.Fatal(err)
			}
			semA, err := live.SemListNeeds(needs)
			if err != nil {
				t.Fatal(err)
			}
			if len(semP) != nSem {
				t.Fatalf("/proc lists %d sets, want %d", len(semP), nSem)
			}
			sameText(t, "sem /proc vs walk", semP, semS)
			sameText(t, "sem /proc vs auto", semP, semA)

			msgP, err := proc.MsgListNeeds(needs)
			if err != nil {
				t.Fatal(err)
			}
			msgS, err := stat.MsgListNeeds(needs)
			if err != nil {
				t.Fatal(err)
			}
			msgA, err := live.MsgListNeeds(needs)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgP) != nMsg {
				t.Fatalf("/proc lists %d queues, want %d", len(msgP), nMsg)
			}
			sameText(t, "msg /proc vs walk", msgP, msgS)
			sameText(t, "msg /proc vs auto", msgP, msgA)
			for _, m := range msgS {
				if needs.QBytes != (m.QBytes != nil) {
					t.Errorf("needs %+v: queue %d has qbytes %v", needs, m.ID, m.QBytes)
				}
			}
		})
	}

	// Values the objects were made with, seen through the walk.
	msgs, _ := stat.MsgListNeeds(ListNeeds{QBytes: true})
	var sawSent, sawSet bool
	for _, m := range msgs {
		if m.QNum == 1 && m.CBytes == 5 && m.LSPID == os.Getpid() && !m.STime.IsZero() {
			sawSent = true
		}
		if *m.QBytes == 12345 && m.Mode&0o777 == 0o604 {
			sawSet = true
		}
	}
	if !sawSent || !sawSet {
		t.Errorf("queues: sent message seen %v, IPC_SET qbytes seen %v: %+v", sawSent, sawSet, msgs)
	}
}

// sameText compares two listings field by field as text, so a difference
// names the field and object.
func sameText[T any](t *testing.T, what string, a, b []T) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d objects vs %d", what, len(a), len(b))
		return
	}
	for i := range a {
		if x, y := dump(a[i]), dump(b[i]); x != y {
			t.Errorf("%s: object %d differs:\n%s\n%s", what, i, x, y)
		}
	}
}

// dump renders a row with its pointed-to values, not their addresses.
func dump(v any) string {
	rv := reflect.ValueOf(v)
	s := ""
	var walk func(reflect.Value, string)
	walk = func(v reflect.Value, name string) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type().String() == "time.Time" {
				s += fmt.Sprintf("%s=%v ", name, v.Interface())
				return
			}
			for i := range v.NumField() {
				walk(v.Field(i), v.Type().Field(i).Name)
			}
		case reflect.Pointer:
			if v.IsNil() {
				s += name + "=nil "
			} else {
				walk(v.Elem(), name)
			}
		default:
			s += fmt.Sprintf("%s=%v ", name, v.Interface())
		}
	}
	walk(rv, "")
	return s
}

// Each row handed to fn is the same struct, but a copy kept by the
// caller (pointers included) never changes as the listing goes on.
func TestSysvEachCopiesStayValid(t *testing.T) {
	nstest.Require(t)
	population(t)
	for _, src := range []ListSource{SourceProc, SourceStat} {
		c := New(procfs.DefaultFS).WithListSource(src)
		var kept []Msg
		var ptrs = map[*Msg]bool{}
		err := c.MsgEach(ListNeeds{QBytes: true}, func(m *Msg) error {
			ptrs[m] = true
			kept = append(kept, *m)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range kept { // against IPC_STAT of each queue
			q, err := MsgQBytes(m.ID)
			if err != nil || m.QBytes == nil || *m.QBytes != q {
				t.Errorf("%s: kept copy of queue %d has qbytes %v, IPC_STAT says %d (%v)", src, m.ID, m.QBytes, q, err)
			}
		}
		if len(ptrs) != 1 {
			t.Errorf("%s: fn got %d different structs, want one reused", src, len(ptrs))
		}
		var shms []Shm
		if err := c.ShmEach(ListNeeds{RSS: true}, func(s *Shm) error { shms = append(shms, *s); return nil }); err != nil {
			t.Fatal(err)
		}
		seen := map[*uint64]bool{}
		for _, s := range shms {
			for _, p := range []*uint64{s.RSS, s.Swap} {
				if p != nil && seen[p] {
					t.Errorf("%s: two rows share one rss/swap value", src)
				}
				seen[p] = true
			}
		}
	}
}

// The live system takes the walk where ids are dense and /proc where
// they are sparse or where the caller needs rss.
func TestSysvChoose(t *testing.T) {
	nstest.Require(t)
	c := New(procfs.DefaultFS)
	if src, maxIdx, used, _ := c.choose(sysvSpec{info: msgInfo, emptyPerUsed: msgEmptyPerUsed}); src != SourceStat {
		t.Errorf("no queues (index %d, %d used): %v, want the walk of one index", maxIdx, used, src)
	}
	var ids []int
	for range 80 {
		ids = append(ids, testMsg(t))
	}
	spec := func(needStat bool) sysvSpec {
		return sysvSpec{info: msgInfo, emptyPerUsed: msgEmptyPerUsed, needStat: needStat}
	}
	if src, _, used, err := c.choose(spec(false)); err != nil || src != SourceStat || used < 80 {
		t.Errorf("80 dense queues: %v, %d used, %v; want the walk", src, used, err)
	}
	for _, id := range ids[:79] {
		sys.Msgctl(id, sys.IPC_RMID, nil)
	}
	if src, maxIdx, used, err := c.choose(spec(false)); err != nil || src != SourceProc {
		t.Errorf("1 queue at index %d: %v (%d used), %v; want /proc", maxIdx, src, used, err)
	}
	if src, _, _, _ := c.choose(spec(true)); src != SourceStat {
		t.Errorf("sparse but qbytes needed: %v, want the walk", src)
	}
	if src, _, _, _ := c.choose(sysvSpec{info: shmInfo, needProc: true}); src != SourceProc {
		t.Errorf("rss needed: %v, want /proc", src)
	}
	if src, _, _, _ := c.WithListSource(SourceStat).choose(spec(false)); src != SourceStat {
		t.Errorf("SourceStat: %v", src)
	}
}

// Shared memory takes its highest index from IPC_INFO and, past
// shmProbeFrom indexes, estimates the number in use from probes instead
// of SHM_INFO (which sums every segment's rss): the estimate is close to
// SHM_INFO's count, and chooses as the count would.
func TestShmInfoEstimate(t *testing.T) {
	nstest.Require(t)
	makeSysv(t, 400, 400)
	exact := func() (int, int) {
		var info sys.ShmInfo
		maxIdx, err := sys.Shmctl(0, sys.SHM_INFO, unsafe.Pointer(&info))
		if err != nil {
			t.Fatal(err)
		}
		return maxIdx, int(info.UsedIDs)
	}
	c := New(procfs.DefaultFS)
	spec := sysvSpec{info: shmInfo, emptyPerUsed: shmEmptyPerUsed}
	maxIdx, used, err := shmInfo()
	wantMax, wantUsed := exact()
	if err != nil || maxIdx != wantMax || used < wantUsed*9/10 || used > wantUsed*11/10 {
		t.Errorf("dense: shmInfo = %d, %d, %v; SHM_INFO says %d, %d", maxIdx, used, err, wantMax, wantUsed)
	}
	if src, _, _, _ := c.choose(spec); src != SourceStat {
		t.Errorf("400 dense segments: %v, want the walk", src)
	}
	n := 0
	c.ShmEach(ListNeeds{}, func(s *Shm) error {
		if n++; n%20 != 1 {
			unix.SysvShmCtl(s.ID, unix.IPC_RMID, nil)
		}
		return nil
	})
	maxIdx, used, _ = shmInfo()
	wantMax, wantUsed = exact()
	if maxIdx != wantMax || used > 3*wantUsed {
		t.Errorf("sparse: shmInfo = %d, %d; SHM_INFO says %d, %d", maxIdx, used, wantMax, wantUsed)
	}
	if src, _, _, _ := c.choose(spec); src != SourceProc {
		t.Errorf("%d segments over %d indexes: %v, want /proc", wantUsed, wantMax+1, src)
	}
}

// A client rooted at a fixture tree lists the tree's files and never the
// live kernel, even where the tree lacks a file and live objects exist.
func TestFixtureRootNeverReadsLiveKernel(t *testing.T) {
	nstest.Require(t)
	population(t) // live objects a leak would show
	for _, tc := range []struct{ name, file string }{
		{"shm", "proc/sysvipc/shm"}, {"sem", "proc/sysvipc/sem"}, {"msg", "proc/sysvipc/msg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			empty := New(procfs.FS(t.TempDir()))
			var n int
			var err error
			switch tc.name {
			case "shm":
				err = empty.ShmEach(ListNeeds{}, func(*Shm) error { n++; return nil })
			case "sem":
				err = empty.SemEach(ListNeeds{}, func(*Sem) error { n++; return nil })
			case "msg":
				err = empty.MsgEach(ListNeeds{QBytes: true}, func(*Msg) error { n++; return nil })
			}
			if n != 0 || !errors.Is(err, errclass.Unsupported) || errors.Is(err, errclass.NotFound) {
				t.Fatalf("tree without %s: %d objects, error %v; want none and Unsupported", tc.file, n, err)
			}
		})
	}

	// With the files, exactly their rows; the walk is refused.
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "proc/sysvipc"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"shm": "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime\n" +
			"         7     424242   600                  4096     1     0      0     0     0     0     0          0          0 1795460454\n",
		"sem": "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n",
		"msg": "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n" +
			"         9     434343   600           0          0     0     0     0     0     0     0          0          0 1795460454\n",
	}
	for name, s := range files {
		if err := os.WriteFile(filepath.Join(root, "proc/sysvipc", name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fx := New(procfs.FS(root))
	shm, err := fx.ShmList()
	if err != nil || len(shm) != 1 || shm[0].ID != 424242 {
		t.Errorf("fixture shm: %+v, %v", shm, err)
	}
	sem, err := fx.SemList()
	if err != nil || len(sem) != 0 {
		t.Errorf("fixture sem: %+v, %v", sem, err)
	}
	msg, err := fx.MsgListNeeds(ListNeeds{QBytes: true})
	if err != nil || len(msg) != 1 || msg[0].ID != 434343 || msg[0].QBytes != nil {
		t.Errorf("fixture msg: %+v, %v (qbytes must stay nil: no msgctl on a fixture's ids)", msg, err)
	}
	if _, err := fx.WithListSource(SourceStat).ShmList(); !errors.Is(err, errclass.Unsupported) {
		t.Errorf("fixture with SourceStat: %v, want Unsupported", err)
	}
}

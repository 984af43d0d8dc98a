package ipc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/decoy"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

func TestParsePosixName(t *testing.T) {
	long := strings.Repeat("a", 255)
	for _, tc := range []struct {
		kind Kind
		in   string
		ok   bool
	}{
		{KindPshm, "/x", true},
		{KindMq, "/my.queue-1", true},
		{KindPshm, "/" + long, true},
		{KindPshm, "/" + long + "a", false},
		{KindPsem, "/" + long[:251], true},
		{KindPsem, "/" + long[:252], false},
		{KindPshm, "x", false},
		{KindPshm, "", false},
		{KindPshm, "/", false},
		{KindPshm, "/.", false},
		{KindPshm, "/..", false},
		{KindPshm, "/a/b", false},
		{KindPshm, "//a", false},
		{KindPshm, "/../etc/passwd", false},
		{KindMq, "/a\x00b", false},
		{KindPsem, "/...", true},
		{KindPshm, "/sem.x", false}, // a semaphore's file
		{KindPshm, "/sem.", false},
		{KindPshm, "/semx", true},
		{KindPsem, "/sem.x", true}, // /dev/shm/sem.sem.x
		{KindMq, "/sem.x", true},
	} {
		got, err := ParsePosixName(tc.kind, tc.in)
		if tc.ok != (err == nil) || (tc.ok && got != tc.in) {
			t.Errorf("ParsePosixName(%s, %q) = %q, %v; want ok=%v", tc.kind, tc.in, got, err, tc.ok)
		}
		var ne *NameError
		if err != nil && !errors.As(err, &ne) {
			t.Errorf("%q: error %T is not a *NameError", tc.in, err)
		}
	}
}

func liveClient() *Client { return New(procfs.DefaultFS) }

func TestPshmLifecycle(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	p, err := c.PshmCreate("/lib-shm", PshmCreateOptions{Size: 10000, Mode: 0o640})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm/lib-shm") })
	if p.Size != 10000 || p.Mode != 0o640 || p.Name != "/lib-shm" {
		t.Fatalf("created %+v", p)
	}
	// Second path: the file itself.
	fi, err := os.Stat("/dev/shm/lib-shm")
	if err != nil || fi.Size() != 10000 || fi.Mode().Perm() != 0o640 {
		t.Fatalf("stat: %v %v", fi, err)
	}
	if _, err := c.PshmCreate("/lib-shm", PshmCreateOptions{Size: 1}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second create: %v, want EEXIST", err)
	}
	if r, err := c.PshmCreate("/lib-shm", PshmCreateOptions{Size: 1, Reuse: true}); err != nil || r.Size != 10000 {
		t.Fatalf("reuse must not truncate: %+v %v", r, err)
	}
	if err := c.PshmChmod("/lib-shm", 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.PshmChown("/lib-shm", 0, nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat("/dev/shm/lib-shm"); fi.Mode().Perm() != 0o600 {
		t.Fatalf("chmod: mode %v", fi.Mode())
	}
	list, err := c.PshmList()
	if err != nil || len(list) != 1 || list[0].Name != "/lib-shm" || list[0].MTime.IsZero() {
		t.Fatalf("list: %+v %v", list, err)
	}
	m, err := c.PshmAttach("/lib-shm", true)
	if err != nil {
		t.Fatal(err)
	}
	copy(m.Bytes()[100:], "hello")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("/dev/shm/lib-shm")
	if !bytes.Equal(b[100:105], []byte("hello")) {
		t.Fatalf("write through mapping not in the file")
	}
	if err := c.PshmRemove("/lib-shm"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/dev/shm/lib-shm"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("still there after remove: %v", err)
	}
	if err := c.PshmRemove("/lib-shm"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("remove missing: %v", err)
	}
	if _, err := c.PshmStat("/../x"); err == nil {
		t.Fatal("bad name accepted")
	}
}

func TestPshmInteropC(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	runC(t, "shmwrite", "/from-c", "written by C")
	t.Cleanup(func() { os.Remove("/dev/shm/from-c") })
	m, err := c.PshmAttach("/from-c", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(m.Bytes()); got != "written by C" {
		t.Errorf("Go read %q", got)
	}
	m.Close()

	if _, err := c.PshmCreate("/from-go", PshmCreateOptions{Size: 11, Mode: 0o644}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm/from-go") })
	m, err = c.PshmAttach("/from-go", true)
	if err != nil {
		t.Fatal(err)
	}
	copy(m.Bytes(), "Go was here")
	m.Close()
	if got := runC(t, "shmread", "/from-go", "11"); got != "Go was here" {
		t.Errorf("C read %q", got)
	}
}

// robustFiles lays out what /dev/shm may hold besides real objects.
func robustFiles(t *testing.T, dir string) {
	t.Helper()
	files := map[string][]byte{
		"sem.empty":   {},
		"sem.short":   make([]byte, 10),
		"sem.garbage": bytes.Repeat([]byte{0xff}, 32),
		"sem.big":     make([]byte, 4096),
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"sem.dir", "adir"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for n, target := range map[string]string{"sem.link": decoy.File(t), "alink": decoy.File(t)} {
		if err := os.Symlink(target, filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, n := range []string{"sem.empty", "sem.short", "sem.garbage", "sem.big", "sem.dir", "adir", "sem.link", "alink"} {
			os.Remove(filepath.Join(dir, n))
		}
	})
}

func TestPosixListRobust(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	robustFiles(t, "/dev/shm")
	if _, err := c.PsemCreate("/good", PsemCreateOptions{Value: 3, Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm/sem.good") })

	sems, err := c.PsemList()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Psem{}
	for _, s := range sems {
		got[s.Name] = s
	}
	if len(got) != 5 {
		t.Errorf("want 5 semaphores (good + 4 invalid, no dir or symlink), got %v", sems)
	}
	if g := got["/good"]; g.Status != PsemOK || *g.Value != 3 || *g.Waiters != 0 || !g.Shared {
		t.Errorf("good: %+v", g)
	}
	for _, n := range []string{"/empty", "/short", "/garbage", "/big"} {
		if s := got[n]; s.Status != PsemInvalid || s.Reason == "" || s.Value != nil {
			t.Errorf("%s: %+v, want invalid", n, s)
		}
		if _, err := c.PsemOpen(n); err == nil {
			t.Errorf("PsemOpen(%s) mapped an invalid semaphore", n)
		}
	}
	shms, err := c.PshmList()
	if err != nil || len(shms) != 0 {
		t.Errorf("pshm list: %v %v (a directory or symlink is no object)", shms, err)
	}
	if _, err := c.PshmAttach("/alink", false); err == nil {
		t.Error("attach followed a symlink out of /dev/shm")
	}
	if _, err := c.PsemOpen("/link"); err == nil {
		t.Error("PsemOpen followed a symlink")
	}
	if err := c.PshmChmod("/alink", 0o777); err == nil {
		t.Error("chmod followed a symlink")
	}
	if err := c.PshmRemove("/adir"); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove of a directory: %v, want not found", err)
	}
}

func TestPsemOperations(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	if _, err := c.PsemCreate("/ops", PsemCreateOptions{Value: 1, Mode: 0o640}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm/sem.ops") })
	if _, err := c.PsemCreate("/ops", PsemCreateOptions{}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("exclusive create: %v", err)
	}
	if fi, err := os.Stat("/dev/shm/sem.ops"); err != nil || fi.Mode().Perm() != 0o640 || fi.Size() != 32 {
		t.Fatalf("file: %v %v", fi, err)
	}
	// No temporary files left behind.
	ents, _ := os.ReadDir("/dev/shm")
	for _, e := range ents {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("left over %s", e.Name())
		}
	}
	s, err := c.PsemOpen("/ops")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.TryWait(); err != nil {
		t.Fatal(err)
	}
	if err := s.TryWait(); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("trywait at 0: %v", err)
	}
	if err := s.Wait(NoWait); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("wait nowait at 0: %v", err)
	}
	if err := s.Wait(20 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("timed wait: %v", err)
	}
	if v, w, _ := s.Value(); v != 0 || w != 0 {
		t.Fatalf("after timeout value %d waiters %d, want 0 0", v, w)
	}
	for i := 0; i < 3; i++ {
		if err := s.Post(); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.TrimSpace(runC(t, "semvalue", "/ops")); got != "3" {
		t.Fatalf("C sem_getvalue = %s, want 3", got)
	}
	if err := s.Wait(Forever); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.PsemStat("/ops"); *st.Value != 2 {
		t.Fatalf("stat value %d", *st.Value)
	}
	if err := c.PsemChmod("/ops", 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.PsemRemove("/ops"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PsemStat("/ops"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after remove: %v", err)
	}
}

func TestPsemOverflow(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	if _, err := c.PsemCreate("/full", PsemCreateOptions{Value: SemValueMax + 1}); err == nil {
		t.Fatal("created past SEM_VALUE_MAX")
	}
	if _, err := c.PsemCreate("/full", PsemCreateOptions{Value: SemValueMax, Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm/sem.full") })
	s, err := c.PsemOpen("/full")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Post(); !errors.Is(err, unix.EOVERFLOW) {
		t.Fatalf("post at SEM_VALUE_MAX: %v", err)
	}
	if v, _, _ := s.Value(); v != SemValueMax {
		t.Fatalf("value changed to %d", v)
	}
}

func TestPsemInteropC(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	runC(t, "semcreate", "/ci", "0")
	t.Cleanup(func() { os.Remove("/dev/shm/sem.ci") })
	if st, err := c.PsemStat("/ci"); err != nil || st.Status != PsemOK || *st.Value != 0 || st.Mode != 0o640 {
		t.Fatalf("C-made semaphore: %+v %v", st, err)
	}
	s, err := c.PsemOpen("/ci")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	t.Run("Go post wakes C sem_wait", func(t *testing.T) {
		cmd := exec.Command(posixc(t), "semwait", "/ci")
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, "C to block in sem_wait", func() bool { _, w, _ := s.Value(); return w == 1 })
		if err := s.Post(); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("C sem_wait: %v", err)
		}
		if v, w, _ := s.Value(); v != 0 || w != 0 || strings.TrimSpace(out.String()) != "0" {
			t.Fatalf("after: value %d waiters %d, C saw %q", v, w, out.String())
		}
	})
	t.Run("one PostN wakes several C sem_waits", func(t *testing.T) {
		var cmds []*exec.Cmd
		for range 3 {
			cmd := exec.Command(posixc(t), "semwait", "/ci")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, cmd)
		}
		eventually(t, "3 C processes to block in sem_wait", func() bool { _, w, _ := s.Value(); return w == 3 })
		if err := s.PostN(3); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range cmds {
			// A hang guard, not a speed limit: a waiter PostN failed to
			// wake would block forever.
			timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
			err := cmd.Wait()
			timer.Stop()
			if err != nil {
				t.Fatalf("C sem_wait (killed if PostN did not wake it): %v", err)
			}
		}
		if v, w, _ := s.Value(); v != 0 || w != 0 {
			t.Fatalf("after: value %d waiters %d, want 0 0", v, w)
		}
		if err := s.PostN(SemValueMax + 1); !errors.Is(err, unix.EOVERFLOW) {
			t.Fatalf("PostN past SEM_VALUE_MAX: %v", err)
		}
		if v, _, _ := s.Value(); v != 0 {
			t.Fatalf("a refused PostN changed the value to %d", v)
		}
	})
	t.Run("C sem_post wakes Go wait", func(t *testing.T) {
		done := make(chan error, 1)
		go func() { done <- s.Wait(Forever) }()
		eventually(t, "Go to block in Wait", func() bool { _, w, _ := s.Value(); return w == 1 })
		runC(t, "sempost", "/ci")
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if v, w, _ := s.Value(); v != 0 || w != 0 {
			t.Fatalf("after: value %d waiters %d", v, w)
		}
	})
}

func TestMqLifecycle(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	a, err := c.MqCreate("/lib-q", MqCreateOptions{MaxMsg: 4, MsgSize: 64, Mode: 0o640})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.MqRemove("/lib-q") })
	if a.MaxMsg != 4 || a.MsgSize != 64 || a.CurMsgs != 0 {
		t.Fatalf("attrs %+v", a)
	}
	if _, err := c.MqCreate("/lib-q", MqCreateOptions{MaxMsg: 4, MsgSize: 64}); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("exclusive: %v", err)
	}
	if a, err := c.MqCreate("/lib-q", MqCreateOptions{MaxMsg: 8, MsgSize: 8, Reuse: true}); err != nil || a.MaxMsg != 4 {
		t.Fatalf("reuse: %+v %v", a, err)
	}
	q, err := c.MqOpen("/lib-q", unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if _, err := q.Receive(NoWait); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("receive empty nowait: %v", err)
	}
	if _, err := q.Receive(10 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("receive empty timeout: %v", err)
	}
	if err := q.Send(make([]byte, 65), 0, NoWait); !errors.Is(err, unix.EMSGSIZE) {
		t.Fatalf("oversized send: %v", err)
	}
	if err := q.Send([]byte("x"), MqPrioMax, NoWait); err == nil {
		t.Fatal("priority MQ_PRIO_MAX accepted")
	}
	for i, m := range []string{"low", "high", "mid", "max"} {
		prio := []uint32{1, 30, 5, MqPrioMax - 1}[i]
		if err := q.Send([]byte(m), prio, Forever); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Send([]byte("full"), 0, NoWait); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("send to full queue: %v", err)
	}
	if err := q.Send([]byte("full"), 0, 10*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("timed send to full queue: %v", err)
	}
	// Second path: the mqueue file.
	st, err := procfs.DefaultFS.MqueueFile("lib-q")
	if err != nil || st.QSize != uint64(len("lowhighmidmax")) {
		t.Fatalf("QSIZE %+v %v", st, err)
	}
	list, err := c.MqList()
	if err != nil || len(list) != 1 {
		t.Fatalf("list %+v %v", list, err)
	}
	if l := list[0]; l.Name != "/lib-q" || *l.MaxMsg != 4 || *l.MsgSize != 64 || *l.CurMsgs != 4 || l.Mode != 0o640 || l.Status.QSize != 13 {
		t.Fatalf("listed %+v", l)
	}
	for _, want := range []struct {
		body string
		prio uint32
	}{{"max", MqPrioMax - 1}, {"high", 30}, {"mid", 5}, {"low", 1}} {
		m, err := q.Receive(Forever)
		if err != nil || string(m.Data) != want.body || m.Priority != want.prio {
			t.Fatalf("received %q/%d %v, want %q/%d", m.Data, m.Priority, err, want.body, want.prio)
		}
	}
	if err := c.MqChmod("/lib-q", 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.MqChown("/lib-q", 0, nil); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat("/dev/mqueue/lib-q"); fi.Mode().Perm() != 0o600 {
		t.Fatalf("chmod: %v", fi.Mode())
	}
	if err := c.MqRemove("/lib-q"); err != nil {
		t.Fatal(err)
	}
	if err := c.MqRemove("/lib-q"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	if _, err := c.MqOpen("/lib-q", unix.O_RDONLY); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open removed: %v", err)
	}
}

func TestMqNotify(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	if _, err := c.MqCreate("/nq", MqCreateOptions{MaxMsg: 2, MsgSize: 16, Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.MqRemove("/nq") })
	q, err := c.MqOpen("/nq", unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	// Another process reads the registration: a read from this one would
	// close a queue file and so drop it (mqueue_flush_file).
	notifyPID := func() string {
		out, err := exec.Command("cat", "/dev/mqueue/nq").Output()
		if err != nil {
			t.Fatal(err)
		}
		st, err := procfs.ParseMqueueFile("nq", out)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(st.NotifyPID, "/", st.Signo)
	}
	if err := q.NotifySignal(unix.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	if got, want := notifyPID(), fmt.Sprint(os.Getpid(), "/", int(unix.SIGUSR2)); got != want {
		t.Fatalf("registration pid/signal %s, want %s", got, want)
	}
	if err := q.NotifyRemove(); err != nil {
		t.Fatal(err)
	}
	if got := notifyPID(); got != "0/0" {
		t.Fatalf("registration not removed: %s", got)
	}

	// WaitNotify woken by the signal of a C sender.
	done := make(chan error, 1)
	go func() { done <- q.WaitNotify(t.Context(), unix.SIGUSR1) }()
	eventually(t, "WaitNotify to register", func() bool { return notifyPID() == fmt.Sprint(os.Getpid(), "/", int(unix.SIGUSR1)) })
	runC(t, "mqsend", "/nq", "3", "ping")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := notifyPID(); got != "0/0" {
		t.Fatalf("after the notification: %s", got)
	}
	// With a message queued it returns at once; a deadline is ErrTimeout.
	if err := q.WaitNotify(t.Context(), unix.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if m, err := q.Receive(NoWait); err != nil || string(m.Data) != "ping" {
		t.Fatalf("after the wait: %q %v (the wait must not take the message)", m.Data, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if err := q.WaitNotify(ctx, unix.SIGUSR1); !errors.Is(err, ErrTimeout) {
		t.Fatalf("WaitNotify past its deadline: %v", err)
	}

	if err := q.WaitMessage(NoWait); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("wait on empty queue: %v", err)
	}
	if err := q.WaitMessage(10 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("timed wait on empty queue: %v", err)
	}
	go func() { done <- q.WaitMessage(Forever) }()
	runC(t, "mqsend", "/nq", "3", "ping")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if m, err := q.Receive(NoWait); err != nil || string(m.Data) != "ping" {
		t.Fatalf("after the wait: %q %v (the wait must not take the message)", m.Data, err)
	}
}

func TestMqInteropC(t *testing.T) {
	nstest.Require(t)
	c := liveClient()
	runC(t, "mqcreate", "/cq", "5", "100")
	t.Cleanup(func() { c.MqRemove("/cq") })
	q, err := c.MqOpen("/cq", unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if a, _ := q.Attr(); a.MaxMsg != 5 || a.MsgSize != 100 {
		t.Fatalf("C-made attrs %+v", a)
	}
	if err := q.Send([]byte("from go"), 42, Forever); err != nil {
		t.Fatal(err)
	}
	if got := runC(t, "mqrecv", "/cq"); got != "42 from go\n" {
		t.Fatalf("C received %q", got)
	}
	runC(t, "mqsend", "/cq", "7", "from c")
	m, err := q.Receive(Forever)
	if err != nil || string(m.Data) != "from c" || m.Priority != 7 {
		t.Fatalf("Go received %q/%d %v", m.Data, m.Priority, err)
	}
}

func TestMqUnmounted(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "proc/self"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/self/mounts"), []byte("proc /proc proc rw 0 0\n"), 0o644)
	c := New(procfs.FS(root))
	_, err := c.MqList()
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "mount -t mqueue") {
		t.Fatalf("unmounted: %v", err)
	}
}

func TestMqListFixture(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "proc/self"), 0o755)
	os.MkdirAll(filepath.Join(root, "dev/mqueue"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/self/mounts"), []byte("mqueue /dev/mqueue mqueue rw 0 0\n"), 0o644)
	os.WriteFile(filepath.Join(root, "dev/mqueue/fq"), []byte("QSIZE:12 NOTIFY:0 SIGNO:10 NOTIFY_PID:99\n"), 0o640)
	os.Mkdir(filepath.Join(root, "dev/mqueue/notaqueue"), 0o755)
	list, err := New(procfs.FS(root)).MqList()
	if err != nil || len(list) != 1 {
		t.Fatalf("%+v %v", list, err)
	}
	if q := list[0]; q.Name != "/fq" || q.Status.QSize != 12 || q.Status.NotifyPID != 99 || q.MaxMsg != nil {
		t.Fatalf("%+v", q)
	}
}

// The JSON form of a name that is not UTF-8 (lone surrogates, written as
// WTF-8 by tools that keep them) is taken back as the original bytes.
func TestParsePosixNameSurrogates(t *testing.T) {
	for in, want := range map[string]string{
		"/caf\xed\xb3\xa9":           "/caf\xe9", // U+DCE9
		"/\xed\xb2\x80x":             "/\x80x",   // U+DC80
		"/plain":                     "/plain",
		"/caf\u00e9":                 "/caf\u00e9",
		"/a\xed\xb3\xbf\xed\xb2\x81": "/a\xff\x81",
	} {
		got, err := ParsePosixName(KindPshm, in)
		if err != nil || got != want {
			t.Errorf("ParsePosixName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

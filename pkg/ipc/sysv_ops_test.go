package ipc

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

func testSem(tb testing.TB, nsems int) int {
	tb.Helper()
	r, _, e := unix.Syscall(unix.SYS_SEMGET, sys.IPC_PRIVATE, uintptr(nsems), sys.IPC_CREAT|0o600)
	if e != 0 {
		tb.Fatalf("semget: %v", e)
	}
	id := int(r)
	tb.Cleanup(func() { sys.Semctl(id, 0, sys.IPC_RMID, 0) })
	return id
}

func testMsg(tb testing.TB) int {
	tb.Helper()
	r, _, e := unix.Syscall(unix.SYS_MSGGET, sys.IPC_PRIVATE, sys.IPC_CREAT|0o600, 0)
	if e != 0 {
		tb.Fatalf("msgget: %v", e)
	}
	id := int(r)
	tb.Cleanup(func() { sys.Msgctl(id, sys.IPC_RMID, nil) })
	return id
}

func TestShmAttachDetach(t *testing.T) {
	nstest.Require(t)
	id, err := unix.SysvShmGet(sys.IPC_PRIVATE, 8192, sys.IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.SysvShmCtl(id, sys.IPC_RMID, nil)
	c := New(procfs.DefaultFS)
	a, err := c.ShmAttach(id, ShmAttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	copy(a.Bytes()[10:], "library")
	ro, err := c.ShmAttach(id, ShmAttachOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if ro.Size() != 8192 || !ro.ReadOnly() || !bytes.Equal(ro.Bytes()[10:17], []byte("library")) {
		t.Errorf("read-only attachment: size %d, %q", ro.Size(), ro.Bytes()[10:17])
	}
	var ds unix.SysvShmDesc
	unix.SysvShmCtl(id, unix.IPC_STAT, &ds)
	if ds.Nattch != 2 {
		t.Errorf("nattch = %d with two attachments", ds.Nattch)
	}
	if err := a.Detach(); err != nil {
		t.Fatal(err)
	}
	if err := a.Detach(); err == nil {
		t.Error("a second Detach succeeded")
	}
	ro.Detach()
	if _, err := c.ShmAttach(987654, ShmAttachOptions{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing id: %v, want ErrNotFound", err)
	}
}

func TestSemOpErrors(t *testing.T) {
	nstest.Require(t)
	c := New(procfs.DefaultFS)
	id := testSem(t, 2)
	if n, err := c.SemNsems(id); n != 2 || err != nil {
		t.Fatalf("SemNsems = %d, %v", n, err)
	}
	if err := c.SemSetAll(id, []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := c.SemSetAll(id, []int{1}); err == nil {
		t.Error("SemSetAll with too few values succeeded")
	}
	if err := c.SemSetVal(id, 0, SemVMX+1); err == nil {
		t.Error("SemSetVal above SEMVMX succeeded")
	}
	if err := c.SemOp(id, []SemBuf{{0, -1}, {1, -3}}, SemNoWait, 0); !errors.Is(err, ErrWouldBlock) {
		t.Errorf("nowait: %v", err)
	}
	if err := c.SemOp(id, []SemBuf{{1, -3}}, 0, 50*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("timeout: %v", err)
	}
	if err := c.SemOp(id, []SemBuf{{0, SemVMX}}, 0, 0); !errors.Is(err, ErrSemRange) {
		t.Errorf("past SEMVMX: %v", err)
	}
	if err := c.SemOp(id, []SemBuf{{0, -1}, {1, 1}}, SemUndo, time.Second); err != nil {
		t.Fatal(err)
	}
	vals, _ := SemValues(id, 2)
	if vals[0].Value != 0 || vals[1].Value != 3 {
		t.Errorf("values %+v", vals)
	}
	if err := c.SemOp(99999, []SemBuf{{0, 1}}, 0, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing set: %v", err)
	}
}

func TestMsgSendReceive(t *testing.T) {
	nstest.Require(t)
	c := New(procfs.DefaultFS)
	id := testMsg(t)
	for i, body := range []string{"one", "two", "three"} {
		if err := c.MsgSend(id, int64(i+1), []byte(body), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.MsgSend(id, 0, []byte("x"), 0); err == nil {
		t.Error("mtype 0 accepted")
	}
	if m, err := c.MsgPeek(id, 100, 2, 0); err != nil && !errors.Is(err, ErrUnsupported) || err == nil && string(m.Body) != "three" {
		t.Errorf("peek 2 = %q, %v", m.Body, err)
	}
	if _, err := c.MsgReceive(id, 2, 2, 0, 0); !errors.Is(err, ErrMsgTooLarge) {
		t.Errorf("too small a buffer: %v", err)
	}
	if m, err := c.MsgReceive(id, 2, 2, MsgNoError, 0); err != nil || m.Type != 2 || string(m.Body) != "tw" {
		t.Errorf("MsgNoError = %d %q %v", m.Type, m.Body, err)
	}
	if m, err := c.MsgReceive(id, 100, 1, MsgExcept, 0); err != nil || m.Type != 3 {
		t.Errorf("MsgExcept = %d %v", m.Type, err)
	}
	if m, err := c.MsgReceive(id, 100, -5, 0, 0); err != nil || string(m.Body) != "one" {
		t.Errorf("type -5 = %q %v", m.Body, err)
	}
	if _, err := c.MsgReceive(id, 100, 0, MsgNoWait, 0); !errors.Is(err, ErrWouldBlock) {
		t.Errorf("empty queue, nowait: %v", err)
	}
	if _, err := c.MsgReceive(id, 100, 0, 0, 30*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("empty queue, timeout: %v", err)
	}
	go func() {
		time.Sleep(30 * time.Millisecond)
		c.MsgSend(id, 9, []byte("late"), 0)
	}()
	if m, err := c.MsgReceive(id, 100, 9, 0, 10*time.Second); err != nil || string(m.Body) != "late" {
		t.Errorf("timed receive woken by a send = %q %v", m.Body, err)
	}
	if max, err := c.MsgMax(); err != nil || max <= 0 {
		t.Fatalf("MsgMax = %d %v", max, err)
	} else if err := c.MsgSend(id, 1, make([]byte, max+1), MsgNoWait); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("message over msgmax: %v, want a size error", err)
	}
	if _, err := c.MsgReceive(99999, 10, 0, MsgNoWait, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing queue: %v", err)
	}
}

// BenchmarkSemOpRoundTrip is one semop +1 and one semop -1 on the same
// semaphore; scripts/bench-ops-c.sh runs the same pair from C.
func BenchmarkSemOpRoundTrip(b *testing.B) {
	nstest.Require(b)
	c := New(procfs.DefaultFS)
	id := testSem(b, 1)
	up, down := []SemBuf{{0, 1}}, []SemBuf{{0, -1}}
	for b.Loop() {
		if err := c.SemOp(id, up, 0, 0); err != nil {
			b.Fatal(err)
		}
		if err := c.SemOp(id, down, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMsgRoundTrip sends a 64-byte message and receives it into a
// 64-byte buffer.
func BenchmarkMsgRoundTrip(b *testing.B) {
	nstest.Require(b)
	c := New(procfs.DefaultFS)
	id := testMsg(b)
	body := bytes.Repeat([]byte{'x'}, 64)
	for b.Loop() {
		if err := c.MsgSend(id, 1, body, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := c.MsgReceive(id, 64, 0, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}

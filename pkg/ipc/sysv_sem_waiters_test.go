package ipc

import (
	"errors"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

func TestSemWaiters(t *testing.T) {
	nstest.Require(t)
	c := New(procfs.DefaultFS)
	id := testSem(t, 3)
	if err := c.SemSetAll(id, []int{0, 1, 0}); err != nil {
		t.Fatal(err)
	}
	if w, err := c.SemWaiters(id, 3); err != nil || w != (SemWaiters{}) {
		t.Fatalf("no waiters yet: %+v, %v", w, err)
	}
	// Two goroutines block in semop: one for an increase of semaphore 0,
	// one for semaphore 1 to reach zero; a third also waits on 0.
	done := make(chan error, 3)
	for _, op := range []SemBuf{{0, -1}, {0, -1}, {1, 0}} {
		go func() { done <- c.SemOp(id, []SemBuf{op}, 0, 10*time.Second) }()
	}
	want := SemWaiters{Semaphores: 2, NCnt: 2, ZCnt: 1}
	var got SemWaiters
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var err error
		if got, err = c.SemWaiters(id, 3); err != nil {
			t.Fatal(err)
		}
		if got == want {
			break
		}
	}
	if got != want {
		t.Fatalf("SemWaiters = %+v, want %+v", got, want)
	}
	// SemValues reads the same counters per semaphore: the two must agree.
	vals, err := SemValues(id, 3)
	if err != nil {
		t.Fatal(err)
	}
	if vals[0].NCnt != 2 || vals[1].ZCnt != 1 || vals[2].NCnt+vals[2].ZCnt != 0 {
		t.Errorf("SemValues = %+v", vals)
	}
	// Release everyone: they all return and nobody waits any more.
	if err := c.SemSetAll(id, []int{2, 0, 0}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := <-done; err != nil {
			t.Errorf("waiter: %v", err)
		}
	}
	if w, err := c.SemWaiters(id, 3); err != nil || w != (SemWaiters{}) {
		t.Errorf("after release: %+v, %v", w, err)
	}
	if _, err := c.SemWaiters(987654, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing set: %v, want ErrNotFound", err)
	}
	if _, err := New(procfs.FS(t.TempDir())).SemWaiters(id, 3); !errors.Is(err, ErrUnsupported) {
		t.Errorf("fixture client: %v, want ErrUnsupported", err)
	}
}

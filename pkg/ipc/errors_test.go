package ipc

import (
	"errors"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// EINVAL from the kernel means "not found" only when the id names
// nothing; about an argument it is a usage error.
func TestSysvEINVALClassed(t *testing.T) {
	nstest.Require(t)
	c := New(procfs.DefaultFS)
	sem, err := c.SemCreate(SemCreateOptions{NSems: 1, Mode: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	shm, err := c.ShmCreate(ShmCreateOptions{Size: 4096, Mode: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Remove(KindShm, shm) })
	usage := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, errclass.Usage) || errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v; want a usage error, not not-found", what, err)
		}
	}
	usage("SETVAL of semaphore 5 of a set of 1", c.SemSetVal(sem, 5, 1))
	unmapped := uint32(70000) // outside the test's user namespace
	usage("IPC_SET owner 70000", c.ShmSet(shm, PermUpdate{UID: &unmapped}))
	minusOne := uint32(1<<32 - 1)
	usage("IPC_SET owner -1", c.ShmSet(shm, PermUpdate{UID: &minusOne}))
	usage("IPC_SET group -1", c.SemSet(sem, PermUpdate{GID: &minusOne}))
	max, err := SemOpMax()
	if err != nil {
		t.Fatal(err)
	}
	usage("semop over SEMOPM", c.SemOp(sem, make([]SemBuf, max+1), SemNoWait, 0))

	if err := c.Remove(KindSem, sem); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"SETVAL":   c.SemSetVal(sem, 0, 1),
		"IPC_SET":  c.SemSet(sem, PermUpdate{UID: &unmapped}),
		"semop":    c.SemOp(sem, []SemBuf{{Op: 1}}, 0, 0),
		"IPC_RMID": c.Remove(KindSem, sem),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s on a removed set: %v, want not found", what, err)
		}
	}
}

// chown's "no change" id is refused for POSIX objects, before anything.
func TestPosixOwnerMinusOne(t *testing.T) {
	nstest.Require(t)
	c := New(procfs.DefaultFS)
	if _, err := c.PshmCreate("/own", PshmCreateOptions{Size: 1, Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.PshmRemove("/own") })
	minusOne := uint32(1<<32 - 1)
	zero := uint32(0)
	for what, err := range map[string]error{
		"uid -1": c.PshmChown("/own", minusOne, nil),
		"gid -1": c.PshmChown("/own", 0, &minusOne),
		"both":   c.PshmChown("/own", minusOne, &minusOne),
	} {
		if !errors.Is(err, errclass.Usage) {
			t.Errorf("%s: %v, want a usage error", what, err)
		}
	}
	if err := c.PshmChown("/own", 0, &zero); err != nil {
		t.Errorf("a real owner: %v", err)
	}
}

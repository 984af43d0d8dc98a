// Package ipcrace plays the race between a listing and a removal: it
// replaces an IPC object by a new one under the same System V id or the
// same POSIX name, as another process could after `rm --all` listed the
// old one. A removal that re-checks what it removes must leave the new
// object alone. Kernel tests only (nstest): it writes the *_next_id
// sysctls of the test's own IPC namespace.
package ipcrace

import (
	"fmt"
	"os"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// New describes the object that takes the old one's place.
type New struct {
	Key int32  // System V key (0: IPC_PRIVATE)
	UID uint32 // owner
}

const ipcRMID = 0

// ReplaceSysV removes object id of kind k (shm, sem or msg) and creates
// another that takes the very same id, through kernel/shm_next_id (or
// sem_, msg_). The new object is removed when the test ends, if it is
// still there.
func ReplaceSysV(t testing.TB, k ipc.Kind, id int, n New) {
	t.Helper()
	nstest.Require(t)
	var rmid, get uintptr
	var getArgs [3]uintptr
	switch k {
	case ipc.KindShm:
		rmid, get, getArgs = unix.SYS_SHMCTL, unix.SYS_SHMGET, [3]uintptr{uintptr(n.Key), 4096, unix.IPC_CREAT | unix.IPC_EXCL | 0o600}
	case ipc.KindSem:
		rmid, get, getArgs = unix.SYS_SEMCTL, unix.SYS_SEMGET, [3]uintptr{uintptr(n.Key), 1, unix.IPC_CREAT | unix.IPC_EXCL | 0o600}
	case ipc.KindMsg:
		rmid, get, getArgs = unix.SYS_MSGCTL, unix.SYS_MSGGET, [3]uintptr{uintptr(n.Key), unix.IPC_CREAT | unix.IPC_EXCL | 0o600, 0}
	default:
		t.Fatalf("ReplaceSysV: %s is not a System V kind", k)
	}
	if n.Key == 0 {
		getArgs[0] = 0 // IPC_PRIVATE: never IPC_EXCL-clashes
	}
	// semctl takes (id, semnum, cmd); shmctl and msgctl (id, cmd, buf).
	a1, a2 := uintptr(ipcRMID), uintptr(0)
	if k == ipc.KindSem {
		a1, a2 = 0, ipcRMID
	}
	if _, _, e := unix.Syscall(rmid, uintptr(id), a1, a2); e != 0 {
		t.Fatalf("ReplaceSysV: removing %s %d: %v", k, id, e)
	}
	sysctl := fmt.Sprintf("/proc/sys/kernel/%s_next_id", k)
	if err := os.WriteFile(sysctl, []byte(fmt.Sprint(id)), 0); err != nil {
		t.Fatalf("ReplaceSysV: %v", err)
	}
	r, _, e := unix.Syscall(get, getArgs[0], getArgs[1], getArgs[2])
	if e != 0 {
		t.Fatalf("ReplaceSysV: creating the new %s: %v", k, e)
	}
	if int(r) != id {
		t.Fatalf("ReplaceSysV: the new %s got id %d, not %d", k, r, id)
	}
	t.Cleanup(func() { unix.Syscall(rmid, uintptr(id), a1, a2) })
	if n.UID != 0 {
		c := ipc.New(procfs.DefaultFS)
		u := ipc.PermUpdate{UID: &n.UID}
		var err error
		switch k {
		case ipc.KindShm:
			err = c.ShmSet(id, u)
		case ipc.KindSem:
			err = c.SemSet(id, u)
		case ipc.KindMsg:
			err = c.MsgSet(id, u, nil)
		}
		if err != nil {
			t.Fatalf("ReplaceSysV: chown the new %s %d: %v", k, id, err)
		}
	}
}

// ReplacePosix removes POSIX object name of kind k (pshm, psem or mq)
// and creates a new one of the same name owned by uid: a new file (a new
// inode) in /dev/shm, or a new queue.
func ReplacePosix(t testing.TB, k ipc.Kind, name string, uid uint32) {
	t.Helper()
	nstest.Require(t)
	c := ipc.New(procfs.DefaultFS)
	var err error
	switch k {
	case ipc.KindPshm:
		if err = c.PshmRemove(name); err == nil {
			_, err = c.PshmCreate(name, ipc.PshmCreateOptions{Size: 4096, Mode: 0o600})
		}
		if err == nil {
			err = c.PshmChown(name, uid, nil)
		}
	case ipc.KindPsem:
		if err = c.PsemRemove(name); err == nil {
			_, err = c.PsemCreate(name, ipc.PsemCreateOptions{Mode: 0o600})
		}
		if err == nil {
			err = c.PsemChown(name, uid, nil)
		}
	case ipc.KindMq:
		if err = c.MqRemove(name); err == nil {
			_, err = c.MqCreate(name, ipc.MqCreateOptions{Mode: 0o600})
		}
		if err == nil {
			err = c.MqChown(name, uid, nil)
		}
	default:
		t.Fatalf("ReplacePosix: %s is not a POSIX kind", k)
	}
	if err != nil {
		t.Fatalf("ReplacePosix %s %s: %v", k, name, err)
	}
}

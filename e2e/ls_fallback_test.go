package e2e

import (
	"os/exec"
	"reflect"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// shmLock is SHM_LOCK from include/uapi/linux/shm.h (x/sys lacks it).
const shmLock = 11

// The two sources of a System V listing, /proc/sysvipc and the *_INFO +
// *_STAT_ANY loops, must agree on every field the system calls can fill:
// rss and swap come only from /proc, qbytes only from msgctl.
func TestListFallbackMatchesProc(t *testing.T) {
	nstest.Require(t)
	if _, err := exec.LookPath("ipcmk"); err != nil {
		t.Skip("ipcmk not installed")
	}
	// Varied objects: attached, marked for removal while attached, locked, keyed.
	attached, err := unix.SysvShmGet(0x5eed, 3*4096, unix.IPC_CREAT|0o640)
	if err != nil {
		t.Fatal(err)
	}
	mem, err := unix.SysvShmAttach(attached, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.SysvShmDetach(mem) })
	mem[0] = 1
	if _, err := unix.SysvShmCtl(attached, unix.IPC_RMID, nil); err != nil {
		t.Fatal(err)
	}
	locked, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	_, lockErr := unix.SysvShmCtl(locked, shmLock, nil)
	if lockErr != nil {
		t.Logf("SHM_LOCK: %v (the listing is still compared)", lockErr)
	}
	semID := ipcmk(t, "-S", "3", "-p", "0600")
	msgID := ipcmk(t, "-Q", "-p", "0644")
	shmID := ipcmk(t, "-M", "65536")
	t.Cleanup(func() {
		unix.SysvShmCtl(locked, unix.IPC_RMID, nil)
		exec.Command("ipcrm", "-s", semID, "-q", msgID, "-m", shmID).Run()
	})

	proc := ipc.New(procfs.DefaultFS).WithListSource(ipc.SourceProc)
	syscalls := ipc.New(procfs.DefaultFS).WithListSource(ipc.SourceStat)

	fromProc, fromSys := listBoth(t, proc.ShmList, syscalls.ShmList)
	for i := range fromProc {
		if fromProc[i].RSS == nil || fromProc[i].Swap == nil {
			t.Errorf("/proc on this kernel has no rss/swap for shm %d", fromProc[i].ID)
		}
		fromProc[i].RSS, fromProc[i].Swap = nil, nil
	}
	if len(fromProc) != 3 || !reflect.DeepEqual(fromProc, fromSys) {
		t.Errorf("shm:\n/proc    %+v\nsyscalls %+v", fromProc, fromSys)
	}
	for _, s := range fromSys {
		switch s.ID {
		case attached:
			if !s.Dest() || s.Nattch != 1 || s.Key != 0 || s.ATime.IsZero() {
				t.Errorf("attached and removed segment: %+v, want dest, nattch 1, key reset to 0, atime set", s)
			}
		case locked:
			if s.Locked() != (lockErr == nil) {
				t.Errorf("locked segment: %+v, want locked=%v", s, lockErr == nil)
			}
		}
	}

	semProc, semSys := listBoth(t, proc.SemList, syscalls.SemList)
	if len(semProc) != 1 || !reflect.DeepEqual(semProc, semSys) {
		t.Errorf("sem:\n/proc    %+v\nsyscalls %+v", semProc, semSys)
	}

	msgProc, msgSys := listBoth(t, proc.MsgList, func() ([]ipc.Msg, error) {
		return syscalls.MsgListNeeds(ipc.ListNeeds{QBytes: true})
	})
	for i := range msgSys {
		if msgSys[i].QBytes == nil || *msgSys[i].QBytes == 0 {
			t.Errorf("msgctl gave no qbytes for queue %d", msgSys[i].ID)
		}
		msgSys[i].QBytes = nil
	}
	if len(msgProc) != 1 || !reflect.DeepEqual(msgProc, msgSys) {
		t.Errorf("msg:\n/proc    %+v\nsyscalls %+v", msgProc, msgSys)
	}
}

// listBoth lists one kind through /proc and through the system calls.
func listBoth[T any](t *testing.T, fromProc, fromSyscalls func() ([]T, error)) ([]T, []T) {
	t.Helper()
	a, err := fromProc()
	if err != nil {
		t.Fatal(err)
	}
	b, err := fromSyscalls()
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

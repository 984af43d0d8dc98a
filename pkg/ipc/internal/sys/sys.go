// Package sys holds the System V IPC system calls that golang.org/x/sys/unix
// lacks (semaphores, message queues, the *_INFO and *_STAT_ANY commands),
// written in x/sys style: a raw wrapper per syscall that matches the kernel
// signature and returns unix.Errno, with no policy.
//
// Constants and layouts follow include/uapi/linux/ipc.h, shm.h, sem.h, msg.h
// and the per-arch asm/sembuf.h, asm/msgbuf.h, asm/shmbuf.h. On 64-bit
// Linux the syscalls take the IPC_64 layouts without the IPC_64 flag.
package sys

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Commands shared by all kinds (include/uapi/linux/ipc.h).
const (
	IPC_RMID = 0
	IPC_SET  = 1
	IPC_STAT = 2
	IPC_INFO = 3

	IPC_CREAT  = 0o1000
	IPC_EXCL   = 0o2000
	IPC_NOWAIT = 0o4000

	IPC_PRIVATE = 0
)

// Shared memory commands and flags (include/uapi/linux/shm.h).
const (
	SHM_LOCK     = 11
	SHM_UNLOCK   = 12
	SHM_STAT     = 13
	SHM_INFO     = 14
	SHM_STAT_ANY = 15

	SHM_DEST   = 0o1000 // in shm_perm.mode: marked for removal
	SHM_LOCKED = 0o2000 // in shm_perm.mode: locked in memory

	SHM_RDONLY    = 0o10000
	SHM_RND       = 0o20000
	SHM_REMAP     = 0o40000
	SHM_HUGETLB   = 0o4000
	SHM_NORESERVE = 0o10000

	SHM_HUGE_SHIFT = 26
)

// Semaphore commands (include/uapi/linux/sem.h).
const (
	GETPID       = 11
	GETVAL       = 12
	GETALL       = 13
	GETNCNT      = 14
	GETZCNT      = 15
	SETVAL       = 16
	SETALL       = 17
	SEM_STAT     = 18
	SEM_INFO     = 19
	SEM_STAT_ANY = 20

	SEM_UNDO = 0x1000
	SEMVMX   = 32767 // largest semaphore value
)

// Message queue commands and flags (include/uapi/linux/msg.h).
const (
	MSG_STAT     = 11
	MSG_INFO     = 12
	MSG_STAT_ANY = 13

	MSG_NOERROR = 0o10000
	MSG_EXCEPT  = 0o20000
	MSG_COPY    = 0o40000
)

// IpcPerm is struct ipc64_perm (include/uapi/asm-generic/ipcbuf.h), the same on amd64 and arm64.
type IpcPerm = unix.SysvIpcPerm

// ShmInfo is struct shm_info, filled by SHM_INFO.
type ShmInfo struct {
	UsedIDs       int32
	_             int32
	ShmTot        uint64 // pages
	ShmRss        uint64 // pages
	ShmSwp        uint64 // pages
	SwapAttempts  uint64
	SwapSuccesses uint64
}

// ShmLimits is struct shminfo64 (include/uapi/asm-generic/shmbuf.h),
// filled by shmctl(IPC_INFO), which returns the highest index in use as
// SHM_INFO does, without SHM_INFO's walk over every segment.
type ShmLimits struct {
	Shmmax, Shmmin, Shmmni, Shmseg, Shmall uint64
	_                                      [4]uint64
}

// SemInfo is struct seminfo, filled by SEM_INFO and IPC_INFO.
type SemInfo struct {
	Semmap, Semmni, Semmns, Semmnu, Semmsl, Semopm, Semume, Semusz, Semvmx, Semaem int32
}

// MsgInfo is struct msginfo, filled by MSG_INFO and IPC_INFO.
type MsgInfo struct {
	Msgpool, Msgmap, Msgmax, Msgmnb, Msgmni, Msgssz, Msgtql int32
	Msgseg                                                  uint16
	_                                                       uint16
}

// The *ctl calls never block, so they use RawSyscall: the scheduler
// hand-off of Syscall costs more than the call itself when thousands are
// made in a row (rm --all), and showed up as futex and nanosleep storms.

// Shmctl is shmctl(2) with a pointer argument (IPC_STAT, SHM_STAT_ANY, SHM_INFO, IPC_SET, IPC_RMID).
func Shmctl(id, cmd int, buf unsafe.Pointer) (int, error) {
	r, _, e := unix.RawSyscall(unix.SYS_SHMCTL, uintptr(id), uintptr(cmd), uintptr(buf))
	if e != 0 {
		return int(r), e
	}
	return int(r), nil
}

// Semctl is semctl(2) for commands whose union semun argument is an int
// (SETVAL) or unused (GETVAL, GETPID, GETNCNT, GETZCNT, IPC_RMID).
func Semctl(id, num, cmd, val int) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_SEMCTL, uintptr(id), uintptr(num), uintptr(cmd), uintptr(val), 0, 0)
	if e != 0 {
		return int(r), e
	}
	return int(r), nil
}

// SemctlBuf is semctl(2) for commands whose union semun argument is a
// pointer (IPC_STAT, IPC_SET, GETALL, SETALL, SEM_INFO, SEM_STAT_ANY). The
// pointer stays unsafe.Pointer until the syscall itself, so the garbage
// collector keeps buf alive and in place across the call.
func SemctlBuf(id, num, cmd int, buf unsafe.Pointer) (int, error) {
	r, _, e := unix.RawSyscall6(unix.SYS_SEMCTL, uintptr(id), uintptr(num), uintptr(cmd), uintptr(buf), 0, 0)
	if e != 0 {
		return int(r), e
	}
	return int(r), nil
}

// Msgctl is msgctl(2).
func Msgctl(id, cmd int, buf unsafe.Pointer) (int, error) {
	r, _, e := unix.RawSyscall(unix.SYS_MSGCTL, uintptr(id), uintptr(cmd), uintptr(buf))
	if e != 0 {
		return int(r), e
	}
	return int(r), nil
}

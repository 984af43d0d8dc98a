package sys

import "golang.org/x/sys/unix"

// The *get system calls that find or create a System V object by key
// (include/uapi/linux/ipc.h for the IPC_CREAT/IPC_EXCL flags, shm.h for
// SHM_HUGETLB, SHM_NORESERVE and the SHM_HUGE_SHIFT page size encoding).

// Shmget is shmget(2): int shmget(key_t key, size_t size, int shmflg).
func Shmget(key int32, size uint64, flag int) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_SHMGET, uintptr(key), uintptr(size), uintptr(flag))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// Semget is semget(2): int semget(key_t key, int nsems, int semflg).
func Semget(key int32, nsems, flag int) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_SEMGET, uintptr(key), uintptr(nsems), uintptr(flag))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// Msgget is msgget(2): int msgget(key_t key, int msgflg).
func Msgget(key int32, flag int) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_MSGGET, uintptr(key), uintptr(flag), 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

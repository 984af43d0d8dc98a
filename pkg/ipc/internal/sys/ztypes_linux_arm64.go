//go:build linux && arm64

package sys

// ShmidDs is struct shmid64_ds (include/uapi/asm-generic/shmbuf.h, 64-bit).
type ShmidDs struct {
	Perm   IpcPerm
	Segsz  uint64
	Atime  int64
	Dtime  int64
	Ctime  int64
	Cpid   int32
	Lpid   int32
	Nattch uint64
	_      [2]uint64
}

// SemidDs is struct semid64_ds (include/uapi/asm-generic/sembuf.h, 64-bit):
// no padding words after the times, unlike x86_64.
type SemidDs struct {
	Perm  IpcPerm
	Otime int64
	Ctime int64
	Nsems uint64
	_     [2]uint64
}

// MsqidDs is struct msqid64_ds (include/uapi/asm-generic/msgbuf.h, 64-bit).
type MsqidDs struct {
	Perm   IpcPerm
	Stime  int64
	Rtime  int64
	Ctime  int64
	Cbytes uint64
	Qnum   uint64
	Qbytes uint64
	Lspid  int32
	Lrpid  int32
	_      [2]uint64
}

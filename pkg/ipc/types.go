// Package ipc inspects and operates on System V and POSIX IPC objects.
//
// A Client reads through a procfs.FS (so listings run against fixture
// trees) and changes objects with system calls. Methods are named
// verb-noun after the netlink package's style: c.ShmList(), c.SemStat(id).
// Nothing here prints or exits.
package ipc

import (
	"time"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
)

// Kind names a kind of IPC object.
type Kind string

// The kinds of object. System V objects are named by id, POSIX ones by a
// name that starts with "/".
const (
	KindShm  Kind = "shm"  // System V shared memory
	KindSem  Kind = "sem"  // System V semaphore set
	KindMsg  Kind = "msg"  // System V message queue
	KindPshm Kind = "pshm" // POSIX shared memory (/dev/shm/NAME)
	KindPsem Kind = "psem" // POSIX named semaphore (/dev/shm/sem.NAME)
	KindMq   Kind = "mq"   // POSIX message queue (/dev/mqueue/NAME)
)

// SysV reports whether k is a System V kind.
func (k Kind) SysV() bool { return k == KindShm || k == KindSem || k == KindMsg }

// Posix reports whether k is a POSIX kind, named by /NAME.
func (k Kind) Posix() bool { return k == KindPshm || k == KindPsem || k == KindMq }

// Perm is the ipc_perm common to System V objects.
type Perm struct {
	Key  int32  // key_t; 0 is IPC_PRIVATE
	ID   int    // the object's id
	Mode uint32 // permission bits; for shm also SHM_DEST and SHM_LOCKED
	UID  uint32 // owner
	GID  uint32
	CUID uint32 // creator
	CGID uint32
}

// Shm is a System V shared memory segment.
type Shm struct {
	Perm
	Size   uint64 // bytes
	Nattch uint64
	CPID   int // creator pid
	LPID   int // pid of the last shmat/shmdt
	ATime  time.Time
	DTime  time.Time
	CTime  time.Time
	RSS    *uint64 // resident bytes; nil when the kernel does not say
	Swap   *uint64 // swapped bytes; nil when the kernel does not say
}

// Dest reports whether the segment is marked for removal (it goes when the last process detaches).
func (s Shm) Dest() bool { return s.Mode&sys.SHM_DEST != 0 }

// Locked reports whether the segment is locked in memory (SHM_LOCK).
func (s Shm) Locked() bool { return s.Mode&sys.SHM_LOCKED != 0 }

// Sem is a System V semaphore set.
type Sem struct {
	Perm
	NSems uint64
	OTime time.Time // last semop
	CTime time.Time
	// Sems holds each semaphore's state; filled by SemStat, nil in listings.
	Sems []Semaphore
	// SemsErr says why SemStat could not read Sems (no read permission).
	SemsErr error
}

// Semaphore is one semaphore of a set.
type Semaphore struct {
	Num   int // semnum
	Value int
	NCnt  int // processes waiting for the value to increase
	ZCnt  int // processes waiting for zero
	PID   int // last process to operate on it
}

// Msg is a System V message queue.
type Msg struct {
	Perm
	CBytes uint64  // bytes in the queue
	QNum   uint64  // messages in the queue
	QBytes *uint64 // queue capacity in bytes; from IPC_STAT, nil in listings
	LSPID  int     // last sender
	LRPID  int     // last receiver
	STime  time.Time
	RTime  time.Time
	CTime  time.Time
}

// unixTime turns kernel seconds into a time; 0 (never) is the zero time.
func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}

package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// mqueueMagic is MQUEUE_MAGIC from include/uapi/linux/magic.h (x/sys lacks it).
const mqueueMagic = 0x19800202

// SysvUsage is what the System V objects of the IPC namespace use, the
// figures `ipcs -u` prints.
type SysvUsage struct {
	ShmSegments uint64
	ShmBytes    uint64  // sum of segment sizes
	ShmPages    uint64  // each segment rounded up to whole pages: what SHMALL limits
	ShmRSS      *uint64 // resident bytes; nil when the kernel does not say
	ShmSwap     *uint64 // swapped-out bytes; nil when the kernel does not say
	SemSets     uint64
	Semaphores  uint64 // semaphores in all sets: what SEMMNS limits
	MsgQueues   uint64
	Messages    uint64 // messages in all queues ("used headers")
	MsgBytes    uint64 // bytes in all queues ("used space")
}

// SysvUsage counts what the System V objects use, from their listings.
// Equivalent to: `ipcs -u`.
func (c *Client) SysvUsage() (SysvUsage, error) {
	shm, err := c.ShmList()
	if err != nil {
		return SysvUsage{}, err
	}
	sem, err := c.SemList()
	if err != nil {
		return SysvUsage{}, err
	}
	msg, err := c.MsgList()
	if err != nil {
		return SysvUsage{}, err
	}
	return SysvUsageOf(shm, sem, msg), nil
}

// SysvUsageOf adds up listings the caller already has, as SysvUsage adds
// up its own; any of them may be nil (its figures are then 0).
// Equivalent to: the summaries of `ipcs -u`.
func SysvUsageOf(shm []Shm, sem []Sem, msg []Msg) SysvUsage {
	return sysvUsage(shm, sem, msg, uint64(os.Getpagesize()))
}

// sysvUsage adds up listings. SHMALL counts pages the way the kernel
// charges them (ipc/shm.c newseg): each segment rounded up on its own.
func sysvUsage(shm []Shm, sem []Sem, msg []Msg, pageSize uint64) SysvUsage {
	var u SysvUsage
	var rss, swap uint64
	known := len(shm) > 0
	for _, s := range shm {
		u.ShmSegments++
		u.ShmBytes += s.Size
		u.ShmPages += s.Size/pageSize + min(s.Size%pageSize, 1)
		if s.RSS == nil || s.Swap == nil {
			known = false
			continue
		}
		rss += *s.RSS
		swap += *s.Swap
	}
	if known || len(shm) == 0 {
		u.ShmRSS, u.ShmSwap = &rss, &swap
	}
	for _, s := range sem {
		u.SemSets++
		u.Semaphores += s.NSems
	}
	for _, m := range msg {
		u.MsgQueues++
		u.Messages += m.QNum
		u.MsgBytes += m.CBytes
	}
	return u
}

// Unit says what a Limit counts.
type Unit string

// Units of limits.
const (
	UnitCount Unit = "count"
	UnitBytes Unit = "bytes"
	UnitPages Unit = "pages"
)

// Limit is one kernel IPC limit with what is in use against it, a row of
// `lsipc -g`. Used is nil where nothing is counted against the limit
// (MSGMAX is per message); Max is nil for usage figures that have no limit
// (bytes in all queues), and for POSIX mqueue values on a kernel without
// POSIX message queues.
type Limit struct {
	Kind        Kind   // shm, sem, msg, mq, or pshm for /dev/shm
	Name        string // SHMMAX, QUEUES_MAX...
	Description string
	Unit        Unit
	Used        *uint64
	Max         *uint64
}

// SysvLimits reads the System V limits of the client's IPC namespace
// (kernel.shmmax, shmall, shmmni, sem, msgmax, msgmnb, msgmni: each IPC
// namespace has its own). Equivalent to: `ipcs -l`.
func (c *Client) SysvLimits() (procfs.SysvLimits, error) {
	if c.remote() {
		return nsCall(c, (*Client).SysvLimits)
	}
	return c.fs.SysvLimits()
}

// MqueueLimits reads the POSIX message queue limits of the client's IPC
// namespace (fs.mqueue.*). Equivalent to: `lsipc -g` (mqueue rows).
func (c *Client) MqueueLimits() (procfs.MqueueLimits, error) {
	if c.remote() {
		return nsCall(c, (*Client).MqueueLimits)
	}
	return c.fs.MqueueLimits()
}

// Limits lists every System V and POSIX message queue limit with its
// current usage, and the capacity and use of /dev/shm.
// Equivalent to: `ipcs -l -u` and `lsipc -g` together.
func (c *Client) Limits() ([]Limit, error) {
	if c.remote() {
		return nsCall(c, (*Client).Limits)
	}
	l, err := c.fs.SysvLimits()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrUnsupported
	}
	if err != nil {
		return nil, err
	}
	u, err := c.SysvUsage()
	if err != nil {
		return nil, err
	}
	mq, err := c.fs.MqueueLimits()
	mqKnown := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	mqMax := func(v uint64) *uint64 {
		if !mqKnown {
			return nil
		}
		return &v
	}
	var mqUsed *uint64
	if n, err := c.mqueueCount(); err == nil {
		mqUsed = &n
	}
	shm := c.devShmUsage()
	p := func(v uint64) *uint64 { return &v }
	return []Limit{
		{KindMsg, "MSGMNI", "Number of message queues", UnitCount, p(u.MsgQueues), p(l.MsgMni)},
		{KindMsg, "MSGMAX", "Max size of message (bytes)", UnitBytes, nil, p(l.MsgMax)},
		{KindMsg, "MSGMNB", "Default max size of queue (bytes)", UnitBytes, nil, p(l.MsgMnb)},
		{KindMsg, "MSGHDRS", "Messages in all queues", UnitCount, p(u.Messages), nil},
		{KindMsg, "MSGBYTES", "Bytes in all queues", UnitBytes, p(u.MsgBytes), nil},
		{KindShm, "SHMMNI", "Shared memory segments", UnitCount, p(u.ShmSegments), p(l.ShmMni)},
		{KindShm, "SHMALL", "Shared memory pages", UnitPages, p(u.ShmPages), p(l.ShmAll)},
		{KindShm, "SHMMAX", "Max size of shared memory segment (bytes)", UnitBytes, nil, p(l.ShmMax)},
		{KindShm, "SHMMIN", "Min size of shared memory segment (bytes)", UnitBytes, nil, p(1)},
		{KindShm, "SHMBYTES", "Bytes in all segments", UnitBytes, p(u.ShmBytes), nil},
		{KindShm, "SHMRSS", "Resident bytes of all segments", UnitBytes, u.ShmRSS, nil},
		{KindShm, "SHMSWAP", "Swapped-out bytes of all segments", UnitBytes, u.ShmSwap, nil},
		{KindSem, "SEMMNI", "Number of semaphore identifiers", UnitCount, p(u.SemSets), p(l.SemMni)},
		{KindSem, "SEMMNS", "Total number of semaphores", UnitCount, p(u.Semaphores), p(l.SemMns)},
		{KindSem, "SEMMSL", "Max semaphores per semaphore set", UnitCount, nil, p(l.SemMsl)},
		{KindSem, "SEMOPM", "Max number of operations per semop(2)", UnitCount, nil, p(l.SemOpm)},
		{KindSem, "SEMVMX", "Semaphore max value", UnitCount, nil, p(sys.SEMVMX)},
		{KindMq, "QUEUES_MAX", "Number of POSIX message queues", UnitCount, mqUsed, mqMax(mq.QueuesMax)},
		{KindMq, "MSG_MAX", "Max messages per POSIX queue", UnitCount, nil, mqMax(mq.MsgMax)},
		{KindMq, "MSGSIZE_MAX", "Max size of POSIX message (bytes)", UnitBytes, nil, mqMax(mq.MsgSizeMax)},
		{KindMq, "MSG_DEFAULT", "Default messages per POSIX queue", UnitCount, nil, mqMax(mq.MsgDefault)},
		{KindMq, "MSGSIZE_DEFAULT", "Default size of POSIX message (bytes)", UnitBytes, nil, mqMax(mq.MsgSizeDefault)},
		{KindPshm, "DEVSHM_BYTES", "Space of the /dev/shm tmpfs (bytes)", UnitBytes, shm.UsedBytes, shm.SizeBytes},
		{KindPshm, "DEVSHM_INODES", "Inodes used in the /dev/shm tmpfs", UnitCount, shm.UsedInodes, shm.Inodes},
	}, nil
}

// DevShmUsage is the capacity and use of the tmpfs behind /dev/shm, where
// POSIX shared memory and semaphores live. A nil field is unknown: no
// tmpfs there, a fixture tree, or a tmpfs without that limit (size=0 or
// nr_inodes=0 make it unlimited, and statfs then reports 0).
type DevShmUsage struct {
	SizeBytes  *uint64
	UsedBytes  *uint64
	FreeBytes  *uint64 // what an unprivileged process may still use (f_bavail)
	Inodes     *uint64
	UsedInodes *uint64
	FreeInodes *uint64
}

// DevShm reports the capacity and use of /dev/shm from statfs(2). Only
// the live system is asked: statfs of a fixture tree would describe
// whatever disk holds it. ErrUnsupported when /dev/shm is not a tmpfs.
// Equivalent to: `df -B1 /dev/shm` and `df -i /dev/shm`.
func (c *Client) DevShm() (DevShmUsage, error) {
	if !c.live() {
		return DevShmUsage{}, ErrUnsupported
	}
	if err := c.posixErr(); err != nil {
		return DevShmUsage{}, err
	}
	var st unix.Statfs_t
	if err := unix.Statfs(c.shmDir(), &st); err != nil {
		return DevShmUsage{}, notFound(&fs.PathError{Op: "statfs", Path: c.shmDir(), Err: err})
	}
	if st.Type != unix.TMPFS_MAGIC {
		return DevShmUsage{}, fmt.Errorf("%s is not a tmpfs: %w", c.shmDir(), ErrUnsupported)
	}
	return devShmUsage(st), nil
}

// devShmUsage converts statfs figures; a zero total means no limit.
func devShmUsage(st unix.Statfs_t) DevShmUsage {
	var u DevShmUsage
	p := func(v uint64) *uint64 { return &v }
	bsize := uint64(st.Bsize)
	if st.Blocks > 0 {
		u.SizeBytes = p(st.Blocks * bsize)
		u.UsedBytes = p((st.Blocks - st.Bfree) * bsize)
		u.FreeBytes = p(st.Bavail * bsize)
	}
	if st.Files > 0 {
		u.Inodes = p(st.Files)
		u.UsedInodes = p(st.Files - st.Ffree)
		u.FreeInodes = p(st.Ffree)
	}
	return u
}

// devShmUsage is DevShm with every figure unknown when it fails: limits
// still lists the rest.
func (c *Client) devShmUsage() DevShmUsage {
	u, err := c.DevShm()
	if err != nil {
		return DevShmUsage{}
	}
	return u
}

// mqueueCount counts the queues in the mqueue filesystem at /dev/mqueue
// (every entry there is a queue). On the live system the directory must
// really be an mqueue mount, else the count would be of something else.
func (c *Client) mqueueCount() (uint64, error) {
	dir := c.mqDir()
	if c.live() {
		var st unix.Statfs_t
		if err := unix.Statfs(dir, &st); err != nil {
			return 0, err
		}
		if st.Type != mqueueMagic {
			return 0, ErrUnsupported
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	return uint64(len(entries)), nil
}

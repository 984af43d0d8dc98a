package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"golang.org/x/sys/unix"
)

// ExistsError reports that a key already names an object of that kind.
// It matches fs.ErrExist.
type ExistsError struct {
	Kind Kind
	Key  int32
	ID   int // the existing object's id; -1 when it could not be read
}

func (e *ExistsError) Error() string {
	if e.ID < 0 {
		return fmt.Sprintf("already exists (key 0x%08x)", uint32(e.Key))
	}
	return fmt.Sprintf("already exists (id %d)", e.ID)
}

func (e *ExistsError) Is(target error) bool { return target == fs.ErrExist }

// The Create methods always make a new object (IPC_CREAT|IPC_EXCL): a key
// that is taken gives *ExistsError, never somebody else's object. To use
// an existing object on purpose, call ShmGet, SemGet or MsgGet.

// ShmCreateOptions describe a new shared memory segment.
type ShmCreateOptions struct {
	Key          int32  // 0 (IPC_PRIVATE) for a segment only reachable by id
	Size         uint64 // bytes, > 0
	Mode         uint32 // permission bits (0600)
	HugeTLB      bool   // SHM_HUGETLB: back it with huge pages
	HugePageSize uint64 // with HugeTLB: a power of two, or 0 for the default huge page size
	NoReserve    bool   // SHM_NORESERVE: do not reserve swap (or huge pages)
}

// ShmCreate makes a shared memory segment and returns its id.
// Equivalent to: `ipcmk -M SIZE -p MODE`.
func (c *Client) ShmCreate(o ShmCreateOptions) (int, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (int, error) { return c.ShmCreate(o) })
	}
	flag := sys.IPC_CREAT | sys.IPC_EXCL | int(o.Mode&0o777)
	if o.HugeTLB {
		flag |= sys.SHM_HUGETLB
		if o.HugePageSize != 0 {
			if bits.OnesCount64(o.HugePageSize) != 1 {
				return -1, fmt.Errorf("huge page size %d is not a power of two", o.HugePageSize)
			}
			flag |= bits.TrailingZeros64(o.HugePageSize) << sys.SHM_HUGE_SHIFT
		}
	}
	if o.NoReserve {
		flag |= sys.SHM_NORESERVE
	}
	id, err := sys.Shmget(o.Key, o.Size, flag)
	if err != nil {
		return -1, c.createError(KindShm, o.Key, err)
	}
	return id, nil
}

// SemCreateOptions describe a new semaphore set.
type SemCreateOptions struct {
	Key   int32
	NSems int
	Mode  uint32
	// Values, when not nil, holds one initial value per semaphore (0..SEMVMX).
	Values []uint16
}

// SemCreate makes a semaphore set and returns its id. With Values, no
// process of another user can reach the set before its values are in: it
// is created with mode 0600 (and IPC_EXCL, so it is surely this call's),
// filled with SETALL, and only then given the requested mode with
// IPC_SET. The kernel sets sem_otime only on semop, so a peer could not
// otherwise tell a fresh all-zero set from an initialised one. Mode 0
// would gain nothing: SETALL needs the owner's alter permission, and
// processes of the same user or with CAP_IPC_OWNER pass any mode anyway.
// If initialisation fails the new set is removed again.
// Equivalent to: `ipcmk -S NSEMS -p MODE` followed by semctl(SETALL).
func (c *Client) SemCreate(o SemCreateOptions) (int, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (int, error) { return c.SemCreate(o) })
	}
	if o.Values != nil && len(o.Values) != o.NSems {
		return -1, fmt.Errorf("%d initial values for %d semaphores", len(o.Values), o.NSems)
	}
	mode := o.Mode & 0o777
	if o.Values != nil {
		mode = 0o600
	}
	id, err := sys.Semget(o.Key, o.NSems, sys.IPC_CREAT|sys.IPC_EXCL|int(mode))
	if err != nil {
		return -1, c.createError(KindSem, o.Key, err)
	}
	if o.Values == nil || o.NSems == 0 {
		return id, nil
	}
	err = func() error {
		if _, err := sys.SemctlBuf(id, 0, sys.SETALL, unsafe.Pointer(&o.Values[0])); err != nil {
			return fmt.Errorf("set initial values: %w", err)
		}
		var ds sys.SemidDs
		if _, err := sys.SemctlBuf(id, 0, sys.IPC_STAT, unsafe.Pointer(&ds)); err != nil {
			return fmt.Errorf("read new set: %w", err)
		}
		ds.Perm.Mode = o.Mode & 0o777
		if _, err := sys.SemctlBuf(id, 0, sys.IPC_SET, unsafe.Pointer(&ds)); err != nil {
			return fmt.Errorf("set mode: %w", err)
		}
		return nil
	}()
	if err != nil {
		_, _ = sys.Semctl(id, 0, sys.IPC_RMID, 0)
		return -1, err
	}
	return id, nil
}

// MsgCreateOptions describe a new message queue.
type MsgCreateOptions struct {
	Key    int32
	Mode   uint32
	QBytes uint64 // queue capacity in bytes; 0 keeps the kernel default (msgmnb)
}

// MsgCreate makes a message queue and returns its id. A QBytes above
// msgmnb needs CAP_SYS_RESOURCE; if setting it fails the new queue is
// removed again.
// Equivalent to: `ipcmk -Q -p MODE`.
func (c *Client) MsgCreate(o MsgCreateOptions) (int, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (int, error) { return c.MsgCreate(o) })
	}
	id, err := sys.Msgget(o.Key, sys.IPC_CREAT|sys.IPC_EXCL|int(o.Mode&0o777))
	if err != nil {
		return -1, c.createError(KindMsg, o.Key, err)
	}
	if o.QBytes == 0 {
		return id, nil
	}
	if err := msgSetQBytes(id, o.QBytes); err != nil {
		_, _ = sys.Msgctl(id, sys.IPC_RMID, nil)
		return -1, fmt.Errorf("set qbytes: %w", err)
	}
	return id, nil
}

func msgSetQBytes(id int, qbytes uint64) error {
	var ds sys.MsqidDs
	if _, err := sys.Msgctl(id, sys.IPC_STAT, unsafe.Pointer(&ds)); err != nil {
		return err
	}
	ds.Qbytes = qbytes
	_, err := sys.Msgctl(id, sys.IPC_SET, unsafe.Pointer(&ds))
	return err
}

// createError turns EEXIST into *ExistsError naming the existing object.
func (c *Client) createError(k Kind, key int32, err error) error {
	if !errors.Is(err, unix.EEXIST) {
		return err
	}
	id, gerr := getID(k, key)
	if gerr != nil {
		id = -1
	}
	return &ExistsError{Kind: k, Key: key, ID: id}
}

// getID finds the id of the object of kind k with key, asking for no
// permissions (so it works on objects the caller cannot use).
func getID(k Kind, key int32) (int, error) {
	var (
		id  int
		err error
	)
	switch k {
	case KindShm:
		id, err = sys.Shmget(key, 0, 0)
	case KindSem:
		id, err = sys.Semget(key, 0, 0)
	case KindMsg:
		id, err = sys.Msgget(key, 0)
	default:
		return -1, fmt.Errorf("%s objects have no keys", k)
	}
	if errors.Is(err, unix.ENOENT) {
		return -1, ErrNotFound
	}
	return id, err
}

// ShmGet returns the id of the existing segment with key, which must be
// at least size bytes. It asks for no permissions: what the caller may do
// with the segment is checked when it is used.
// Equivalent to: shmget(KEY, SIZE, 0).
func (c *Client) ShmGet(key int32, size uint64) (int, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (int, error) { return c.ShmGet(key, size) })
	}
	id, err := sys.Shmget(key, size, 0)
	return id, getError(err, "smaller than the size asked for")
}

// SemGet returns the id of the existing semaphore set with key, which
// must have at least nsems semaphores.
// Equivalent to: semget(KEY, NSEMS, 0).
func (c *Client) SemGet(key int32, nsems int) (int, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (int, error) { return c.SemGet(key, nsems) })
	}
	id, err := sys.Semget(key, nsems, 0)
	return id, getError(err, "has fewer semaphores than asked for")
}

// MsgGet returns the id of the existing message queue with key.
// Equivalent to: msgget(KEY, 0).
func (c *Client) MsgGet(key int32) (int, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (int, error) { return c.MsgGet(key) })
	}
	return getID(KindMsg, key)
}

func getError(err error, einval string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOENT):
		return ErrNotFound
	case errors.Is(err, unix.EINVAL) && einval != "":
		return fmt.Errorf("the existing object is %s", einval)
	}
	return err
}

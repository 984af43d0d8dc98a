package ipc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"golang.org/x/sys/unix"
)

// A glibc named semaphore is the file /dev/shm/sem.NAME holding one
// 32-byte sem_t. On 64-bit glibc (nptl/sem_open.c, sysdeps/nptl/internaltypes.h)
// the sem_t starts with struct new_sem:
//
//	offset 0  uint64 data     value in the low 32 bits, waiters (nwaiters) in the high 32
//	offset 8  int    private  FUTEX_SHARED (= FUTEX_PRIVATE_FLAG, 128) for sem_open's
//	                          process-shared semaphores, FUTEX_PRIVATE (0) otherwise
//	offset 12 int    pad      0
//	offset 16 ...             zero up to sizeof(sem_t) = 32
//
// glibc folds private into the futex op as (op | FUTEX_PRIVATE_FLAG) ^ private,
// so a named semaphore uses shared futexes. Wait and post below follow
// nptl/sem_waitcommon.c and nptl/sem_post.c (the 64-bit-atomics variant)
// step by step, so Go and C processes can share a semaphore.

const (
	psemSize          = 32
	psemNwaitersShift = 32
	psemValueMask     = 1<<psemNwaitersShift - 1
	psemPrivateShared = sys.FUTEX_PRIVATE_FLAG
)

// SemValueMax is SEM_VALUE_MAX (INT_MAX): post refuses to go past it.
const SemValueMax = math.MaxInt32

// psemValueOffset is where the 32-bit value (the futex word) sits inside
// the 64-bit data word: its low half in memory order.
var psemValueOffset = func() uintptr {
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		return 0
	}
	return 4
}()

// PsemStatus says whether a semaphore file could be read and decoded.
type PsemStatus string

const (
	PsemOK         PsemStatus = "ok"
	PsemInvalid    PsemStatus = "invalid"    // wrong size or layout: never mapped
	PsemUnreadable PsemStatus = "unreadable" // no read permission: stat fields only
)

// Psem is a glibc named semaphore.
type Psem struct {
	PosixFile
	Status PsemStatus
	Reason string  // why Status is not ok
	Value  *uint32 // nil unless Status is ok
	// Waiters is glibc's nwaiters: processes blocked (or about to block) in
	// sem_wait. A waiter that was killed while blocked stays counted.
	Waiters *uint32
	Shared  bool // private field says process-shared (always, for sem_open)
}

// decodePsem checks a sem_t image and fills value, waiters and shared;
// it returns the reason the image is invalid, or "".
func decodePsem(b []byte, p *Psem) string {
	value, waiters, shared, reason := decodePsemWords(b)
	if reason == "" {
		p.Value, p.Waiters, p.Shared = &value, &waiters, shared
	}
	return reason
}

// decodePsemWords is decodePsem's reading of the image, returning the
// fields by value (nothing escapes: listings decode thousands).
func decodePsemWords(b []byte) (value, waiters uint32, shared bool, reason string) {
	if len(b) != psemSize {
		return 0, 0, false, fmt.Sprintf("size %d bytes, want %d", len(b), psemSize)
	}
	data := binary.NativeEndian.Uint64(b[0:8])
	private := binary.NativeEndian.Uint32(b[8:12])
	pad := binary.NativeEndian.Uint32(b[12:16])
	value, waiters = uint32(data&psemValueMask), uint32(data>>psemNwaitersShift)
	switch {
	case private != 0 && private != psemPrivateShared:
		return 0, 0, false, fmt.Sprintf("private field %d is neither 0 nor %d", private, psemPrivateShared)
	case pad != 0 || strings.Trim(string(b[16:]), "\x00") != "":
		return 0, 0, false, "non-zero padding"
	case value > SemValueMax:
		return 0, 0, false, fmt.Sprintf("value %d exceeds SEM_VALUE_MAX", value)
	}
	return value, waiters, private == psemPrivateShared, ""
}

// psemRead fills a Psem from stat and, when it can read the file, its
// image; ErrNotFound when the file went away after the stat.
func psemRead(path, name string, st *unix.Stat_t) (Psem, error) {
	p := Psem{PosixFile: posixFileFromStat(name, st), Status: PsemOK}
	setInvalid := func(reason string) (Psem, error) {
		p.Status, p.Reason, p.Value, p.Waiters = PsemInvalid, reason, nil, nil
		return p, nil
	}
	if st.Size != psemSize {
		return setInvalid(fmt.Sprintf("size %d bytes, want %d", st.Size, psemSize))
	}
	f, err := openNoFollow(path, unix.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return p, fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	if err != nil {
		p.Status, p.Reason = PsemUnreadable, errors.Unwrap(err).Error()
		return p, nil
	}
	defer f.Close()
	img, err := readPsemImage(f)
	if err != nil {
		p.Status, p.Reason = PsemUnreadable, err.Error()
		return p, nil
	}
	if reason := decodePsem(img, &p); reason != "" {
		return setInvalid(reason)
	}
	return p, nil
}

// readPsemImage reads a semaphore file, one byte more than a sem_t so
// that decodePsem notices a file that grew since its stat.
func readPsemImage(f *os.File) ([]byte, error) {
	buf := make([]byte, psemSize+1)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}

// psemPath validates name and returns its file, /dev/shm/sem.NAME.
func (c *Client) psemPath(name string) (string, error) {
	if err := c.posixErr(); err != nil {
		return "", err
	}
	if _, err := ParsePosixName(KindPsem, name); err != nil {
		return "", err
	}
	return c.shmDir() + "/" + psemPrefix + name[1:], nil
}

// PsemStat returns one semaphore with its value and waiters (Status says
// whether they could be read). ErrNotFound when there is none.
func (c *Client) PsemStat(name string) (Psem, error) {
	path, err := c.psemPath(name)
	if err != nil {
		return Psem{}, err
	}
	st, ok, err := lstatRegular(c.shmDir(), psemPrefix+name[1:])
	if err != nil {
		return Psem{}, err
	}
	if !ok {
		return Psem{}, fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	return psemRead(path, name, &st)
}

// PsemCreateOptions say how to create a named semaphore.
type PsemCreateOptions struct {
	Value uint32 // initial value, at most SemValueMax
	Mode  uint32 // permission bits, set exactly (the umask does not apply)
	// Reuse returns an existing semaphore as it is (never reinitialised)
	// instead of failing with EEXIST.
	Reuse bool
}

// PsemCreate creates a semaphore the way glibc's sem_open(O_CREAT|O_EXCL)
// does: the complete sem_t is written to a temporary file in /dev/shm,
// which is then link()ed to the final name, so no process ever sees a
// half-initialised semaphore (the temporary file is an unnamed O_TMPFILE,
// so listings never see it either). An existing name fails with EEXIST unless
// o.Reuse.
// Equivalent to: sem_open(NAME, O_CREAT|O_EXCL, MODE, VALUE).
func (c *Client) PsemCreate(name string, o PsemCreateOptions) (Psem, error) {
	path, err := c.psemPath(name)
	if err != nil {
		return Psem{}, err
	}
	if o.Value > SemValueMax {
		return Psem{}, fmt.Errorf("value %d exceeds SEM_VALUE_MAX (%d): %w", o.Value, SemValueMax, unix.EINVAL)
	}
	img := make([]byte, psemSize)
	binary.NativeEndian.PutUint64(img[0:8], uint64(o.Value))
	binary.NativeEndian.PutUint32(img[8:12], psemPrivateShared)
	err = linkNewFile(c.shmDir(), path, o.Mode, img)
	if errors.Is(err, fs.ErrExist) && o.Reuse {
		return c.PsemStat(name)
	}
	if err != nil {
		return Psem{}, err
	}
	return c.PsemStat(name)
}

// linkNewFile creates path holding content with exactly mode, complete
// before it gets its name: it is written to an unnamed O_TMPFILE in dir
// and linked into place (where O_TMPFILE is unsupported, to a temporary
// sem.* file, as glibc does). An existing path fails with EEXIST.
func linkNewFile(dir, path string, mode uint32, content []byte) error {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	unnamed := err == nil
	var f *os.File
	if unnamed {
		f = os.NewFile(uintptr(fd), path)
	} else if f, err = os.CreateTemp(dir, psemPrefix+"tmp-"); err != nil {
		return err
	} else {
		defer os.Remove(f.Name())
	}
	defer f.Close()
	if err := unix.Fchmod(int(f.Fd()), mode&0o7777); err != nil {
		return err
	}
	if _, err := f.WriteAt(content, 0); err != nil {
		return err
	}
	if !unnamed {
		return os.Link(f.Name(), path)
	}
	// linkat(AT_EMPTY_PATH) would need CAP_DAC_READ_SEARCH; the /proc link does not.
	if err := unix.Linkat(unix.AT_FDCWD, fmt.Sprintf("/proc/self/fd/%d", fd), unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW); err != nil {
		return &fs.PathError{Op: "link", Path: path, Err: err}
	}
	return nil
}

// PsemRemove unlinks a semaphore; processes that have it open keep using it.
// Equivalent to: sem_unlink(NAME).
func (c *Client) PsemRemove(name string) error {
	if _, err := c.PsemStat(name); err != nil {
		return err
	}
	return notFound(unlinkFile(c.shmDir() + "/" + psemPrefix + name[1:]))
}

// PsemChmod sets a semaphore's permission bits.
// Equivalent to: `chmod MODE /dev/shm/sem.NAME`.
func (c *Client) PsemChmod(name string, mode uint32) error {
	path, err := c.psemPath(name)
	if err != nil {
		return err
	}
	return notFound(chmodNoFollow(path, mode&0o7777))
}

// PsemChown sets a semaphore's owner, and its group unless gid is nil.
// 4294967295 ((uid_t)-1, chown's "no change") is refused as a usage error.
// Equivalent to: `chown UID[:GID] /dev/shm/sem.NAME`.
func (c *Client) PsemChown(name string, uid uint32, gid *uint32) error {
	if err := checkOwner(&uid, gid); err != nil {
		return err
	}
	path, err := c.psemPath(name)
	if err != nil {
		return err
	}
	return notFound(chownNoFollow(path, uid, gid))
}

// PosixSem is an open named semaphore, mapped shared like sem_open maps it.
// Its methods are safe for concurrent use; Close must come after every
// other call has returned. Every touch of the mapped sem_t is guarded: a
// page the kernel cannot provide (the file truncated by another process)
// is a *mmaputil.FaultError, never a crash.
type PosixSem struct {
	name    string
	mem     []byte
	data    *uint64 // value | nwaiters<<32
	value   *uint32 // the futex word: the value half of data
	futexOp int     // FUTEX_PRIVATE_FLAG or 0, from the private field
	reason  mmaputil.FaultReason
}

// PsemOpen opens and maps an existing semaphore read-write. The file is
// checked first (size and layout, like PsemStat); an invalid one is
// refused with an error, never mapped. A sparse file (made by truncate,
// say) gets its page allocated first, so that a full /dev/shm is an
// error here rather than a fault on the first touch.
// Equivalent to: sem_open(NAME, 0).
func (c *Client) PsemOpen(name string) (*PosixSem, error) {
	path, err := c.psemPath(name)
	if err != nil {
		return nil, err
	}
	f, err := openNoFollow(path, unix.O_RDWR, 0)
	if err != nil {
		return nil, notFound(err)
	}
	defer f.Close()
	img, err := readPsemImage(f)
	if err != nil {
		return nil, err
	}
	if reason := decodePsem(img, &Psem{}); reason != "" {
		return nil, fmt.Errorf("semaphore %s is invalid: %s", name, reason)
	}
	if err := reserveBacking(f, 0, psemSize); err != nil {
		return nil, fmt.Errorf("semaphore %s: %w", name, err)
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, psemSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, &fs.PathError{Op: "mmap", Path: path, Err: err}
	}
	s := &PosixSem{
		name:   name,
		mem:    mem,
		data:   (*uint64)(unsafe.Pointer(&mem[0])),
		value:  (*uint32)(unsafe.Pointer(&mem[psemValueOffset])),
		reason: func(off int64) string { return mmaputil.FileFaultReason(path, max(off, psemSize-1)) },
	}
	// (op | FUTEX_PRIVATE_FLAG) ^ private, as glibc's futex_private_flag.
	var private uint32
	if err := s.touch("read", func() { private = binary.NativeEndian.Uint32(mem[8:12]) }); err != nil {
		s.Close()
		return nil, err
	}
	s.futexOp = sys.FUTEX_PRIVATE_FLAG ^ int(private)
	return s, nil
}

// touch runs fn, which reads or writes the mapped sem_t, with a fault
// turned into an error naming the semaphore.
func (s *PosixSem) touch(op string, fn func()) error {
	if err := mmaputil.Guard(s.mem, op, s.reason, fn); err != nil {
		return fmt.Errorf("semaphore %s: %w", s.name, err)
	}
	return nil
}

// load reads the 64-bit data word (value and waiters).
func (s *PosixSem) load() (d uint64, err error) {
	err = s.touch("read", func() { d = atomic.LoadUint64(s.data) })
	return d, err
}

// cas is a guarded compare-and-swap of the data word.
func (s *PosixSem) cas(old, new uint64) (ok bool, err error) {
	err = s.touch("write", func() { ok = atomic.CompareAndSwapUint64(s.data, old, new) })
	return ok, err
}

// add is a guarded atomic add to the data word; it returns the new value.
func (s *PosixSem) add(delta uint64) (d uint64, err error) {
	err = s.touch("write", func() { d = atomic.AddUint64(s.data, delta) })
	return d, err
}

// Name is the semaphore's name, with its "/".
func (s *PosixSem) Name() string { return s.name }

// Value returns the current value and number of waiters.
// Equivalent to: sem_getvalue (which reports only the value).
func (s *PosixSem) Value() (value, waiters uint32, err error) {
	d, err := s.load()
	return uint32(d & psemValueMask), uint32(d >> psemNwaitersShift), err
}

// Post increments the value and wakes one waiter if there are any. It
// fails with EOVERFLOW at SEM_VALUE_MAX, leaving the value unchanged.
// Equivalent to: sem_post(3).
func (s *PosixSem) Post() error { return s.PostN(1) }

// PostN adds n to the value in one atomic step, as n posts back to back
// would, and wakes up to n waiters. It is refused whole, changing
// nothing, if the value would pass SEM_VALUE_MAX.
// Equivalent to: n calls of sem_post(3).
func (s *PosixSem) PostN(n uint32) error {
	if n == 0 {
		return nil
	}
	// One guarded step: the whole compare-and-swap loop (a guard per
	// atomic would cost more than the post).
	var d uint64
	overflow := false
	err := s.touch("write", func() {
		d = atomic.LoadUint64(s.data)
		for {
			if d&psemValueMask+uint64(n) > SemValueMax {
				overflow = true
				return
			}
			if atomic.CompareAndSwapUint64(s.data, d, d+uint64(n)) {
				return
			}
			d = atomic.LoadUint64(s.data)
		}
	})
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	if overflow {
		return fmt.Errorf("post %s: %d more would take the value from %d past SEM_VALUE_MAX (%d); nothing posted: %w",
			s.name, n, d&psemValueMask, SemValueMax, unix.EOVERFLOW)
	}
	if d>>psemNwaitersShift > 0 {
		if _, e := sys.Futex(s.value, sys.FUTEX_WAKE|s.futexOp, n, nil, nil, 0); e != 0 {
			return fmt.Errorf("post %s: futex wake: %w", s.name, e)
		}
	}
	return nil
}

// TryWait decrements the value if it is positive, else returns ErrWouldBlock.
// Equivalent to: sem_trywait(3).
func (s *PosixSem) TryWait() error {
	ok, err := s.tryDecrement()
	switch {
	case err != nil:
		return fmt.Errorf("trywait: %w", err)
	case !ok:
		return fmt.Errorf("trywait %s: %w", s.name, ErrWouldBlock)
	}
	return nil
}

// tryDecrement is glibc's __new_sem_wait_fast: decrement while positive.
func (s *PosixSem) tryDecrement() (taken bool, err error) {
	err = s.touch("write", func() {
		d := atomic.LoadUint64(s.data)
		for d&psemValueMask != 0 {
			if atomic.CompareAndSwapUint64(s.data, d, d-1) {
				taken = true
				return
			}
			d = atomic.LoadUint64(s.data)
		}
	})
	return taken, err
}

// Wait decrements the value, blocking while it is zero: for ever
// (Forever), not at all (NoWait: ErrWouldBlock, like TryWait), or up to
// timeout (then ErrTimeout). It is WaitContext without a context.
// Equivalent to: sem_wait(3) / sem_clockwait(CLOCK_MONOTONIC).
func (s *PosixSem) Wait(timeout time.Duration) error {
	return s.WaitContext(context.Background(), timeout)
}

// WaitContext is Wait that also ends, with ctx's error, when ctx is done
// (a SIGINT or SIGTERM the caller catches, say). On every way out —
// taken, timed out, cancelled, failed — this process is no longer
// counted among the semaphore's waiters (glibc's nwaiters), so no
// phantom waiter is left behind for `ls psem` or for posters to wake.
// The deadline is absolute on CLOCK_MONOTONIC (like sem_clockwait), so
// clock changes do not affect it; a timeout too long for the kernel is
// clamped to the longest it takes. A signal the runtime handles does not
// end the wait.
// Equivalent to: sem_wait(3) / sem_clockwait(CLOCK_MONOTONIC).
func (s *PosixSem) WaitContext(ctx context.Context, timeout time.Duration) error {
	if timeout == NoWait {
		return s.TryWait()
	}
	if ok, err := s.tryDecrement(); ok || err != nil {
		if err != nil {
			return fmt.Errorf("wait: %w", err)
		}
		return nil
	}
	var deadline *unix.Timespec
	if timeout >= 0 {
		var now unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &now); err != nil {
			return err
		}
		ts := addTimespec(now, timeout)
		deadline = &ts
	}
	// A cancelled ctx wakes every sleeper on the word until this wait has
	// gone (one wake could come just before the sleep and be missed).
	// Other waiters, in any process, wake spuriously, see the value still
	// 0 and sleep again: glibc's protocol allows for that.
	done := make(chan struct{})
	defer close(done)
	stop := context.AfterFunc(ctx, func() {
		for {
			sys.Futex(s.value, sys.FUTEX_WAKE|s.futexOp, math.MaxInt32, nil, nil, 0)
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	defer stop()
	// __new_sem_wait_slow: register as a waiter, then sleep while the value is 0.
	const oneWaiter = 1 << psemNwaitersShift
	d, err := s.add(oneWaiter)
	if err != nil {
		return fmt.Errorf("wait: %w", err)
	}
	d -= oneWaiter
	leave := func(why error) error {
		if _, err := s.add(^uint64(oneWaiter - 1)); err != nil {
			return fmt.Errorf("wait: %w (and leaving the waiters failed: %v)", why, err)
		}
		return why
	}
	for {
		if ctx.Err() != nil {
			return leave(fmt.Errorf("wait %s: %w", s.name, context.Cause(ctx)))
		}
		if d&psemValueMask == 0 {
			_, e := sys.Futex(s.value, sys.FUTEX_WAIT_BITSET|s.futexOp, 0, deadline, nil, sys.FUTEX_BITSET_MATCH_ANY)
			switch e {
			case 0, unix.EAGAIN, unix.EINTR:
				// Woken, the value changed before we slept, or a signal: look again.
			case unix.ETIMEDOUT:
				return leave(fmt.Errorf("wait %s: %w", s.name, ErrTimeout))
			case unix.EFAULT:
				return leave(fmt.Errorf("wait %s: %w", s.name, &mmaputil.FaultError{Op: "futex wait", Offset: -1, Reason: s.reason(-1)}))
			default:
				return leave(fmt.Errorf("wait %s: futex: %w", s.name, e))
			}
			if d, err = s.load(); err != nil {
				return fmt.Errorf("wait: %w", err)
			}
			continue
		}
		// Take one unit and leave the waiters in a single step.
		ok, err := s.cas(d, d-1-oneWaiter)
		if err != nil {
			return fmt.Errorf("wait: %w", err)
		}
		if ok {
			return nil
		}
		if d, err = s.load(); err != nil {
			return fmt.Errorf("wait: %w", err)
		}
	}
}

// Close unmaps the semaphore. Equivalent to: sem_close(3).
func (s *PosixSem) Close() error {
	if s.mem == nil {
		return nil
	}
	err := unix.Munmap(s.mem)
	s.mem, s.data, s.value = nil, nil, nil
	return err
}

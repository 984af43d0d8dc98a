package ipc

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"golang.org/x/sys/unix"
)

// SemVMX is the largest value a System V semaphore can hold.
const SemVMX = sys.SEMVMX

// SemBuf is one operation of a semop: add Op to semaphore Num (Op > 0),
// wait until it can subtract -Op (Op < 0), or wait for it to be zero (Op == 0).
type SemBuf struct {
	Num uint16
	Op  int16
}

// SemOpFlags apply to every operation of one SemOp call.
type SemOpFlags int

const (
	// SemUndo (SEM_UNDO): the kernel reverts the operations when the process exits.
	SemUndo SemOpFlags = sys.SEM_UNDO
	// SemNoWait (IPC_NOWAIT): fail with ErrWouldBlock instead of waiting.
	SemNoWait SemOpFlags = sys.IPC_NOWAIT
)

// ErrSemRange is returned when an operation would take a semaphore above SemVMX.
var ErrSemRange = errors.New("would take a semaphore above 32767 (SEMVMX); nothing applied")

// SemOp applies ops to set id atomically: all of them or none. With a
// timeout > 0 it waits at most that long (semtimedop) and then returns
// ErrTimeout; with SemNoWait it returns ErrWouldBlock instead of waiting.
// A signal that interrupts the wait (EINTR) is not an error: the wait
// resumes with what is left of the timeout.
// Equivalent to: `semop(id, ops, len(ops))` / `semtimedop(...)`.
func (c *Client) SemOp(id int, ops []SemBuf, flags SemOpFlags, timeout time.Duration) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.SemOp(id, ops, flags, timeout) })
	}
	// One operation spares the extra call (SEMOPM is 500 by default and
	// anything below 1 is useless); the kernel's own E2BIG is mapped the
	// same way below.
	if len(ops) > 1 {
		if max, err := SemOpMax(); err == nil && len(ops) > max {
			return errclass.Errorf(errclass.Usage, "%d operations in one call: more than SEMOPM (%d), the most one semop takes; nothing applied", len(ops), max)
		}
	}
	bufs := make([]sys.Sembuf, len(ops))
	for i, op := range ops {
		bufs[i] = sys.Sembuf{Num: op.Num, Op: op.Op, Flg: int16(flags)}
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		var ts *unix.Timespec
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return ErrTimeout
			}
			t := unix.NsecToTimespec(left.Nanoseconds())
			ts = &t
		}
		err := sys.Semtimedop(id, bufs, ts)
		switch {
		case err == nil:
			return nil
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN && flags&SemNoWait == 0 && timeout > 0:
			return ErrTimeout
		case err == unix.EAGAIN:
			return ErrWouldBlock
		case err == unix.ERANGE:
			return ErrSemRange
		case err == unix.E2BIG:
			return errclass.Errorf(errclass.Usage, "%d operations in one call: more than SEMOPM allows; nothing applied", len(ops))
		case err == unix.EFBIG:
			return errclass.Errorf(errclass.Usage, "a semaphore number is out of range for set %d; nothing applied", id)
		case err == unix.EIDRM:
			return fmt.Errorf("set removed while waiting: %w", ErrNotFound)
		}
		return sysvErr(KindSem, id, err)
	}
}

// SemOpMax is SEMOPM of this IPC namespace: the most operations one
// semop call takes (kernel.sem, fourth field).
// Equivalent to: semctl(0, 0, IPC_INFO).semopm.
func SemOpMax() (int, error) {
	var info sys.SemInfo
	if _, err := sys.SemctlBuf(0, 0, sys.IPC_INFO, unsafe.Pointer(&info)); err != nil {
		return 0, fmt.Errorf("read SEMOPM: %w", err)
	}
	return int(info.Semopm), nil
}

// SemNsems returns the number of semaphores in set id: IPC_STAT, or the
// listing when the caller may alter but not read the set.
func (c *Client) SemNsems(id int) (int, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (int, error) { return c.SemNsems(id) })
	}
	var ds sys.SemidDs
	_, err := sys.SemctlBuf(id, 0, sys.IPC_STAT, unsafe.Pointer(&ds))
	if err == nil {
		return int(ds.Nsems), nil
	}
	if err != unix.EACCES {
		return 0, sysvErr(KindSem, id, err)
	}
	s, lerr := c.SemStat(id)
	if lerr != nil {
		return 0, err
	}
	return int(s.NSems), nil
}

// SemSetVal sets semaphore num of set id to val (0..SemVMX).
// Equivalent to: `semctl(id, num, SETVAL, val)`.
func (c *Client) SemSetVal(id, num, val int) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.SemSetVal(id, num, val) })
	}
	if val < 0 || val > SemVMX {
		return fmt.Errorf("value %d out of range 0..%d", val, SemVMX)
	}
	if _, err := sys.Semctl(id, num, sys.SETVAL, val); err != nil {
		return sysvErr(KindSem, id, err)
	}
	return nil
}

// SemSetAll sets every semaphore of set id at once; vals must have one
// value (0..SemVMX) per semaphore.
// Equivalent to: `semctl(id, 0, SETALL, vals)`.
func (c *Client) SemSetAll(id int, vals []int) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.SemSetAll(id, vals) })
	}
	n, err := c.SemNsems(id)
	if err != nil {
		return err
	}
	if len(vals) != n {
		return fmt.Errorf("%d values for a set of %d semaphores", len(vals), n)
	}
	arr := make([]uint16, len(vals))
	for i, v := range vals {
		if v < 0 || v > SemVMX {
			return fmt.Errorf("value %d out of range 0..%d", v, SemVMX)
		}
		arr[i] = uint16(v)
	}
	_, err = sys.SemctlBuf(id, 0, sys.SETALL, unsafe.Pointer(&arr[0]))
	return sysvErr(KindSem, id, err)
}

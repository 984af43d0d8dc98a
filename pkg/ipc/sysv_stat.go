package ipc

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"golang.org/x/sys/unix"
)

// ShmStat returns one shared memory segment by id.
// Equivalent to: `ipcs -m -i ID`.
func (c *Client) ShmStat(id int) (Shm, error) {
	all, err := c.ShmList()
	if err != nil {
		return Shm{}, err
	}
	for _, s := range all {
		if s.ID == id {
			return s, nil
		}
	}
	return Shm{}, ErrNotFound
}

// SemStat returns one semaphore set by id, with each semaphore's value,
// ncnt, zcnt and last pid in Sems. Reading the values needs read
// permission on the set, and a client over the live system (a fixture
// tree holds no values): otherwise Sems is nil, SemsErr says why, and
// SemStat still succeeds.
// Equivalent to: `ipcs -s -i ID`.
func (c *Client) SemStat(id int) (Sem, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (Sem, error) { return c.SemStat(id) })
	}
	all, err := c.SemList()
	if err != nil {
		return Sem{}, err
	}
	for _, s := range all {
		if s.ID == id {
			if !c.live() {
				s.SemsErr = fmt.Errorf("semaphore values: %w", ErrUnsupported)
				return s, nil
			}
			s.Sems, s.SemsErr = SemValues(id, int(s.NSems))
			return s, nil
		}
	}
	return Sem{}, ErrNotFound
}

// SemValues reads every semaphore of set id: GETALL for the values, then
// GETPID, GETNCNT and GETZCNT for each one.
func SemValues(id, nsems int) ([]Semaphore, error) {
	if nsems <= 0 {
		return nil, nil
	}
	vals := make([]uint16, nsems)
	if _, err := sys.SemctlBuf(id, 0, sys.GETALL, unsafe.Pointer(&vals[0])); err != nil {
		return nil, fmt.Errorf("read values: %w", sysvErr(KindSem, id, err))
	}
	out := make([]Semaphore, nsems)
	for i := range out {
		out[i] = Semaphore{Num: i, Value: int(vals[i])}
		for _, q := range []struct {
			cmd int
			dst *int
		}{{sys.GETPID, &out[i].PID}, {sys.GETNCNT, &out[i].NCnt}, {sys.GETZCNT, &out[i].ZCnt}} {
			v, err := sys.Semctl(id, i, q.cmd, 0)
			if err != nil {
				return nil, fmt.Errorf("read semaphore %d: %w", i, sysvErr(KindSem, id, err))
			}
			*q.dst = v
		}
	}
	return out, nil
}

// MsgStat returns one message queue by id, with its capacity (QBytes)
// when the caller may read the queue (and the client reads the live system).
// Equivalent to: `ipcs -q -i ID`.
func (c *Client) MsgStat(id int) (Msg, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (Msg, error) { return c.MsgStat(id) })
	}
	all, err := c.MsgList()
	if err != nil {
		return Msg{}, err
	}
	for _, m := range all {
		if m.ID == id {
			if m.QBytes == nil && c.live() {
				q, err := MsgQBytes(id)
				if err == nil {
					m.QBytes = &q
				} else if !errors.Is(err, unix.EACCES) {
					return Msg{}, err
				}
			}
			return m, nil
		}
	}
	return Msg{}, ErrNotFound
}

// MsgQBytes reads the capacity in bytes of queue id with IPC_STAT, which
// needs read permission on the queue (unix.EACCES without it).
func MsgQBytes(id int) (uint64, error) {
	var ds sys.MsqidDs
	if _, err := sys.Msgctl(id, sys.IPC_STAT, unsafe.Pointer(&ds)); err != nil {
		return 0, sysvErr(KindMsg, id, err)
	}
	return ds.Qbytes, nil
}

// MsgFillQBytes sets QBytes of each queue the caller may read (IPC_STAT
// per queue: only worth it when the capacity is shown). Queues it may not
// read keep a nil QBytes; queues removed since the listing are dropped.
func (c *Client) MsgFillQBytes(msgs []Msg) []Msg {
	if c.remote() {
		out, _ := nsCall(c, func(c *Client) ([]Msg, error) { return c.MsgFillQBytes(msgs), nil })
		return out
	}
	if !c.live() {
		return msgs
	}
	out := msgs[:0]
	for _, m := range msgs {
		if m.QBytes == nil {
			q, err := MsgQBytes(m.ID)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err == nil {
				m.QBytes = &q
			}
		}
		out = append(out, m)
	}
	return out
}

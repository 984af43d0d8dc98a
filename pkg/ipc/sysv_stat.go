package ipc

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
)

// ShmStat returns one shared memory segment by id.
// Equivalent to: `ipcs -m -i ID`.
func (c *Client) ShmStat(id int) (Shm, error) {
	var found Shm
	err := c.ShmEach(ListNeeds{RSS: true}, func(s *Shm) error {
		if s.ID != id {
			return nil
		}
		found = *s
		return errFound
	})
	return found, foundOr(err)
}

// foundOr turns what a listing stopped at errFound returned into the
// result of a lookup: nil when found, ErrNotFound when the listing ended.
func foundOr(err error) error {
	switch {
	case errors.Is(err, errFound):
		return nil
	case err == nil:
		return ErrNotFound
	}
	return err
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
	var s Sem
	err := c.SemEach(ListNeeds{}, func(o *Sem) error {
		if o.ID != id {
			return nil
		}
		s = *o
		return errFound
	})
	if err := foundOr(err); err != nil {
		return Sem{}, err
	}
	if !c.live() {
		s.SemsErr = fmt.Errorf("semaphore values: %w", ErrUnsupported)
		return s, nil
	}
	s.Sems, s.SemsErr = SemValues(id, int(s.NSems))
	return s, nil
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
// when the client reads the live system (see MsgEach).
// Equivalent to: `ipcs -q -i ID`.
func (c *Client) MsgStat(id int) (Msg, error) {
	var m Msg
	err := c.MsgEach(ListNeeds{QBytes: true}, func(o *Msg) error {
		if o.ID != id {
			return nil
		}
		m = *o
		return errFound
	})
	if err := foundOr(err); err != nil {
		return Msg{}, err
	}
	return m, nil
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

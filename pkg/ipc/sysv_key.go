package ipc

import (
	"errors"
	"fmt"
)

// SysvIDByKey finds the id of the System V object of kind k with key.
// Keys are unique among a namespace's live objects of one kind, except
// IPC_PRIVATE (0), which names no single object and matches nothing here.
func (c *Client) SysvIDByKey(k Kind, key int32) (int, error) {
	if key == 0 {
		return 0, ErrNotFound
	}
	id := -1
	match := func(p *Perm) error {
		if p.Key == key {
			id = p.ID
			return errFound
		}
		return nil
	}
	var err error
	switch k {
	case KindShm:
		err = c.ShmEach(ListNeeds{}, func(s *Shm) error { return match(&s.Perm) })
	case KindSem:
		err = c.SemEach(ListNeeds{}, func(s *Sem) error { return match(&s.Perm) })
	case KindMsg:
		err = c.MsgEach(ListNeeds{}, func(m *Msg) error { return match(&m.Perm) })
	default:
		return 0, fmt.Errorf("%s objects have no key: %w", k, ErrUnsupported)
	}
	if err != nil && !errors.Is(err, errFound) {
		return 0, err
	}
	if id < 0 {
		return 0, ErrNotFound
	}
	return id, nil
}

// errFound stops a listing at the object sought.
var errFound = errors.New("found")

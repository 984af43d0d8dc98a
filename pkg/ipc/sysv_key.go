package ipc

import "fmt"

// SysvIDByKey finds the id of the System V object of kind k with key.
// Keys are unique among a namespace's live objects of one kind, except
// IPC_PRIVATE (0), which names no single object and matches nothing here.
func (c *Client) SysvIDByKey(k Kind, key int32) (int, error) {
	switch k {
	case KindShm:
		return idByKey(c.ShmList, func(o Shm) Perm { return o.Perm }, key)
	case KindSem:
		return idByKey(c.SemList, func(o Sem) Perm { return o.Perm }, key)
	case KindMsg:
		return idByKey(c.MsgList, func(o Msg) Perm { return o.Perm }, key)
	}
	return 0, fmt.Errorf("%s objects have no key: %w", k, ErrUnsupported)
}

func idByKey[T any](list func() ([]T, error), perm func(T) Perm, key int32) (int, error) {
	all, err := list()
	if err != nil {
		return 0, err
	}
	for _, o := range all {
		if p := perm(o); p.Key == key && key != 0 {
			return p.ID, nil
		}
	}
	return 0, ErrNotFound
}

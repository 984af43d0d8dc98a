package ipc

import (
	"fmt"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
)

// ShmRemove marks segment id for removal (IPC_RMID): it goes when the
// last process detaches. A missing id gives ErrNotFound.
// Equivalent to: `ipcrm -m ID`.
func (c *Client) ShmRemove(id int) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.ShmRemove(id) })
	}
	_, err := sys.Shmctl(id, sys.IPC_RMID, nil)
	return sysvErr(KindShm, id, err)
}

// SemRemove removes semaphore set id; blocked semop calls fail with EIDRM.
// Equivalent to: `ipcrm -s ID`.
func (c *Client) SemRemove(id int) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.SemRemove(id) })
	}
	_, err := sys.Semctl(id, 0, sys.IPC_RMID, 0)
	return sysvErr(KindSem, id, err)
}

// MsgRemove removes message queue id and every message in it.
// Equivalent to: `ipcrm -q ID`.
func (c *Client) MsgRemove(id int) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.MsgRemove(id) })
	}
	_, err := sys.Msgctl(id, sys.IPC_RMID, nil)
	return sysvErr(KindMsg, id, err)
}

// Remove removes the System V object of kind k with id.
// Equivalent to: `ipcrm -m ID` (or -s, -q).
func (c *Client) Remove(k Kind, id int) error {
	switch k {
	case KindShm:
		return c.ShmRemove(id)
	case KindSem:
		return c.SemRemove(id)
	case KindMsg:
		return c.MsgRemove(id)
	}
	return fmt.Errorf("remove %s by id: %w", k, ErrUnsupported)
}

// IDByKey returns the id of the System V object of kind k with key,
// asking for no permissions. A free key gives ErrNotFound.
// Equivalent to: shmget(KEY, 0, 0) (or semget, msgget).
func (c *Client) IDByKey(k Kind, key int32) (int, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (int, error) { return c.IDByKey(k, key) })
	}
	return getID(k, key)
}

// RemoveIfKey removes object id of kind k only if key still names it,
// checked right before IPC_RMID: an id resolved from a key earlier (for a
// listing, a dry run or a prompt) is not removed if the object was
// replaced since. Ids carry a sequence number, so a stale id never
// reaches a newer object.
// Equivalent to: `ipcrm -M KEY` (or -S, -Q) for an id looked up earlier.
func (c *Client) RemoveIfKey(k Kind, id int, key int32) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.RemoveIfKey(k, id, key) })
	}
	now, err := getID(k, key)
	if err != nil {
		return err
	}
	if now != id {
		return fmt.Errorf("key 0x%08x now names id %d, not %d: %w", uint32(key), now, id, ErrNotFound)
	}
	return c.Remove(k, id)
}

// RemoveKey removes the object of kind k with key and returns its id.
// Equivalent to: `ipcrm -M KEY` (or -S, -Q).
func (c *Client) RemoveKey(k Kind, key int32) (int, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) (int, error) { return c.RemoveKey(k, key) })
	}
	id, err := getID(k, key)
	if err != nil {
		return -1, err
	}
	return id, c.RemoveIfKey(k, id, key)
}

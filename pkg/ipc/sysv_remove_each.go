package ipc

import (
	"errors"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
)

// Removing a selection in one walk, as `ipcrm -a` does: for each index in
// use, *_STAT_ANY, then, if the caller picks what that read, IPC_RMID of
// the full id it returned, then the next index. The stat right before the
// removal is both the listing and the identity check: the caller decides
// on the object as it is at that moment, and the window before IPC_RMID
// is the one RemoveIfSame leaves between its IPC_STAT and IPC_RMID (the
// kernel has no compare-and-remove). An id reused in that window carries
// another sequence number: IPC_RMID of the old id then finds nothing.
//
// Nothing separates the listing from the removals, so this is for a
// selection nobody is shown or asked about first. A selection shown (a
// prompt, a dry run) is listed, then each object removed with
// RemoveIfSame.

// ErrNoWalk is what the *RemoveEach methods return, having removed
// nothing, where the index walk is not the way to go through a kind: a
// client of a fixture tree or with SourceProc, a kernel without
// *_STAT_ANY, or ids so sparse that /proc/sysvipc is cheaper (see
// choose). The caller lists then, and removes each object with
// RemoveIfSame.
var ErrNoWalk = errclass.Wrap(errclass.Unsupported, errors.New("no *_STAT_ANY walk to remove in"))

// ShmRemoveEach removes each shared memory segment that pick accepts, in
// one walk over the indexes in use: SHM_STAT_ANY on an index, pick on what
// it read, IPC_RMID of that segment's id, then the next index. done gets
// every picked segment, as read, with the removal's result: nil, an error
// of class NotFound when the segment went (or its id was reused) between
// the stat and IPC_RMID, or the kernel's refusal. pick and done get the
// same *Shm every time (copy what you keep); an error from done stops the
// walk and is returned. pick sees segments already marked for removal
// (Dest) too: removing one again only makes it private. ErrNoWalk, with
// nothing removed, where there is no walk (see ErrNoWalk).
// Equivalent to: `ipcrm --all=shm`.
func (c *Client) ShmRemoveEach(pick func(*Shm) bool, done func(*Shm, error) error) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.ShmRemoveEach(pick, done) })
	}
	var out Shm
	return c.removeEach(sysvSpec{info: shmInfo, emptyPerUsed: shmEmptyPerUsed},
		func(maxIdx, used int) error {
			return walk(maxIdx, used, shmStatAny, func(ds *sys.ShmidDs, id int) error {
				shmFromDs(ds, id, &out)
				if !pick(&out) {
					return nil
				}
				return done(&out, c.ShmRemove(id))
			})
		})
}

// SemRemoveEach removes each semaphore set that pick accepts, in one walk,
// as ShmRemoveEach does.
// Equivalent to: `ipcrm --all=sem`.
func (c *Client) SemRemoveEach(pick func(*Sem) bool, done func(*Sem, error) error) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.SemRemoveEach(pick, done) })
	}
	var out Sem
	return c.removeEach(sysvSpec{info: semInfo, emptyPerUsed: semEmptyPerUsed},
		func(maxIdx, used int) error {
			return walk(maxIdx, used, semStatAny, func(ds *sys.SemidDs, id int) error {
				semFromDs(ds, id, &out)
				if !pick(&out) {
					return nil
				}
				return done(&out, c.SemRemove(id))
			})
		})
}

// MsgRemoveEach removes each message queue that pick accepts, in one
// walk, as ShmRemoveEach does. The queues pick sees have their capacity
// (QBytes).
// Equivalent to: `ipcrm --all=msg`.
func (c *Client) MsgRemoveEach(pick func(*Msg) bool, done func(*Msg, error) error) error {
	if c.remote() {
		return nsDo(c, func(c *Client) error { return c.MsgRemoveEach(pick, done) })
	}
	var out Msg
	var qbytes uint64
	return c.removeEach(sysvSpec{info: msgInfo, emptyPerUsed: msgEmptyPerUsed},
		func(maxIdx, used int) error {
			return walk(maxIdx, used, msgStatAny, func(ds *sys.MsqidDs, id int) error {
				msgFromDs(ds, id, &out)
				qbytes = ds.Qbytes
				out.QBytes = &qbytes
				if !pick(&out) {
					return nil
				}
				return done(&out, c.MsgRemove(id))
			})
		})
}

// removeEach runs walk where choose would list it by the
// walk; ErrNoWalk elsewhere, and where the walk found no *_STAT_ANY
// (nothing was picked then).
func (c *Client) removeEach(spec sysvSpec, walk func(maxIdx, used int) error) error {
	if c.source == SourceProc {
		return ErrNoWalk
	}
	src, maxIdx, used, err := c.choose(spec)
	if err != nil {
		return err
	}
	if src != SourceStat {
		return ErrNoWalk
	}
	if err := walk(maxIdx, used); err != errNoStatAny {
		return err
	}
	return ErrNoWalk
}

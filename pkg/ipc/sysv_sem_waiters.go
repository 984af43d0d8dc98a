package ipc

import (
	"fmt"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
)

// SemWaiters counts the processes blocked in semop on one semaphore set,
// per semaphore as the kernel counts them: a process waiting on two
// semaphores of the set counts on each.
type SemWaiters struct {
	Semaphores int // semaphores with at least one waiter
	NCnt       int // waiting for a value to increase (GETNCNT), summed over the set
	ZCnt       int // waiting for a value to become zero (GETZCNT), summed over the set
}

// SemWaiters reads GETNCNT and GETZCNT of each of the nsems semaphores of
// set id: two calls a semaphore, without the values and pids SemValues
// also reads. It needs read permission on the set (unix.EACCES without
// it), and a client over the live system: the ids of a fixture tree name
// nothing here, so there it returns ErrUnsupported.
// Equivalent to: `ipcs -s -i ID` (its ncount and zcount columns).
func (c *Client) SemWaiters(id, nsems int) (SemWaiters, error) {
	var w SemWaiters
	if !c.live() {
		return w, fmt.Errorf("semaphore waiters of a fixture tree: %w", ErrUnsupported)
	}
	for i := 0; i < nsems; i++ {
		ncnt, err := sys.Semctl(id, i, sys.GETNCNT, 0)
		if err != nil {
			return SemWaiters{}, fmt.Errorf("semaphore %d: %w", i, sysvErr(KindSem, id, err))
		}
		zcnt, err := sys.Semctl(id, i, sys.GETZCNT, 0)
		if err != nil {
			return SemWaiters{}, fmt.Errorf("semaphore %d: %w", i, sysvErr(KindSem, id, err))
		}
		w.NCnt += ncnt
		w.ZCnt += zcnt
		if ncnt+zcnt > 0 {
			w.Semaphores++
		}
	}
	return w, nil
}

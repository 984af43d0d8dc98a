package ipc

import (
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
)

// The *ListStat methods list through the *_INFO + *_STAT_ANY index loops
// only, as `ipcrm -a` does, never through /proc/sysvipc: formatting those
// files costs the kernel more (a page walk per segment for RSS and swap)
// than the removal they precede. They give no RSS or swap figures. If the
// loop finds fewer objects than *_INFO counts (kernels before 4.17 lack
// *_STAT_ANY) they fall back to the /proc listing.

// ShmListStat lists shared memory segments with SHM_STAT_ANY.
// Equivalent to: the listing loop of `ipcrm -a shm`.
func (c *Client) ShmListStat() ([]Shm, error) {
	if c.remote() {
		return nsCall(c, (*Client).ShmListStat)
	}
	var info sys.ShmInfo
	if _, err := sys.Shmctl(0, sys.SHM_INFO, unsafe.Pointer(&info)); err != nil {
		return nil, unsupportedIfNoSys(err)
	}
	out, err := shmListSyscall()
	if err == nil && len(out) < int(info.UsedIDs) {
		return c.ShmList()
	}
	return out, err
}

// SemListStat lists semaphore sets with SEM_STAT_ANY.
// Equivalent to: the listing loop of `ipcrm -a sem`.
func (c *Client) SemListStat() ([]Sem, error) {
	if c.remote() {
		return nsCall(c, (*Client).SemListStat)
	}
	var info sys.SemInfo
	if _, err := sys.SemctlBuf(0, 0, sys.SEM_INFO, unsafe.Pointer(&info)); err != nil {
		return nil, unsupportedIfNoSys(err)
	}
	out, err := semListSyscall()
	if err == nil && len(out) < int(info.Semusz) { // SEM_INFO: semusz is the number of sets
		return c.SemList()
	}
	return out, err
}

// MsgListStat lists message queues with MSG_STAT_ANY.
// Equivalent to: the listing loop of `ipcrm -a msg`.
func (c *Client) MsgListStat() ([]Msg, error) {
	if c.remote() {
		return nsCall(c, (*Client).MsgListStat)
	}
	var info sys.MsgInfo
	if _, err := sys.Msgctl(0, sys.MSG_INFO, unsafe.Pointer(&info)); err != nil {
		return nil, unsupportedIfNoSys(err)
	}
	out, err := msgListSyscall()
	if err == nil && len(out) < int(info.Msgpool) { // MSG_INFO: msgpool is the number of queues
		return c.MsgList()
	}
	return out, err
}

package ipc

// The *ListStat methods list without RSS and swap figures (which only
// /proc has and which cost the kernel a page walk per segment), for
// callers about to remove what they list (`rm --all`): the listing takes
// whichever source is cheaper, the *_STAT_ANY walk as `ipcrm -a` does
// wherever the ids are dense.

// ShmListStat lists shared memory segments without RSS and swap.
// Equivalent to: the listing loop of `ipcrm -a shm`.
func (c *Client) ShmListStat() ([]Shm, error) { return c.ShmListNeeds(ListNeeds{}) }

// SemListStat lists semaphore sets.
// Equivalent to: the listing loop of `ipcrm -a sem`.
func (c *Client) SemListStat() ([]Sem, error) { return c.SemListNeeds(ListNeeds{}) }

// MsgListStat lists message queues, with their capacity (QBytes).
// Equivalent to: the listing loop of `ipcrm -a msg`.
func (c *Client) MsgListStat() ([]Msg, error) { return c.MsgListNeeds(ListNeeds{QBytes: true}) }

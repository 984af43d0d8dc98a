package ipc

// ShmOrphaned reports whether segment s is orphaned: no process has it
// attached (nattch 0), and both its creator (cpid) and the last process
// to attach or detach it (lpid) are gone, that is, have no /proc/PID in
// the client's filesystem.
//
// A pid that reads 0 is not gone: the kernel shows 0 for a process
// outside the reader's PID namespace (and as lpid of a segment nobody
// ever attached), so nothing says that process has ended. A pid whose
// /proc entry cannot be checked for another reason is not gone either:
// a wrong "orphaned" is the costly mistake.
func (c *Client) ShmOrphaned(s Shm) bool {
	return s.Nattch == 0 && c.processGone(s.CPID) && c.processGone(s.LPID)
}

// ShmOrphans applies ShmOrphaned to each of segs, looking at /proc once
// per distinct pid: segments made by one process share its cpid.
func (c *Client) ShmOrphans(segs []Shm) []bool {
	out := make([]bool, len(segs))
	gone := map[int]bool{}
	isGone := func(pid int) bool {
		g, ok := gone[pid]
		if !ok {
			g = c.processGone(pid)
			gone[pid] = g
		}
		return g
	}
	for i, s := range segs {
		out[i] = s.Nattch == 0 && isGone(s.CPID) && isGone(s.LPID)
	}
	return out
}

// processGone reports whether pid is known to have ended (see ShmOrphaned).
func (c *Client) processGone(pid int) bool {
	if pid <= 0 {
		return false
	}
	exists, err := c.fs.ProcessExists(pid)
	return err == nil && !exists
}

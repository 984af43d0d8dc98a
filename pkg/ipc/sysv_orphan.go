package ipc

// ShmOrphan is the one rule of an orphaned segment, for rm --orphaned,
// prune and the metrics: no process has it attached (nattch 0), its
// creator (cpid) is gone, and so is the last process to attach or detach
// it (lpid), unless nobody ever attached it (no attach or detach time).
//
// gone says whether a pid has ended. A pid that reads 0 is never gone:
// the kernel shows 0 for a process outside the reader's PID namespace, so
// nothing says that process has ended; a wrong "orphaned" is the costly
// mistake.
func ShmOrphan(s Shm, gone func(pid int) bool) bool {
	isGone := func(pid int) bool { return pid > 0 && gone(pid) }
	if s.Nattch != 0 || !isGone(s.CPID) {
		return false
	}
	neverAttached := s.ATime.IsZero() && s.DTime.IsZero()
	return neverAttached || isGone(s.LPID)
}

// ShmOrphaned reports whether segment s is orphaned (ShmOrphan), a pid
// being gone when it has no /proc/PID in the client's filesystem (one
// whose entry cannot be checked for another reason is not gone).
func (c *Client) ShmOrphaned(s Shm) bool { return ShmOrphan(s, c.fs.PidGone) }

// ShmOrphans applies ShmOrphaned to each of segs, looking at /proc once
// per distinct pid: segments made by one process share its cpid.
func (c *Client) ShmOrphans(segs []Shm) []bool {
	out := make([]bool, len(segs))
	gone := map[int]bool{}
	isGone := func(pid int) bool {
		g, ok := gone[pid]
		if !ok {
			g = c.fs.PidGone(pid)
			gone[pid] = g
		}
		return g
	}
	for i, s := range segs {
		out[i] = ShmOrphan(s, isGone)
	}
	return out
}

package procfs

// PidGone reports whether process pid is gone, as this FS's /proc sees
// it: pid > 0 and no proc/PID. The kernel shows a pid that is not
// visible from the reader's PID namespace (a segment's creator outside a
// container, say) as 0, so 0 means "unknown here", never "gone"; a
// negative pid is no process either. Only a positive pid can be gone.
//
// Equivalent to: `test -n "$pid" && [ "$pid" -gt 0 ] && [ ! -e /proc/$pid ]`.
func (f FS) PidGone(pid int) bool {
	if pid <= 0 {
		return false
	}
	exists, err := f.ProcessExists(pid)
	return err == nil && !exists
}

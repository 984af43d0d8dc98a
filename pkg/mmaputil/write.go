package mmaputil

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// WriteTo writes the mapped bytes to w. When w is a pipe, the pages are
// handed to it with vmsplice instead of copied, so the reader copies
// straight from the mapping (what makes `mmap --read | ...` faster than
// cat). The mapping must stay unmodified until the reader has them: callers
// write last and then only unmap, which the pipe's page references survive.
//
// Equivalent to: vmsplice(fd, {addr, length}, 1, 0), or write(2).
func (m *Mapping) WriteTo(w io.Writer) (int64, error) {
	b := m.data
	if f, ok := w.(*os.File); ok && isPipe(f) {
		sent, err := vmspliceAll(int(f.Fd()), b)
		if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EINVAL) {
			return sent, err
		}
		b = b[sent:] // no vmsplice here: write the rest
		n, err := w.Write(b)
		return sent + int64(n), err
	}
	n, err := w.Write(b)
	return int64(n), err
}

func isPipe(f *os.File) bool {
	var st unix.Stat_t
	return unix.Fstat(int(f.Fd()), &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFIFO
}

// vmspliceAll gives every page of b to the pipe fd; each call takes what
// fits in the pipe and blocks until there is room (even on a non-blocking
// pipe, without SPLICE_F_NONBLOCK), like write(2) on a blocking one.
func vmspliceAll(fd int, b []byte) (int64, error) {
	var sent int64
	for len(b) > 0 {
		iov := []unix.Iovec{{Base: &b[0]}}
		iov[0].SetLen(min(len(b), 1<<30))
		n, err := unix.Vmsplice(fd, iov, 0)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return sent, &os.PathError{Op: "vmsplice", Path: "pipe", Err: err}
		}
		sent += int64(n)
		b = b[n:]
	}
	return sent, nil
}

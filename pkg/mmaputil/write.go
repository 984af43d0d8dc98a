package mmaputil

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

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

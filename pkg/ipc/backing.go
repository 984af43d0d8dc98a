package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"golang.org/x/sys/unix"
)

// reserveBacking allocates the pages of bytes [off, off+n) of f where f is
// sparse, so that a full tmpfs (or an empty huge page pool) is an error
// now instead of SIGBUS when the mapping is first touched. A file with
// every page allocated already is left alone (fallocate would update its
// ctime), and so is a filesystem that cannot allocate ahead.
//
// Equivalent to: fallocate(fd, FALLOC_FL_KEEP_SIZE, off, n).
func reserveBacking(f *os.File, off, n int64) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return &fs.PathError{Op: "fstat", Path: f.Name(), Err: err}
	}
	if n <= 0 || st.Blocks*512 >= st.Size {
		return nil
	}
	return allocate(f, unix.FALLOC_FL_KEEP_SIZE, off, n)
}

// allocate is fallocate(2) with a refusal for want of space explained;
// EOPNOTSUPP (a filesystem that cannot allocate ahead) is not an error.
func allocate(f *os.File, mode uint32, off, n int64) error {
	err := unix.Fallocate(int(f.Fd()), mode, off, n)
	switch {
	case err == nil, errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOSYS):
		return nil
	case errors.Is(err, unix.ENOSPC):
		// Said in full, without the errno: ENOSPC is also what the System V
		// calls give for their kernel limits, and this is not one.
		why := mmaputil.NoSpace(f.Name())
		if why == "" {
			why = err.Error()
		}
		return fmt.Errorf("cannot allocate %d bytes for %s: %s", n, f.Name(), why)
	}
	return &fs.PathError{Op: "fallocate", Path: f.Name(), Err: err}
}

// ktimeSecMax is the last second the kernel's 64-bit nanosecond clock
// (ktime_t) can hold: a timeout deadline past it is clamped to it, where
// adding a huge Go duration to now would overflow to garbage (EINVAL).
const ktimeSecMax = (1<<63-1)/int64(time.Second) - 1

// addTimespec is now plus d, clamped to what the kernel accepts.
func addTimespec(now unix.Timespec, d time.Duration) unix.Timespec {
	sec := now.Sec + int64(d/time.Second)
	nsec := now.Nsec + int64(d%time.Second)
	if nsec >= int64(time.Second) {
		sec, nsec = sec+1, nsec-int64(time.Second)
	}
	if sec > ktimeSecMax || sec < now.Sec {
		return unix.Timespec{Sec: ktimeSecMax}
	}
	return unix.Timespec{Sec: sec, Nsec: nsec}
}

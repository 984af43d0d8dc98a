package procfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
)

// ProcessExists reports whether process pid exists, by the presence of
// /proc/PID. pid must be positive: the kernel reports 0 for a process it
// cannot name to the reader (another PID namespace) or for none at all,
// and only the caller knows which of the two it means.
// Equivalent to: `test -d /proc/PID`.
func (f FS) ProcessExists(pid int) (bool, error) {
	if pid <= 0 {
		return false, fmt.Errorf("process %d: not a process id", pid)
	}
	_, err := os.Lstat(f.Path("proc", strconv.Itoa(pid)))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

package ipc

import (
	"errors"
	"fmt"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"golang.org/x/sys/unix"
)

// Readable reports whether the caller may read System V object id of
// kind k: whether one IPC_STAT of it succeeds, which needs read permission
// (or CAP_IPC_OWNER). It is what util-linux's listings with *_STAT (not
// *_STAT_ANY) show, at one system call whatever the object's size (a
// semaphore set's values are not read). A refused IPC_STAT is false and
// no error; an id that names nothing is an error of class NotFound; a
// POSIX kind is of class Unsupported.
//
// Equivalent to: `ipcs -m -i ID` (or -s, -q) printing the object.
func Readable(k Kind, id int) (bool, error) {
	if !k.SysV() {
		return false, fmt.Errorf("readable %s: %w", k, ErrUnsupported)
	}
	_, err := sysvStatCmd(k, id, sys.IPC_STAT)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EACCES):
		return false, nil
	case errors.Is(err, ErrNotFound):
		return false, fmt.Errorf("%s %d: %w", k, id, ErrNotFound)
	case errors.Is(err, unix.EPERM):
		return false, errclass.Wrap(errclass.Permission, fmt.Errorf("%s %d: IPC_STAT: %w", k, id, err))
	}
	return false, fmt.Errorf("%s %d: IPC_STAT: %w", k, id, err)
}

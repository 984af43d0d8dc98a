package ipc

import (
	"errors"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"golang.org/x/sys/unix"
)

// kindError is a sentinel with a short message that also matches a
// standard error (fs.ErrNotExist, errors.ErrUnsupported, unix.EAGAIN...),
// so callers can map it to an exit code without knowing this package.
type kindError struct {
	msg string
	std error
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.std }

// Sentinel errors returned (wrapped) by this package: the classes of
// package errclass, so that a command maps them to exit codes without
// knowing this package.
var (
	// ErrNotFound: no object with that id, key or name.
	ErrNotFound error = errclass.NotFound
	// ErrUnsupported: the kernel or this system lacks the facility.
	ErrUnsupported error = errclass.Unsupported
	// ErrWouldBlock: a non-blocking operation would have had to wait.
	ErrWouldBlock error = errclass.WouldBlock
	// ErrTimeout: a timed wait expired.
	ErrTimeout error = errclass.Timeout
)

// notFoundIfGone turns the errnos the kernel uses for a missing or removed
// id (EINVAL for an unused index or stale sequence, EIDRM for a removed
// object) into ErrNotFound.
func notFoundIfGone(err error) error {
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EIDRM) {
		return ErrNotFound
	}
	return err
}

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

// sysvErr classes the error of a call on System V object id of kind k.
// EIDRM (removed while the call waited) is ErrNotFound. EINVAL is the
// kernel's answer both for an id that names nothing (an unused index, a
// stale sequence number) and for a bad argument (a semaphore number out
// of range, an owner it cannot map): it is ErrNotFound only when the id
// names nothing now; otherwise it stays an invalid argument, of class
// Usage (the caller's input), saying so.
func sysvErr(k Kind, id int, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EIDRM):
		return ErrNotFound
	case errors.Is(err, unix.EINVAL):
		if !sysvExists(k, id) {
			return ErrNotFound
		}
		return errclass.Errorf(errclass.Usage, "%s %d exists, and the kernel refused the request: %w", k, id, err)
	}
	return err
}

// noChangeID is (uid_t)-1 or (gid_t)-1: chown(2) takes it as "leave as it
// is", and IPC_SET refuses it, so as an owner it is never what the user
// meant.
const noChangeID = 1<<32 - 1

// checkOwner refuses uid or gid 4294967295 (-1) before anything changes.
func checkOwner(uid, gid *uint32) error {
	for _, id := range []struct {
		what string
		v    *uint32
	}{{"uid", uid}, {"gid", gid}} {
		if id.v != nil && *id.v == noChangeID {
			return errclass.Errorf(errclass.Usage, "%s %d is (uid_t)-1, which chown takes as \"no change\": not an owner", id.what, *id.v)
		}
	}
	return nil
}

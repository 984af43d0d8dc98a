// Package errclass names what an error from ipcctl's libraries is about,
// so a command can map it to an exact exit status without knowing which
// package or system call it came from.
//
// A class is a sentinel: errors.Is(err, errclass.NotFound) holds for an
// error that says the object the caller named does not exist. A raw
// ENOENT does not carry that class on purpose: an output file that cannot
// be created is not a missing IPC object.
package errclass

import (
	"errors"
	"fmt"
	"io/fs"

	"golang.org/x/sys/unix"
)

// Class is one kind of failure. It also matches the standard error closest
// to it (fs.ErrNotExist, errors.ErrUnsupported, unix.EAGAIN...), so code
// that knows only the standard library can still test for it.
type Class struct {
	msg string
	std error
}

func (c *Class) Error() string { return c.msg }

// Is reports whether target is the standard error this class stands for.
func (c *Class) Is(target error) bool { return c.std != nil && target == c.std }

// The classes. Their messages are short: they end a line such as
// "ipcctl: show shm 5: not found".
var (
	// NotFound: the object the caller named (an IPC object, or the file
	// that is itself the object of the command) does not exist.
	NotFound = &Class{"not found", fs.ErrNotExist}
	// Permission: the caller may not do this.
	Permission = &Class{"permission denied", fs.ErrPermission}
	// Exists: the object to create exists already.
	Exists = &Class{"already exists", fs.ErrExist}
	// Usage: the caller's input is malformed (a bad name, size or value).
	Usage = &Class{"invalid argument", nil}
	// WouldBlock: a non-blocking operation would have had to wait.
	WouldBlock = &Class{"would block", unix.EAGAIN}
	// Timeout: a timed wait expired.
	Timeout = &Class{"timed out", unix.ETIMEDOUT}
	// Unsupported: the kernel or this system lacks the facility.
	Unsupported = &Class{"not supported here", errors.ErrUnsupported}
)

// Wrap returns err marked with class c: errors.Is(result, c) holds and the
// message is err's own. A nil err stays nil.
func Wrap(c *Class, err error) error {
	if err == nil {
		return nil
	}
	return &classed{class: c, err: err}
}

// Errorf formats an error of class c.
func Errorf(c *Class, format string, args ...any) error {
	return &classed{class: c, err: fmt.Errorf(format, args...)}
}

type classed struct {
	class *Class
	err   error
}

func (e *classed) Error() string   { return e.err.Error() }
func (e *classed) Unwrap() []error { return []error{e.class, e.err} }

// Message is the class of err in a few words when it has one ("permission
// denied", "not supported here"), else err's own message.
func Message(err error) string {
	for _, c := range []*Class{NotFound, Permission, Exists, Usage, WouldBlock, Timeout, Unsupported} {
		if errors.Is(err, c) {
			return c.msg
		}
	}
	if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
		return Permission.msg
	}
	return err.Error()
}

// IfNotExist marks err NotFound when it says a file does not exist: for
// callers whose file is itself the object the user named (mmap FILE,
// key PATH), where a missing file is a missing object.
func IfNotExist(err error) error {
	if err != nil && errors.Is(err, fs.ErrNotExist) && !errors.Is(err, NotFound) {
		return Wrap(NotFound, err)
	}
	return err
}

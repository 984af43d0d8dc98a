package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/errclass"

	"golang.org/x/sys/unix"
)

// Exit codes, documented in `ipcctl --help` and pinned by a test.
const (
	ExitOK          = 0
	ExitError       = 1 // any other failure
	ExitUsage       = 2 // bad flag, column, size, id, name
	ExitNotFound    = 3
	ExitPermission  = 4
	ExitExists      = 5
	ExitWouldBlock  = 6 // would block, or timed out
	ExitUnsupported = 7 // no SysV IPC, no mqueue fs, no hugetlb...
	ExitPartial     = 8 // some of several targets failed
)

// ExitCodeHelp is the exit code table shown by `ipcctl --help`.
const ExitCodeHelp = `Exit status:
  0  ok (an empty listing is ok; rm --force on a missing object is ok)
  1  other failure
  2  usage error (bad flag, column, id, key, size or name)
  3  not found
  4  permission denied
  5  already exists
  6  would block or timed out
  7  not supported here (no System V IPC, no mqueue, no hugetlb)
  8  partial: some of several objects failed (each named on stderr)`

// FlagError is a usage error: the only error after which usage is printed.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf makes a usage error.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// FlagErrorWrap makes err a usage error.
func FlagErrorWrap(err error) error {
	if err == nil {
		return nil
	}
	return &FlagError{err: err}
}

// ErrSilent exits 1 without printing: the command already said why.
var ErrSilent = errors.New("silent error")

// PartialError reports that some of several targets failed. Each failure
// has already been printed on stderr; the command exits 8.
type PartialError struct {
	Failed, Total int
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d of %d failed", e.Failed, e.Total)
}

// SilentExit carries an exit code whose reason was already printed.
type SilentExit struct{ Code int }

func (e *SilentExit) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode maps an error to the process exit status. This is the only
// place that does so.
func ExitCode(err error) int {
	var (
		flagErr *FlagError
		partial *PartialError
		silent  *SilentExit
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &silent):
		return silent.Code
	case errors.As(err, &flagErr):
		return ExitUsage
	case errors.As(err, &partial):
		return ExitPartial
	case errors.Is(err, errclass.Usage):
		return ExitUsage
	case errors.Is(err, errclass.NotFound), errors.Is(err, unix.EIDRM):
		// Only a missing object: a file the user named for output that
		// cannot be made is a plain failure (1), never "not found".
		return ExitNotFound
	case errors.Is(err, errclass.Permission), errors.Is(err, fs.ErrPermission), errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return ExitPermission
	case errors.Is(err, errclass.Exists), errors.Is(err, fs.ErrExist), errors.Is(err, unix.EEXIST):
		return ExitExists
	case errors.Is(err, errclass.WouldBlock), errors.Is(err, errclass.Timeout),
		errors.Is(err, unix.EAGAIN), errors.Is(err, unix.ENOMSG), errors.Is(err, unix.ETIMEDOUT):
		return ExitWouldBlock
	case errors.Is(err, errclass.Unsupported), errors.Is(err, errors.ErrUnsupported), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP):
		return ExitUnsupported
	}
	return ExitError
}

// Message is the one-line text printed after "ipcctl: " for err, with
// control characters escaped: errors name objects anyone may name.
func Message(err error) string {
	return table.Safe(strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; "))
}

// PrefixError prefixes err with what failed ("hugepage mount /mnt"); an
// error of class errclass.Usage from pkg/ stays a usage error (exit 2,
// with the command's usage line).
func PrefixError(prefix string, err error) error {
	if errors.Is(err, errclass.Usage) {
		return FlagErrorf("%s: %w", prefix, err)
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// WriteLine writes a verb's one line of result; a write that fails (a
// full disk, a closed pipe) is the verb's failure, not a lost line.
func WriteLine(w io.Writer, verb, format string, args ...any) error {
	if _, err := fmt.Fprintf(w, format, args...); err != nil {
		return fmt.Errorf("%s: writing output: %w", verb, err)
	}
	return nil
}

package cmdutil

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"golang.org/x/sys/unix"
)

// The exit codes are a contract with scripts: this table pins them.
func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", errors.New("boom"), 1},
		{"flag", FlagErrorf("bad size %q", "x"), 2},
		{"wrapped flag", fmt.Errorf("create: %w", FlagErrorf("bad")), 2},
		{"not found", fmt.Errorf("show shm 3: %w", ipc.ErrNotFound), 3},
		{"ENOENT is not an object", unix.ENOENT, 1},
		{"missing output file", &fs.PathError{Op: "open", Path: "/nonexistent/x", Err: unix.ENOENT}, 1},
		{"usage class", fmt.Errorf("x: %w", errclass.Usage), 2},
		{"name error", &ipc.NameError{Name: "x", Reason: "r"}, 2},
		{"EIDRM", unix.EIDRM, 3},
		{"fs.ErrNotExist", fs.ErrNotExist, 1},
		{"class not found", errclass.Wrap(errclass.NotFound, fs.ErrNotExist), 3},
		{"EACCES", fmt.Errorf("rm shm 42: %w", unix.EACCES), 4},
		{"EPERM", unix.EPERM, 4},
		{"EEXIST", unix.EEXIST, 5},
		{"fs.ErrExist", fs.ErrExist, 5},
		{"EAGAIN", unix.EAGAIN, 6},
		{"ENOMSG", unix.ENOMSG, 6},
		{"would block", ipc.ErrWouldBlock, 6},
		{"timeout", ipc.ErrTimeout, 6},
		{"ETIMEDOUT", unix.ETIMEDOUT, 6},
		{"unsupported", ipc.ErrUnsupported, 7},
		{"ENOSYS", unix.ENOSYS, 7},
		{"errors.ErrUnsupported", errors.ErrUnsupported, 7},
		{"partial", &PartialError{Failed: 1, Total: 3}, 8},
		{"silent", &SilentExit{Code: 6}, 6},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("%s: ExitCode(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}

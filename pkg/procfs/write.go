package procfs

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// WriteFile writes value to a sysfs or /proc/sys file below the root, as
// `echo value > file` does. The kernel's refusal (EINVAL, EACCES, EPERM,
// EBUSY) comes back wrapped in an *os.PathError.
//
// Equivalent to: `echo VALUE > FILE`.
func (f FS) WriteFile(rel, value string) error {
	fh, err := os.OpenFile(f.Path(rel), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = fh.WriteString(value + "\n")
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadUint64 reads a file below the root holding one unsigned number.
func (f FS) ReadUint64(rel string) (uint64, error) { return f.readUint64File(rel) }

// Change is one write and what it did: Old is the value before, New the
// value read back after.
type Change struct {
	File     string
	Old, New string
}

// WriteUint64 writes n to a file holding one number and reads it back.
func (f FS) WriteUint64(rel string, n uint64) (old, got uint64, err error) {
	if old, err = f.readUint64File(rel); err != nil {
		return 0, 0, err
	}
	if err = f.WriteFile(rel, fmt.Sprint(n)); err != nil {
		return old, old, err
	}
	got, err = f.readUint64File(rel)
	return old, got, err
}

// CheckWritable reports whether the caller may write a file below the
// root (access(2) W_OK), so that a command can refuse before it changes
// anything rather than fail half way.
func (f FS) CheckWritable(rel string) error {
	if err := unix.Access(f.Path(rel), unix.W_OK); err != nil {
		return &os.PathError{Op: "write", Path: f.Path(rel), Err: err}
	}
	return nil
}

// Package outfile writes the output of --out FILE so that a failure never
// costs the user the file that was there: the bytes go to a temporary
// file beside the target, which is renamed over it only on Commit. A
// target that is the very object being read (same device and inode) is
// refused before anything is written.
//
// A target that exists and is not a regular file (/dev/null, /dev/full,
// a FIFO, a terminal) is written directly: it holds nothing to lose, and
// replacing a device node with a regular file would be wrong.
package outfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"golang.org/x/sys/unix"
)

// Source is a file being read, which the output must not replace.
type Source struct {
	Dev, Ino uint64
	What     string // for the message: "pshm /x", "data.bin"
}

// SourceOf describes an open file being read.
func SourceOf(f *os.File, what string) (Source, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return Source{}, &fs.PathError{Op: "fstat", Path: f.Name(), Err: err}
	}
	return Source{Dev: st.Dev, Ino: st.Ino, What: what}, nil
}

// SameFileError refuses an output file that is the object being read:
// writing it would destroy what is being read. It is a usage error.
type SameFileError struct {
	Path string
	Src  Source
}

func (e *SameFileError) Error() string {
	return fmt.Sprintf("--out %s is %s, the object being read: refused, nothing written", e.Path, e.Src.What)
}

// Is makes the refusal a usage error (errclass.Usage).
func (e *SameFileError) Is(target error) bool { return target == errclass.Usage }

// File is an output file being written. It is an io.Writer; Commit makes
// the output the target's content, Abort drops it and leaves the target
// as it was. Abort after Commit does nothing, so `defer f.Abort()` is safe.
type File struct {
	target string // the path the output ends up at (symlinks resolved)
	f      *os.File
	temp   string // "" when writing the target directly
	done   bool
}

// Create prepares to write path. The target is checked against sources
// (each a file being read) and a temporary file is made in its directory;
// nothing at path changes until Commit. Errors say which --out they are
// about and never carry the class of a missing object (a missing
// directory for the output is not a missing IPC object).
func Create(path string, sources ...Source) (*File, error) {
	return create(path, nil, sources)
}

// CreateMode is Create for an output that must end up with mode perm
// whatever the file it replaces had and whatever the umask (the metrics
// textfile, which node_exporter reads as another user). A device or FIFO
// is written as it is, its mode untouched.
func CreateMode(path string, perm uint32, sources ...Source) (*File, error) {
	return create(path, &perm, sources)
}

func create(path string, perm *uint32, sources []Source) (*File, error) {
	target, err := resolve(path)
	if err != nil {
		return nil, outErr(path, err)
	}
	var st unix.Stat_t
	exists := unix.Stat(target, &st) == nil
	if exists {
		for _, s := range sources {
			if st.Dev == s.Dev && st.Ino == s.Ino {
				return nil, &SameFileError{Path: path, Src: s}
			}
		}
	}
	if exists && st.Mode&unix.S_IFMT != unix.S_IFREG {
		// A device, FIFO or socket: nothing in it to lose; O_TRUNC is
		// ignored by devices and there is no temporary file to rename.
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return nil, outErr(path, err)
		}
		return &File{target: target, f: f}, nil
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".ipcctl-*")
	if err != nil {
		return nil, outErr(path, err)
	}
	out := &File{target: target, f: f, temp: f.Name()}
	// The new file takes the old one's mode and owner, as writing into
	// it would have kept them; a new file gets 0666 less the umask.
	mode := 0o666 &^ umask()
	if exists {
		mode = st.Mode & 0o7777
		_ = f.Chown(int(st.Uid), int(st.Gid)) // as root; an ordinary user owns both anyway
	}
	if perm != nil {
		mode = *perm
	}
	if err := unix.Fchmod(int(f.Fd()), mode); err != nil {
		out.Abort()
		return nil, outErr(path, &fs.PathError{Op: "chmod", Path: f.Name(), Err: err})
	}
	return out, nil
}

// resolve follows symlinks of an existing path, so that the output
// replaces the file a link points to and the link stays; a path that
// does not exist is used as it is.
func resolve(path string) (string, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	return filepath.EvalSymlinks(path)
}

// outErr names the --out file. A missing directory or file keeps its
// message but not its class: exit 3 means a missing IPC object, and the
// object the command reads is fine.
func outErr(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--out %s: %v", path, err)
	}
	return fmt.Errorf("--out %s: %w", path, err)
}

// Name is the path given to Create, resolved.
func (o *File) Name() string { return o.target }

// Fd is the descriptor written to, for callers that hand it to the kernel.
func (o *File) Fd() uintptr { return o.f.Fd() }

// File is the open file the output goes to (the temporary file until
// Commit), for callers that write to it with system calls of their own.
func (o *File) File() *os.File { return o.f }

// Write writes to the output.
func (o *File) Write(p []byte) (int, error) { return o.f.Write(p) }

// Commit closes the output and renames it over the target. On failure
// the temporary file is removed and the target is left as it was.
func (o *File) Commit() error {
	if o.done {
		return nil
	}
	o.done = true
	err := o.f.Close()
	if o.temp == "" {
		if err != nil {
			return fmt.Errorf("--out %s: %w", o.target, err)
		}
		return nil
	}
	if err == nil {
		err = os.Rename(o.temp, o.target)
	}
	if err != nil {
		os.Remove(o.temp)
		return outErr(o.target, err)
	}
	return nil
}

// Abort drops what was written: the temporary file goes, the target is
// untouched. It does nothing after Commit.
func (o *File) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.f.Close()
	if o.temp != "" {
		os.Remove(o.temp)
	}
}

// umask is the process's file mode creation mask, from /proc/self/status
// (reading it with umask(2) would change it for a moment for every thread).
func umask() uint32 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0o022
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("Umask:")); ok {
			if m, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 32); err == nil {
				return uint32(m)
			}
		}
	}
	return 0o022
}

package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/ipcctl/ipcctl/pkg/errclass"

	"golang.org/x/sys/unix"
)

// POSIX objects live in files: shared memory and glibc named semaphores in
// /dev/shm (a semaphore /x is /dev/shm/sem.x), message queues in the
// mqueue filesystem at /dev/mqueue. Listings read those directories
// through the client's procfs.FS; operations use the same paths (shm, sem)
// or the mq_* system calls (queues), which need no mount.

// NameMax is NAME_MAX: the longest file name, hence the longest POSIX name
// after its "/" (a semaphore's name is shorter by the "sem." prefix).
const NameMax = 255

const psemPrefix = "sem."

// NameError reports an invalid POSIX object name. Command lines treat it
// as a usage error.
type NameError struct {
	Name   string
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("invalid POSIX name %q: %s", e.Name, e.Reason)
}

// Is makes a NameError a usage error (errclass.Usage): the caller's input is wrong.
func (e *NameError) Is(target error) bool { return target == errclass.Usage }

// ParsePosixName checks a POSIX object name of kind k (KindPshm, KindPsem
// or KindMq) as typed by a user and returns it in canonical form, with
// its leading "/". A name is "/" then 1..NAME_MAX bytes with no other "/"
// and no NUL; "/." and "/.." are refused, so no name reaches outside
// /dev/shm or /dev/mqueue. A semaphore name leaves room for "sem.", and a
// shared memory name may not start with it (that file is a semaphore's).
//
// A name may carry bytes that are not UTF-8 in the form ipcctl's JSON
// shows them: byte 0xNN as the lone surrogate U+DCNN (PEP 383), which a
// tool that keeps lone surrogates writes as the three bytes ED B2/B3 xx.
// Those are turned back into the byte; no valid UTF-8 name has them.
func ParsePosixName(k Kind, s string) (string, error) {
	s = unescapeSurrogates(s)
	bad := func(reason string) (string, error) { return "", &NameError{Name: s, Reason: reason} }
	if !strings.HasPrefix(s, "/") {
		return bad("must start with /")
	}
	base := s[1:]
	max := NameMax
	if k == KindPsem {
		max -= len(psemPrefix)
	}
	switch {
	case base == "":
		return bad("empty after /")
	case strings.Contains(base, "/"):
		return bad("no / allowed after the first")
	case strings.IndexByte(base, 0) >= 0:
		return bad("contains a NUL byte")
	case base == "." || base == "..":
		return bad("refers to a directory")
	case len(base) > max:
		return bad(fmt.Sprintf("longer than %d bytes after /", max))
	case k == KindPshm && strings.HasPrefix(base, psemPrefix):
		// /dev/shm/sem.* are semaphores: listed, shown and removed as psem only.
		return bad("/dev/shm/sem.* holds named semaphores (psem), not shared memory")
	}
	return s, nil
}

// unescapeSurrogates turns each encoded lone surrogate U+DC80..U+DCFF
// (ED B2 80 .. ED B3 BF) into the byte it stands for.
func unescapeSurrogates(s string) string {
	if !strings.Contains(s, "\xed\xb2") && !strings.Contains(s, "\xed\xb3") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if i+2 < len(s) && s[i] == 0xed && (s[i+1] == 0xb2 || s[i+1] == 0xb3) && s[i+2]&0xc0 == 0x80 {
			b = append(b, (s[i+1]&0x01)<<6|s[i+2]&0x3f|0x80)
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// PosixFile is what stat shows of the file behind a POSIX object.
type PosixFile struct {
	Name  string // with the leading "/"
	Mode  uint32 // permission bits (with setuid/setgid/sticky)
	UID   uint32
	GID   uint32
	Size  uint64 // bytes (shm); 32 for a valid semaphore
	ATime time.Time
	MTime time.Time
	CTime time.Time
	Inode uint64
	Dev   uint64 // st_dev: with Inode, what holders and prune compare
}

func posixFileFromStat(name string, st *unix.Stat_t) PosixFile {
	return PosixFile{
		Name:  name,
		Mode:  st.Mode & 0o7777,
		UID:   st.Uid,
		GID:   st.Gid,
		Size:  uint64(st.Size),
		ATime: time.Unix(st.Atim.Unix()),
		MTime: time.Unix(st.Mtim.Unix()),
		CTime: time.Unix(st.Ctim.Unix()),
		Inode: st.Ino,
		Dev:   st.Dev,
	}
}

// shmDir is the directory of POSIX shared memory and semaphores.
func (c *Client) shmDir() string {
	if c.ns != nil {
		return c.ns.shmDir
	}
	return c.fs.Path("dev/shm")
}

// mqDir is the mount point of the mqueue filesystem.
func (c *Client) mqDir() string {
	if c.ns != nil {
		return c.ns.mqDir
	}
	return c.fs.Path("dev/mqueue")
}

// lstatRegular lstats dir/file; ok is false for anything but a regular
// file (a symlink, directory, fifo... is never a POSIX object) and for a
// file removed meanwhile.
func lstatRegular(dir, file string) (st unix.Stat_t, ok bool, err error) {
	err = unix.Lstat(dir+"/"+file, &st)
	if errors.Is(err, unix.ENOENT) {
		return st, false, nil
	}
	if err != nil {
		return st, false, &fs.PathError{Op: "lstat", Path: dir + "/" + file, Err: err}
	}
	return st, st.Mode&unix.S_IFMT == unix.S_IFREG, nil
}

// openNoFollow opens a file of /dev/shm without following a symlink and
// checks that it is a regular file.
func openNoFollow(path string, flags int, mode uint32) (*os.File, error) {
	fd, err := unix.Open(path, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, mode)
	switch {
	// A symlink or a directory of that name is no object, as listings
	// and stat say: not found (with the reason), never followed.
	case errors.Is(err, unix.ELOOP):
		return nil, fmt.Errorf("%w: %s is a symbolic link", ErrNotFound, path)
	case errors.Is(err, unix.EISDIR):
		return nil, fmt.Errorf("%w: %s is a directory", ErrNotFound, path)
	case errors.Is(err, unix.ENXIO):
		// open(2) of a socket; a FIFO opens (O_NONBLOCK) and is refused below.
		return nil, fmt.Errorf("%w: %s is a socket, not a regular file", ErrNotFound, path)
	case err != nil:
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "fstat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		f.Close()
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrNotFound, path)
	}
	// O_NONBLOCK only kept a fifo from blocking the open.
	if err := unix.SetNonblock(fd, false); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// notFound marks ENOENT as ErrNotFound, keeping the error (its path and
// errno) in the chain.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// unlinkFile removes a file's name with unlink(2) alone: unlike
// os.Remove it never falls back to rmdir, so a directory that took an
// object's name after its stat is left alone (and a symlink is removed
// itself, never its target).
func unlinkFile(path string) error {
	if err := unix.Unlink(path); err != nil {
		return &fs.PathError{Op: "unlink", Path: path, Err: err}
	}
	return nil
}

// chmodNoFollow changes the mode of a regular file without following a
// symlink: chmod(2) has no nofollow flag, so it goes through an O_PATH
// descriptor's /proc/self/fd entry (as glibc's fchmodat does).
func chmodNoFollow(path string, mode uint32) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "chmod", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &fs.PathError{Op: "chmod", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("%w: %s is not a regular file", ErrNotFound, path)
	}
	if err := unix.Chmod(fmt.Sprintf("/proc/self/fd/%d", fd), mode); err != nil {
		return &fs.PathError{Op: "chmod", Path: path, Err: err}
	}
	return nil
}

// chownNoFollow changes the owner of a regular file; gid nil keeps the group.
func chownNoFollow(path string, uid uint32, gid *uint32) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return &fs.PathError{Op: "chown", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("%w: %s is not a regular file", ErrNotFound, path)
	}
	g := -1
	if gid != nil {
		g = int(*gid)
	}
	if err := unix.Lchown(path, int(uid), g); err != nil {
		return &fs.PathError{Op: "chown", Path: path, Err: err}
	}
	return nil
}

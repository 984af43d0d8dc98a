package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"golang.org/x/sys/unix"
)

// Pshm is a POSIX shared memory object: a regular file in /dev/shm (what
// glibc's shm_open("/NAME") makes) that is not a semaphore (sem.*).
type Pshm struct {
	PosixFile
}

// pshmPath validates name and returns its file in /dev/shm.
func (c *Client) pshmPath(name string) (string, error) {
	if err := c.posixErr(); err != nil {
		return "", err
	}
	if _, err := ParsePosixName(KindPshm, name); err != nil {
		return "", err
	}
	return c.shmDir() + "/" + name[1:], nil
}

// PshmStat returns one object; ErrNotFound when there is none (a symlink
// or directory of that name is not an object either).
// Equivalent to: `stat /dev/shm/NAME`.
func (c *Client) PshmStat(name string) (Pshm, error) {
	path, err := c.pshmPath(name)
	if err != nil {
		return Pshm{}, err
	}
	st, ok, err := lstatRegular(c.shmDir(), name[1:])
	if err != nil {
		return Pshm{}, err
	}
	if !ok {
		return Pshm{}, fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	return Pshm{posixFileFromStat(name, &st)}, nil
}

// PshmCreateOptions say how to create a POSIX shared memory object.
type PshmCreateOptions struct {
	Size uint64 // bytes; the file is truncated to it
	Mode uint32 // permission bits, set exactly (the umask does not apply)
	// Reuse opens an existing object as it is (no truncation, mode kept)
	// instead of failing with EEXIST.
	Reuse bool
}

// PshmCreate creates an object exclusively: an existing name fails with
// an error matching fs.ErrExist (EEXIST) unless o.Reuse. Its pages are
// allocated (fallocate) so that the object is backed before anyone maps
// it: a /dev/shm without room for it refuses it here, and nothing is left.
// Equivalent to: shm_open(NAME, O_CREAT|O_EXCL|O_RDWR, MODE) + ftruncate + fallocate.
func (c *Client) PshmCreate(name string, o PshmCreateOptions) (Pshm, error) {
	path, err := c.pshmPath(name)
	if err != nil {
		return Pshm{}, err
	}
	if o.Size > 1<<63-1 {
		return Pshm{}, fmt.Errorf("size %d: %w", o.Size, unix.EFBIG)
	}
	f, err := openNoFollow(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL, o.Mode&0o7777)
	if errors.Is(err, fs.ErrExist) && o.Reuse {
		return c.PshmStat(name)
	}
	if err != nil {
		return Pshm{}, err
	}
	defer f.Close()
	err = unix.Fchmod(int(f.Fd()), o.Mode&0o7777) // exact, whatever the umask
	if err == nil {
		err = f.Truncate(int64(o.Size))
	}
	if err == nil && o.Size > 0 {
		// Allocate every page now: on a full /dev/shm the create fails
		// here instead of every later user faulting on a sparse object.
		err = allocate(f, 0, 0, int64(o.Size))
	}
	if err != nil {
		os.Remove(path) // leave no half-made object
		return Pshm{}, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return Pshm{}, err
	}
	return Pshm{posixFileFromStat(name, &st)}, nil
}

// PshmRemove unlinks an object; processes that have it mapped keep it
// until they unmap. ErrNotFound when there is none.
// Equivalent to: shm_unlink(NAME).
func (c *Client) PshmRemove(name string) error {
	if _, err := c.PshmStat(name); err != nil {
		return err
	}
	return notFound(unlinkFile(c.shmDir() + "/" + name[1:]))
}

// PshmChmod sets an object's permission bits.
// Equivalent to: `chmod MODE /dev/shm/NAME`.
func (c *Client) PshmChmod(name string, mode uint32) error {
	path, err := c.pshmPath(name)
	if err != nil {
		return err
	}
	return notFound(chmodNoFollow(path, mode&0o7777))
}

// PshmChown sets an object's owner, and its group unless gid is nil.
// 4294967295 ((uid_t)-1, chown's "no change") is refused as a usage error.
// Equivalent to: `chown UID[:GID] /dev/shm/NAME`.
func (c *Client) PshmChown(name string, uid uint32, gid *uint32) error {
	if err := checkOwner(&uid, gid); err != nil {
		return err
	}
	path, err := c.pshmPath(name)
	if err != nil {
		return err
	}
	return notFound(chownNoFollow(path, uid, gid))
}

// PshmAttach maps a whole object shared, read-only or read-write. An
// empty object gives an empty mapping. If another process shrinks the
// object while it is mapped, touching the lost pages raises SIGBUS.
// Equivalent to: shm_open(NAME, O_RDONLY or O_RDWR) + mmap(MAP_SHARED).
func (c *Client) PshmAttach(name string, writable bool) (*Mapping, error) {
	path, err := c.pshmPath(name)
	if err != nil {
		return nil, err
	}
	flags, prot := unix.O_RDONLY, unix.PROT_READ
	if writable {
		flags, prot = unix.O_RDWR, unix.PROT_READ|unix.PROT_WRITE
	}
	f, err := openNoFollow(path, flags, 0)
	if err != nil {
		return nil, notFound(err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return nil, &fs.PathError{Op: "fstat", Path: path, Err: err}
	}
	withFile := func(m *Mapping) *Mapping {
		m.dev, m.ino, m.hasFile = st.Dev, st.Ino, true
		m.reason = func(off int64) string {
			if off < 0 {
				off = st.Size - 1 // somewhere: a file now shorter was cut under it
			}
			return mmaputil.FileFaultReason(path, off)
		}
		return m
	}
	if st.Size == 0 {
		return withFile(NewMapping([]byte{}, writable, nil)), nil
	}
	if uint64(st.Size) > uint64(^uint(0)>>1) {
		return nil, fmt.Errorf("%s: %w", path, unix.EFBIG)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(st.Size), prot, unix.MAP_SHARED)
	if err != nil {
		return nil, &fs.PathError{Op: "mmap", Path: path, Err: err}
	}
	return withFile(NewMapping(data, writable, unix.Munmap)), nil
}

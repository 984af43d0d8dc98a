package ipc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// POSIX listings read a directory with getdents64 and each entry with
// raw descriptors: no os.File (whose poller registration and flag
// fiddling cost more system calls than the listing itself), openat and
// fstatat relative to the directory (no path walk per entry). Per object:
// pshm one fstatat; psem openat, fstat, pread, close; mq openat, fstat,
// read, mq_getsetattr, close. Every listing is sorted by name (byte
// order).

// dirEntry is one name of a listing directory; name has a leading "/",
// so it is the object's name as is (a semaphore's after its "sem.").
type dirEntry struct {
	name string
}

// file is the entry's name in the directory.
func (e dirEntry) file() string { return e.name[1:] }

// openDir opens a listing directory; a missing one is (-1, nil).
func openDir(dir string) (int, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT {
		return -1, nil
	}
	if err != nil {
		return -1, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	return fd, nil
}

// direntBufs recycles readDir's getdents buffers (32 KB: zeroing a fresh
// one each time showed in profiles).
var direntBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// readDir returns the entries of directory fd that keep accepts (a
// regular file, or a type the filesystem does not say), sorted by name.
// The names share one string.
func readDir(fd int, dir string, keep func(name []byte) bool) ([]dirEntry, error) {
	bp := direntBufs.Get().(*[32 << 10]byte)
	defer direntBufs.Put(bp)
	buf := bp[:]
	var arena []byte // "/name" after "/name"...
	var ends []int   // end of each name in arena
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "getdents", Path: dir, Err: err}
		}
		if n <= 0 {
			break
		}
		// struct linux_dirent64: ino u64, off s64, reclen u16, type u8, name (NUL-terminated).
		for b := buf[:n]; len(b) >= 19; {
			reclen := int(*(*uint16)(unsafe.Pointer(&b[16])))
			if reclen < 19 || reclen > len(b) {
				return nil, &fs.PathError{Op: "getdents", Path: dir, Err: unix.EIO}
			}
			name := b[19:reclen]
			if i := strings.IndexByte(unsafe.String(&name[0], len(name)), 0); i >= 0 {
				name = name[:i]
			}
			if typ := b[18]; (typ == unix.DT_REG || typ == unix.DT_UNKNOWN) &&
				len(name) > 0 && string(name) != "." && string(name) != ".." && keep(name) {
				arena = append(arena, '/')
				arena = append(arena, name...)
				ends = append(ends, len(arena))
			}
			b = b[reclen:]
		}
	}
	all := string(arena)
	out := make([]dirEntry, len(ends))
	start := 0
	for i, end := range ends {
		out[i] = dirEntry{name: all[start:end]}
		start = end
	}
	slices.SortFunc(out, func(a, b dirEntry) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// fstatatRegular is lstatRegular relative to a directory descriptor.
func fstatatRegular(dirfd int, dir, file string) (st unix.Stat_t, ok bool, err error) {
	err = unix.Fstatat(dirfd, file, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == unix.ENOENT {
		return st, false, nil
	}
	if err != nil {
		return st, false, &fs.PathError{Op: "lstat", Path: dir + "/" + file, Err: err}
	}
	return st, st.Mode&unix.S_IFMT == unix.S_IFREG, nil
}

// openEntry opens a regular file of a listing directory for reading,
// never following a symlink, and fstats it. ok is false for anything but
// a regular file and for a file removed meanwhile; denied is the errno
// (with st from fstatat, ok as for it) when this process may not open it.
func openEntry(dirfd int, dir, file string) (fd int, st unix.Stat_t, ok bool, denied, err error) {
	fd, err = unix.Openat(dirfd, file, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
	switch err {
	case nil:
	case unix.ENOENT, unix.ELOOP:
		return -1, st, false, nil, nil // gone, or a symlink
	case unix.EACCES, unix.EPERM:
		denied = err
		st, ok, err = fstatatRegular(dirfd, dir, file)
		return -1, st, ok, denied, err
	default:
		return -1, st, false, nil, &fs.PathError{Op: "open", Path: dir + "/" + file, Err: err}
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, st, false, nil, &fs.PathError{Op: "fstat", Path: dir + "/" + file, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return -1, st, false, nil, nil
	}
	return fd, st, true, nil, nil
}

// PshmList lists POSIX shared memory objects, sorted by name, from an
// lstat of each file in /dev/shm: objects this process cannot open are
// listed too. Symlinks, directories and other non-regular files are not
// objects; a file removed while listing is skipped.
// Equivalent to: `ls -l /dev/shm`.
func (c *Client) PshmList() ([]Pshm, error) {
	if err := c.posixErr(); err != nil {
		return nil, err
	}
	dir := c.shmDir()
	dirfd, err := openDir(dir)
	if err != nil || dirfd < 0 {
		return nil, err
	}
	defer unix.Close(dirfd)
	ents, err := readDir(dirfd, dir, func(n []byte) bool { return !bytes.HasPrefix(n, []byte(psemPrefix)) })
	if err != nil {
		return nil, err
	}
	out := make([]Pshm, 0, len(ents))
	for _, e := range ents {
		st, ok, err := fstatatRegular(dirfd, dir, e.file())
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, Pshm{posixFileFromStat(e.name, &st)})
		}
	}
	return out, nil
}

// PsemList lists glibc named semaphores, sorted by name: every regular
// file sem.* in /dev/shm. A file of the wrong size or layout is listed
// with Status invalid, one this process cannot read with Status
// unreadable; neither is mapped. A file removed while listing is skipped.
// Equivalent to: `ls -l /dev/shm/sem.*` plus reading each sem_t.
func (c *Client) PsemList() ([]Psem, error) {
	if err := c.posixErr(); err != nil {
		return nil, err
	}
	dir := c.shmDir()
	dirfd, err := openDir(dir)
	if err != nil || dirfd < 0 {
		return nil, err
	}
	defer unix.Close(dirfd)
	ents, err := readDir(dirfd, dir, func(n []byte) bool {
		return len(n) > len(psemPrefix) && bytes.HasPrefix(n, []byte(psemPrefix))
	})
	if err != nil {
		return nil, err
	}
	var vals uint32Slab
	out := make([]Psem, 0, len(ents))
	var img [psemSize + 1]byte // one byte more, to see a file that grew since its fstat
	for _, e := range ents {
		file := e.file()
		name := "/" + file[len(psemPrefix):]
		fd, st, ok, denied, err := openEntry(dirfd, dir, file)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		p := Psem{PosixFile: posixFileFromStat(name, &st), Status: PsemOK}
		switch {
		case denied != nil:
			p.Status, p.Reason = PsemUnreadable, denied.Error()
		case st.Size != psemSize:
			p.Status, p.Reason = PsemInvalid, fmt.Sprintf("size %d bytes, want %d", st.Size, psemSize)
		default:
			n, err := unix.Pread(fd, img[:], 0)
			switch {
			case err != nil:
				p.Status, p.Reason = PsemUnreadable, err.Error()
			default:
				if reason := decodePsemInto(img[:n], &p, &vals); reason != "" {
					p.Status, p.Reason = PsemInvalid, reason
				}
			}
		}
		if fd >= 0 {
			unix.Close(fd)
		}
		out = append(out, p)
	}
	return out, nil
}

// decodePsemInto is decodePsem with the value and waiters kept in vals
// (no allocation per semaphore).
func decodePsemInto(b []byte, p *Psem, vals *uint32Slab) string {
	value, waiters, shared, reason := decodePsemWords(b)
	if reason == "" {
		p.Value, p.Waiters, p.Shared = vals.put(value), vals.put(waiters), shared
	}
	return reason
}

// MqList lists POSIX message queues, sorted by name, from /dev/mqueue:
// fstat and the QSIZE line of each, plus mq_getsetattr's maxmsg, msgsize
// and curmsgs, all through one descriptor where the queue opens for
// reading (otherwise the stat fields only). A queue removed while listing
// is skipped. Without the mqueue mount it fails with ErrUnsupported.
// Equivalent to: `ls -l /dev/mqueue` plus `cat /dev/mqueue/*`.
func (c *Client) MqList() ([]Mq, error) {
	if c.remote() {
		return nsCall(c, (*Client).MqList)
	}
	dir := c.mqDir()
	dirfd, err := openDir(dir)
	if err != nil {
		return nil, err
	}
	if dirfd < 0 {
		return nil, errMqueueNotMounted
	}
	defer unix.Close(dirfd)
	if c.live() {
		// The directory's filesystem says it at once; /proc/self/mounts
		// would be read and parsed whole.
		var sfs unix.Statfs_t
		if err := unix.Fstatfs(dirfd, &sfs); err != nil {
			return nil, &fs.PathError{Op: "statfs", Path: dir, Err: err}
		}
		if sfs.Type != mqueueMagic {
			return nil, errMqueueNotMounted
		}
	} else if ok, err := c.MqueueMounted(); err != nil || !ok {
		if err == nil {
			err = errMqueueNotMounted
		}
		return nil, err
	}
	ents, err := readDir(dirfd, dir, func([]byte) bool { return true })
	if err != nil {
		return nil, err
	}
	out := make([]Mq, 0, len(ents))
	var extras []mqExtra // Status and attributes, allocated in chunks
	var buf [256]byte
	for _, e := range ents {
		fd, st, ok, denied, err := openEntry(dirfd, dir, e.file())
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		q := Mq{PosixFile: posixFileFromStat(e.name, &st)}
		if denied == nil {
			if len(extras) == cap(extras) {
				extras = make([]mqExtra, 0, 256)
			}
			extras = extras[:len(extras)+1]
			x := &extras[len(extras)-1]
			err = readMqueue(fd, e.file(), buf[:], &x.status)
			if err == nil {
				q.Status = &x.status
			}
			if err == nil && c.live() {
				var a sys.MqAttr
				if e := sys.MqGetsetattr(fd, nil, &a); e != 0 {
					err = fmt.Errorf("mq_getsetattr %s: %w", q.Name, e)
				} else {
					x.maxMsg, x.msgSize, x.curMsgs = uint64(a.Maxmsg), uint64(a.Msgsize), uint64(a.Curmsgs)
					q.MaxMsg, q.MsgSize, q.CurMsgs = &x.maxMsg, &x.msgSize, &x.curMsgs
				}
			}
			unix.Close(fd)
			if err != nil {
				return nil, err
			}
		}
		out = append(out, q)
	}
	return out, nil
}

// mqExtra holds what a listed queue's pointers point to.
type mqExtra struct {
	status                   procfs.MqueueStatus
	maxMsg, msgSize, curMsgs uint64
}

// readMqueue reads and parses the status line of the mqueue file from
// fd; file names it in errors (the path is made only for them).
func readMqueue(fd int, file string, buf []byte, st *procfs.MqueueStatus) error {
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "read", Path: "dev/mqueue/" + file, Err: err}
		}
		n += m
		if m == 0 || buf[n-1] == '\n' { // the kernel hands out the whole line at once
			break
		}
	}
	v, err := procfs.ParseMqueueFile("", buf[:n])
	var pe *procfs.ParseError
	if errors.As(err, &pe) {
		pe.File = "dev/mqueue/" + file
	}
	*st = v
	return err
}

// uint32Slab hands out pointers to values kept in chunks that are never
// moved or overwritten.
type uint32Slab struct{ chunk []uint32 }

func (s *uint32Slab) put(v uint32) *uint32 {
	if len(s.chunk) == cap(s.chunk) {
		s.chunk = make([]uint32, 0, 512)
	}
	s.chunk = append(s.chunk, v)
	return &s.chunk[len(s.chunk)-1]
}

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
// read, mq_getsetattr, close; made with RawSyscall only where the
// directory is tmpfs or mqueue (see internal/sys/listing.go). Every
// listing is sorted by name (byte order).

// dirEntry is one object of a listing directory.
type dirEntry struct {
	name string // the object's name, with its leading "/" (a semaphore's without "sem.")
	file string // its file in the directory; the byte after it in memory is a NUL
}

// cfile is the entry's file name as a C string, for the *Z system calls.
func (e *dirEntry) cfile() *byte { return unsafe.StringData(e.file) }

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

// dirFSType is the filesystem type (statfs f_type) of directory dirfd.
func dirFSType(dirfd int, dir string) (int64, error) {
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(dirfd, &sfs); err != nil {
		return 0, &fs.PathError{Op: "statfs", Path: dir, Err: err}
	}
	return sfs.Type, nil
}

// rawCallsOK says whether the per-entry calls on a directory of
// filesystem type t may be raw: on tmpfs and mqueue none blocks for long.
func rawCallsOK(t int64) bool { return t == unix.TMPFS_MAGIC || t == mqueueMagic }

// direntBufs recycles readDir's getdents buffers (32 KB: zeroing a fresh
// one each time showed in profiles).
var direntBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// Which files of a directory readDir keeps.
const (
	allFiles = iota // every regular file (/dev/mqueue)
	shmFiles        // all but sem.* (/dev/shm for pshm)
	semFiles        // sem.* with something after the prefix, named without it (psem)
)

// readDir returns the regular files of directory fd (and those whose type
// the filesystem does not say) that which selects, sorted by name. The
// names and files share one string, each file followed by a NUL.
func readDir(fd int, dir string, which int) ([]dirEntry, error) {
	bp := direntBufs.Get().(*[32 << 10]byte)
	defer direntBufs.Put(bp)
	buf := bp[:]
	// Per entry: "/name\x00", or for a semaphore "/name\x00sem.name\x00".
	arena := make([]byte, 0, 16<<10)
	ends := make([]int, 0, 512) // end of each entry in arena
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
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			typ := b[18]
			b = b[reclen:]
			if typ != unix.DT_REG && typ != unix.DT_UNKNOWN || len(name) == 0 ||
				string(name) == "." || string(name) == ".." {
				continue
			}
			isSem := bytes.HasPrefix(name, []byte(psemPrefix))
			switch which {
			case shmFiles:
				if isSem {
					continue
				}
			case semFiles:
				if !isSem || len(name) == len(psemPrefix) {
					continue
				}
				arena = append(arena, '/')
				arena = append(arena, name[len(psemPrefix):]...)
				arena = append(arena, 0)
			}
			arena = append(arena, '/')
			arena = append(arena, name...)
			arena = append(arena, 0)
			ends = append(ends, len(arena))
		}
	}
	var all string
	if len(arena) > 0 {
		all = unsafe.String(&arena[0], len(arena)) // arena is not written again: no copy
	}
	ents := make([]dirEntry, len(ends))
	// Sorted as small (key, index) pairs, most told apart by the key
	// alone: sorting the entries themselves moved 32 bytes per swap.
	order := make([]sortKey, len(ends))
	start := 0
	for i, end := range ends {
		e := all[start : end-1] // without its NUL
		if which == semFiles {
			nul := strings.IndexByte(e, 0)
			ents[i].name, ents[i].file = e[:nul], e[nul+2:] // the file after its "/"
		} else {
			ents[i].name, ents[i].file = e, e[1:]
		}
		order[i] = sortKey{nameKey(ents[i].name), uint32(i)}
		start = end
	}
	slices.SortFunc(order, func(a, b sortKey) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return strings.Compare(ents[a.i].name, ents[b.i].name)
	})
	out := make([]dirEntry, len(ents))
	for j, o := range order {
		out[j] = ents[o.i]
	}
	return out, nil
}

// sortKey is an entry's place in readDir's sort: the name's first 8
// bytes after "/", big-endian, and the entry's index.
type sortKey struct {
	key uint64
	i   uint32
}

// nameKey is the first 8 bytes of a name after its "/", big-endian and
// zero-padded: names hold no NUL, so keys order as the names do, and
// equal keys leave the rest to a string comparison.
func nameKey(name string) uint64 {
	var k uint64
	for i := 1; i < 9; i++ {
		k <<= 8
		if i < len(name) {
			k |= uint64(name[i])
		}
	}
	return k
}

// pathError is a failed call on an entry, with its path (made only then).
func pathError(op, dir string, e *dirEntry, errno unix.Errno) error {
	return &fs.PathError{Op: op, Path: dir + "/" + e.file, Err: errno}
}

// fstatatRegular lstats an entry relative to its directory descriptor;
// ok is false for anything but a regular file and for a file removed
// meanwhile.
func fstatatRegular(raw bool, dirfd int, dir string, e *dirEntry, st *unix.Stat_t) (ok bool, err error) {
	switch errno := sys.FstatatZ(raw, dirfd, e.cfile(), st, unix.AT_SYMLINK_NOFOLLOW); errno {
	case 0:
		return st.Mode&unix.S_IFMT == unix.S_IFREG, nil
	case unix.ENOENT:
		return false, nil
	default:
		return false, pathError("lstat", dir, e, errno)
	}
}

// openEntry opens a regular file of a listing directory for reading,
// never following a symlink, and fstats it. ok is false for anything but
// a regular file and for a file removed meanwhile; denied is the errno
// (with st from fstatat, ok as for it) when this process may not open it.
func openEntry(raw bool, dirfd int, dir string, e *dirEntry, st *unix.Stat_t) (fd int, ok bool, denied, err error) {
	fd, errno := sys.OpenatZ(raw, dirfd, e.cfile(), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY)
	switch errno {
	case 0:
	case unix.ENOENT, unix.ELOOP:
		return -1, false, nil, nil // gone, or a symlink
	case unix.EACCES, unix.EPERM:
		ok, err = fstatatRegular(raw, dirfd, dir, e, st)
		return -1, ok, errno, err
	default:
		return -1, false, nil, pathError("open", dir, e, errno)
	}
	if errno := sys.Fstat(raw, fd, st); errno != 0 {
		sys.Close(raw, fd)
		return -1, false, nil, pathError("fstat", dir, e, errno)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		sys.Close(raw, fd)
		return -1, false, nil, nil
	}
	return fd, true, nil, nil
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
	fsType, err := dirFSType(dirfd, dir)
	if err != nil {
		return nil, err
	}
	raw := rawCallsOK(fsType)
	ents, err := readDir(dirfd, dir, shmFiles)
	if err != nil {
		return nil, err
	}
	out := make([]Pshm, 0, len(ents))
	var st unix.Stat_t
	for i := range ents {
		e := &ents[i]
		ok, err := fstatatRegular(raw, dirfd, dir, e, &st)
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
func (c *Client) PsemList() ([]Psem, error) { return c.PsemListNeeds(PosixNeeds{Contents: true}) }

// PosixNeeds says what a POSIX listing reads beyond the lstat of each
// file, so that a listing that shows none of it opens nothing.
type PosixNeeds struct {
	// Contents: a semaphore's Status, Reason, Value, Waiters and Shared;
	// a queue's Status, MaxMsg, MsgSize and CurMsgs. Without it a
	// semaphore's Status is "" and those pointers are nil.
	Contents bool
}

// PsemListNeeds is PsemList reading only what needs asks for: without
// Contents one fstatat per semaphore, as PshmList.
// Equivalent to: `ls -l /dev/shm/sem.*` (plus reading each sem_t with Contents).
func (c *Client) PsemListNeeds(needs PosixNeeds) ([]Psem, error) {
	if err := c.posixErr(); err != nil {
		return nil, err
	}
	dir := c.shmDir()
	dirfd, err := openDir(dir)
	if err != nil || dirfd < 0 {
		return nil, err
	}
	defer unix.Close(dirfd)
	fsType, err := dirFSType(dirfd, dir)
	if err != nil {
		return nil, err
	}
	raw := rawCallsOK(fsType)
	ents, err := readDir(dirfd, dir, semFiles)
	if err != nil {
		return nil, err
	}
	var vals slab[uint32]
	out := make([]Psem, 0, len(ents))
	var img [psemSize + 1]byte // one byte more, to see a file that grew since its fstat
	var st unix.Stat_t
	for i := range ents {
		e := &ents[i]
		if !needs.Contents {
			ok, err := fstatatRegular(raw, dirfd, dir, e, &st)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, Psem{PosixFile: posixFileFromStat(e.name, &st)})
			}
			continue
		}
		fd, ok, denied, err := openEntry(raw, dirfd, dir, e, &st)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		p := Psem{PosixFile: posixFileFromStat(e.name, &st), Status: PsemOK}
		switch {
		case denied != nil:
			p.Status, p.Reason = PsemUnreadable, denied.Error()
		case st.Size != psemSize:
			p.Status, p.Reason = PsemInvalid, fmt.Sprintf("size %d bytes, want %d", st.Size, psemSize)
		default:
			n, errno := sys.Pread(raw, fd, img[:], 0)
			switch {
			case errno != 0:
				p.Status, p.Reason = PsemUnreadable, errno.Error()
			default:
				if reason := decodePsemInto(img[:n], &p, &vals); reason != "" {
					p.Status, p.Reason = PsemInvalid, reason
				}
			}
		}
		if fd >= 0 {
			sys.Close(raw, fd)
		}
		out = append(out, p)
	}
	return out, nil
}

// decodePsemInto is decodePsem with the value and waiters kept in vals
// (no allocation per semaphore).
func decodePsemInto(b []byte, p *Psem, vals *slab[uint32]) string {
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
func (c *Client) MqList() ([]Mq, error) { return c.MqListNeeds(PosixNeeds{Contents: true}) }

// MqListNeeds is MqList reading only what needs asks for: without
// Contents one fstatat per queue, as PshmList.
// Equivalent to: `ls -l /dev/mqueue` (plus `cat /dev/mqueue/*` with Contents).
func (c *Client) MqListNeeds(needs PosixNeeds) ([]Mq, error) {
	if c.remote() {
		return nsCall(c, func(c *Client) ([]Mq, error) { return c.MqListNeeds(needs) })
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
	fsType, err := dirFSType(dirfd, dir)
	if err != nil {
		return nil, err
	}
	raw := rawCallsOK(fsType)
	if c.live() {
		// The directory's filesystem says it at once; /proc/self/mounts
		// would be read and parsed whole.
		if fsType != mqueueMagic {
			return nil, errMqueueNotMounted
		}
	} else if ok, err := c.MqueueMounted(); err != nil || !ok {
		if err == nil {
			err = errMqueueNotMounted
		}
		return nil, err
	}
	ents, err := readDir(dirfd, dir, allFiles)
	if err != nil {
		return nil, err
	}
	out := make([]Mq, 0, len(ents))
	var extras []mqExtra // Status and attributes, allocated in chunks
	var buf [256]byte
	var st unix.Stat_t
	for i := range ents {
		e := &ents[i]
		if !needs.Contents {
			ok, err := fstatatRegular(raw, dirfd, dir, e, &st)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, Mq{PosixFile: posixFileFromStat(e.name, &st)})
			}
			continue
		}
		fd, ok, denied, err := openEntry(raw, dirfd, dir, e, &st)
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
			err = readMqueue(raw, fd, e.file, buf[:], &x.status)
			if err == nil {
				q.Status = &x.status
			}
			if err == nil && c.live() {
				var a sys.MqAttr
				if errno := sys.MqGetattr(raw, fd, &a); errno != 0 {
					err = fmt.Errorf("mq_getsetattr %s: %w", q.Name, errno)
				} else {
					x.maxMsg, x.msgSize, x.curMsgs = uint64(a.Maxmsg), uint64(a.Msgsize), uint64(a.Curmsgs)
					q.MaxMsg, q.MsgSize, q.CurMsgs = &x.maxMsg, &x.msgSize, &x.curMsgs
				}
			}
			sys.Close(raw, fd)
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
func readMqueue(raw bool, fd int, file string, buf []byte, st *procfs.MqueueStatus) error {
	n := 0
	for n < len(buf) {
		m, errno := sys.Read(raw, fd, buf[n:])
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return &fs.PathError{Op: "read", Path: "dev/mqueue/" + file, Err: errno}
		}
		n += m
		if m == 0 || buf[n-1] == '\n' { // the kernel hands out the whole line at once
			break
		}
	}
	v, err := procfs.ParseMqueueFile("", buf[:n])
	*st = v
	if err == nil {
		return nil // before errors.As, whose target would escape: one allocation per queue
	}
	var pe *procfs.ParseError
	if errors.As(err, &pe) {
		pe.File = "dev/mqueue/" + file
	}
	return err
}

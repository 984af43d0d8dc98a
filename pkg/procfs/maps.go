package procfs

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// MapsEntry is one line of /proc/PID/maps that maps a file:
//
//	7f41...-7f41... rw-s 00000000 00:2e 2        /dev/shm/pobj
//	7f41...-7f41... rw-s 00000000 00:01 5        /SYSV00001234 (deleted)
//
// A System V segment shows as /SYSV followed by its key in hex, with the
// segment's id as the inode (0 for the first segment of a namespace).
type MapsEntry struct {
	Start, End uint64
	Perms      []byte // "rw-s": read, write, execute, shared or private; points into the read buffer
	Shared     bool   // the fourth perms letter is "s" (MAP_SHARED)
	Dev        uint64 // as unix.Mkdev(major, minor): compare with Stat_t.Dev
	Inode      uint64
	// Path is the mapped file's name as the kernel prints it (relative to
	// the reader's root, " (deleted)" appended when unlinked). It points
	// into the read buffer: valid only during the callback.
	Path []byte
}

// ScanMaps calls fn for each line of /proc/PID/maps that maps a file;
// anonymous memory, the heap, stack and vdso ("[name]" or no path) are
// skipped.
// buf is reused between calls (reading every process shares one buffer).
// Reading another user's maps needs ptrace access to the process.
func (f FS) ScanMaps(pid int, buf *[]byte, fn func(MapsEntry)) error {
	rel := "proc/" + strconv.Itoa(pid) + "/maps"
	b, err := f.readInto(rel, buf)
	if err != nil {
		return err
	}
	return ParseMaps(rel, b, fn)
}

// ParseMaps parses the content of a /proc/PID/maps file, calling fn for
// each line that maps a file (see ScanMaps).
func ParseMaps(file string, b []byte, fn func(MapsEntry)) error {
	for n := 1; len(b) > 0; n++ {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) == 0 {
			continue
		}
		e, ok, err := parseMapsLine(line)
		if err != nil {
			return &ParseError{File: file, Line: n, Msg: err.Error()}
		}
		if ok {
			fn(e)
		}
	}
	return nil
}

// parseMapsLine splits "START-END PERMS OFFSET MAJ:MIN INODE [PATH]";
// ok is false for a line that maps no file: no path, or "[heap]" and the
// like. (The inode does not tell: System V segment 0 has inode 0.)
func parseMapsLine(line []byte) (e MapsEntry, ok bool, err error) {
	var fields [5][]byte
	rest := line
	for i := range fields {
		rest = bytes.TrimLeft(rest, " ")
		j := bytes.IndexByte(rest, ' ')
		if j < 0 {
			j = len(rest)
		}
		fields[i], rest = rest[:j], rest[j:]
		if len(fields[i]) == 0 {
			return e, false, fmt.Errorf("%d fields, want at least 5", i)
		}
	}
	ino, err := strconv.ParseUint(string(fields[4]), 10, 64)
	if err != nil {
		return e, false, fmt.Errorf("bad inode %q", truncate(string(fields[4])))
	}
	start, end, ok1 := bytes.Cut(fields[0], []byte{'-'})
	maj, min, ok2 := bytes.Cut(fields[3], []byte{':'})
	if !ok1 || !ok2 || len(fields[1]) != 4 {
		return e, false, fmt.Errorf("malformed line %q", truncate(string(line)))
	}
	vals := [4]uint64{}
	for i, s := range [][]byte{start, end, maj, min} {
		if vals[i], err = strconv.ParseUint(string(s), 16, 64); err != nil {
			return e, false, fmt.Errorf("bad hex number %q", truncate(string(s)))
		}
	}
	if vals[2] > 0xfff || vals[3] > 0xfffff {
		return e, false, fmt.Errorf("device %s out of range", fields[3])
	}
	e = MapsEntry{
		Start: vals[0], End: vals[1],
		Perms:  fields[1],
		Shared: fields[1][3] == 's',
		Dev:    unix.Mkdev(uint32(vals[2]), uint32(vals[3])),
		Inode:  ino,
		Path:   bytes.TrimLeft(rest, " "),
	}
	return e, len(e.Path) > 0 && e.Path[0] != '[', nil
}

// ScanFDs calls fn with each open descriptor of process pid and the
// target of its /proc/PID/fd link: a path ("/dev/shm/x", "/q" for a
// message queue, which lives on the mqueue filesystem of its IPC
// namespace), or "socket:[N]", "pipe:[N]", "anon_inode:[...]". The
// target points into a reused buffer: valid only during the callback.
// Reading another user's descriptors needs ptrace access to the process.
func (f FS) ScanFDs(pid int, fn func(fd int, target []byte)) error {
	dir := f.Path("proc", strconv.Itoa(pid), "fd")
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	var link [unix.PathMax]byte
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		n, err := unix.Readlink(dir+"/"+name, link[:])
		if err != nil {
			continue // closed meanwhile
		}
		fn(fd, link[:n])
	}
	return nil
}

// PIDCommand returns the command line of process pid as ps and lsipc
// show it: the arguments of /proc/PID/cmdline joined by spaces, or
// "[comm]" for a process with no command line (a kernel thread, a zombie).
func (f FS) PIDCommand(pid int) (string, error) {
	var buf []byte
	b, err := f.readInto("proc/"+strconv.Itoa(pid)+"/cmdline", &buf)
	if err != nil {
		return "", err
	}
	b = bytes.TrimRight(b, "\x00")
	if len(b) > 0 {
		return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})), nil
	}
	c, err := f.readInto("proc/"+strconv.Itoa(pid)+"/comm", &buf)
	if err != nil {
		return "", err
	}
	return "[" + string(bytes.TrimRight(c, "\n")) + "]", nil
}

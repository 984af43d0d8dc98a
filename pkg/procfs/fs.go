// Package procfs parses the /proc and /sys files ipcctl reads. Every read
// goes through an FS rooted at a directory, so that parsers run against
// captured fixture trees in tests exactly as against the live system.
//
// Parsers never panic on malformed input: they return an error that names
// the file and line (see *ParseError). A file that does not exist is an
// error wrapping fs.ErrNotExist.
package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// FS is a filesystem root: "/" for the live system, or a fixture directory.
type FS string

// DefaultFS is the live system.
const DefaultFS FS = "/"

// Path joins elements below the root: FS("/tmp/x").Path("proc/meminfo").
func (f FS) Path(elem ...string) string {
	return filepath.Join(append([]string{string(f)}, elem...)...)
}

// ReadFile reads a file below the root.
func (f FS) ReadFile(elem ...string) ([]byte, error) {
	return os.ReadFile(f.Path(elem...))
}

// lineBufs recycles the buffers eachLine streams files through.
var lineBufs = sync.Pool{New: func() any { b := make([]byte, lineBufSize); return &b }}

// lineBufSize holds a few hundred /proc/sysvipc rows: a read of a seq_file
// returns as many whole rows as fit, so a larger buffer only saves system
// calls that cost little next to formatting the rows.
const lineBufSize = 64 << 10

// eachLine opens the file rel and hands scan a reader of its lines.
// /proc files report size 0 and arrive a page or a buffer at a time; they
// are streamed, never read whole.
func (f FS) eachLine(rel string, scan func(*lineReader) error) error {
	path := f.Path(rel)
	// A raw descriptor, not an os.File: /proc files are not pollable, and
	// an os.File would set up the runtime's poller (epoll, eventfd) and
	// register with it, for nothing, in a command that runs for a millisecond.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	bp := lineBufs.Get().(*[]byte)
	lr := &lineReader{r: fdReader{fd: fd, path: path}, buf: *bp}
	err = scan(lr)
	if cap(lr.buf) == lineBufSize { // not a buffer grown for an odd long line
		lineBufs.Put(bp)
	}
	return err
}

// fdReader reads a raw file descriptor.
type fdReader struct {
	fd   int
	path string
}

func (r fdReader) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(r.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "read", Path: r.path, Err: err}
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// lineReader splits a stream, or a byte slice, into lines.
type lineReader struct {
	r          io.Reader // nil when buf holds all the input
	buf        []byte
	start, end int // the unread bytes are buf[start:end]
	line       int // number of the line next returned, from 1
	err        error
}

// bytesLines reads the lines of b.
func bytesLines(b []byte) *lineReader { return &lineReader{buf: b, end: len(b)} }

// rowsHint is how many lines the input has at most, when it is all in
// memory; 0 for a stream.
func (lr *lineReader) rowsHint() int {
	if lr.r != nil {
		return 0
	}
	return bytes.Count(lr.buf[lr.start:lr.end], []byte{'\n'}) + 1
}

// next returns the next line without its newline; it is valid until the
// following call. At the end of the input, or on a read error (in
// lr.err), ok is false.
func (lr *lineReader) next() (line []byte, ok bool) {
	for {
		if i := bytes.IndexByte(lr.buf[lr.start:lr.end], '\n'); i >= 0 {
			line = lr.buf[lr.start : lr.start+i]
			lr.start += i + 1
			lr.line++
			return line, true
		}
		if lr.err != nil {
			return nil, false
		}
		if lr.r == nil {
			if lr.start < lr.end { // the last line has no newline
				line = lr.buf[lr.start:lr.end]
				lr.start = lr.end
				lr.line++
				return line, true
			}
			return nil, false
		}
		lr.fill()
	}
}

// fill reads more input after the unread bytes, moving them to the front
// of the buffer, or growing it for a line longer than the buffer.
func (lr *lineReader) fill() {
	if lr.start > 0 {
		lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
		lr.start = 0
	}
	if lr.end == len(lr.buf) {
		lr.buf = append(lr.buf, make([]byte, len(lr.buf))...)
	}
	n, err := lr.r.Read(lr.buf[lr.end:])
	lr.end += n
	if err == io.EOF {
		lr.r = nil
	} else if err != nil {
		lr.err = err
	}
}

// ErrParse is wrapped by every *ParseError.
var ErrParse = errors.New("malformed")

// ParseError reports malformed content at a line of a file.
type ParseError struct {
	File string // path below the root, e.g. "proc/sysvipc/shm"
	Line int    // 1-based; 0 when the whole file is at fault
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Unwrap makes errors.Is(err, ErrParse) true.
func (e *ParseError) Unwrap() error { return ErrParse }

// readUint64File reads a file holding one unsigned decimal number.
func (f FS) readUint64File(rel string) (uint64, error) {
	b, err := f.ReadFile(rel)
	if err != nil {
		return 0, err
	}
	return parseUint64File(rel, b)
}

// parseUint64File parses the content of a file holding one unsigned
// decimal number (surrounding whitespace allowed).
func parseUint64File(rel string, b []byte) (uint64, error) {
	s := strings.TrimSpace(string(b))
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, &ParseError{File: rel, Line: 1, Msg: fmt.Sprintf("not an unsigned number: %q", truncate(s))}
	}
	return v, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

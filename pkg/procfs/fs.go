// Package procfs parses the /proc and /sys files ipcctl reads. Every read
// goes through an FS rooted at a directory, so that parsers run against
// captured fixture trees in tests exactly as against the live system.
//
// Parsers never panic on malformed input: they return an error that names
// the file and line (see *ParseError). A file that does not exist is an
// error wrapping fs.ErrNotExist.
package procfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// largeBufs recycles readLarge's buffers: `ls` reads three listings of
// up to megabytes each, and zeroing fresh buffers showed in profiles.
// A new buffer is large: memory fresh from the kernel costs a page fault
// only where it is written, so the unused part is free, while growing
// by doubling copies the listing (and faults it in) again and again.
var largeBufs = sync.Pool{New: func() any { b := make([]byte, 0, largeBufSize); return &b }}

const largeBufSize = 1 << 20

// parseLarge reads a /proc file that may be megabytes long and hands its
// content to parse, which must not keep it. Such files report size 0 and
// arrive a page per read; os.ReadFile's 512-byte first buffer and append
// growth would copy a listing of thousands of objects many times over (a
// quarter of `ipcctl ls` in profiles).
func parseLarge[T any](f FS, rel string, parse func([]byte) (T, error)) (T, error) {
	bp := largeBufs.Get().(*[]byte)
	defer largeBufs.Put(bp)
	b, err := f.readLarge(rel, (*bp)[:0])
	*bp = b[:0]
	if err != nil {
		var zero T
		return zero, err
	}
	return parse(b)
}

// readLarge reads the file rel into b, growing it by doubling.
func (f FS) readLarge(rel string, b []byte) ([]byte, error) {
	fh, err := os.Open(f.Path(rel))
	if err != nil {
		return b, err
	}
	defer fh.Close()
	if cap(b) == 0 {
		b = make([]byte, 0, largeBufSize)
	}
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, cap(b)) // double
		}
		n, err := fh.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
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

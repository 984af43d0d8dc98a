// Package hexdump writes bytes in the canonical format of `hexdump -C`,
// byte for byte: offset, sixteen hex bytes in two groups of eight, the
// printable characters between bars, a "*" line for each run of lines
// identical to the one before, and the end offset on a line of its own.
package hexdump

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// Write dumps b to w as `hexdump -C -s base` would dump the same bytes
// found at offset base of a file. Like hexdump, an empty b gives nothing
// at offset 0 and just the offset line after a skip.
func Write(w io.Writer, b []byte, base uint64) error {
	d := NewWriter(w, base)
	if _, err := d.Write(b); err != nil {
		return err
	}
	return d.Close()
}

// Writer dumps the bytes written to it, which come from offset base of
// a file, so that a dump of any length needs no more memory than a line.
// Close writes the last line and the end offset.
type Writer struct {
	ew        *errWriter
	bw        *bufio.Writer
	base, off uint64 // offset of the first byte, bytes dumped so far
	line      [16]byte
	n         int // bytes in line
	prev      [16]byte
	hasPrev   bool
	squeezing bool
}

// NewWriter starts a dump of the bytes at offset base.
func NewWriter(w io.Writer, base uint64) *Writer {
	ew := &errWriter{w: w}
	return &Writer{ew: ew, bw: bufio.NewWriter(ew), base: base}
}

// errWriter keeps the first error of w, so that a dump stops at once
// when its output fails.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// Write dumps p; it fails once the output has failed.
func (d *Writer) Write(p []byte) (int, error) {
	if d.ew.err != nil {
		return 0, d.ew.err
	}
	for i := 0; i < len(p); {
		c := copy(d.line[d.n:], p[i:])
		d.n += c
		i += c
		if d.n == 16 {
			d.flushLine()
		}
	}
	return len(p), nil
}

func (d *Writer) flushLine() {
	line := d.line[:d.n]
	addr := d.base + d.off
	d.off += uint64(d.n)
	d.n = 0
	if len(line) == 16 && d.hasPrev && bytes.Equal(line, d.prev[:]) {
		if !d.squeezing {
			d.bw.WriteString("*\n")
			d.squeezing = true
		}
		return
	}
	d.squeezing = false
	copy(d.prev[:], line)
	d.hasPrev = true
	writeLine(d.bw, addr, line)
}

// Close writes the last partial line and the end offset, and flushes.
func (d *Writer) Close() error {
	if d.off == 0 && d.n == 0 && d.base == 0 {
		return nil
	}
	if d.n > 0 {
		d.flushLine()
	}
	fmt.Fprintf(d.bw, "%08x\n", d.base+d.off)
	return d.bw.Flush()
}

func writeLine(w *bufio.Writer, addr uint64, line []byte) {
	const hexDigits = "0123456789abcdef"
	fmt.Fprintf(w, "%08x ", addr)
	for i := 0; i < 16; i++ {
		if i%8 == 0 {
			w.WriteByte(' ')
		}
		if i < len(line) {
			w.WriteByte(hexDigits[line[i]>>4])
			w.WriteByte(hexDigits[line[i]&0xf])
			w.WriteByte(' ')
		} else {
			w.WriteString("   ")
		}
	}
	w.WriteString(" |")
	for _, c := range line {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		w.WriteByte(c)
	}
	w.WriteString("|\n")
}

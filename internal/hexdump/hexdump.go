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
	if len(b) == 0 && base == 0 {
		return nil
	}
	bw := bufio.NewWriter(w)
	var prev []byte
	squeezing := false
	for off := 0; off < len(b); off += 16 {
		line := b[off:min(off+16, len(b))]
		if len(line) == 16 && prev != nil && bytes.Equal(line, prev) {
			if !squeezing {
				bw.WriteString("*\n")
				squeezing = true
			}
			continue
		}
		squeezing = false
		prev = line
		writeLine(bw, base+uint64(off), line)
	}
	fmt.Fprintf(bw, "%08x\n", base+uint64(len(b)))
	return bw.Flush()
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

package table

import (
	"bufio"
	"strings"
)

// writeRaw writes t as space-separated fields, one row a line, each value
// escaped by appendEscaped so that it is exactly one field.
func writeRaw(w *bufio.Writer, t *Table, opts *Options) {
	var line []byte
	if !opts.NoHeadings {
		for i, c := range t.Cols {
			if i > 0 {
				line = append(line, ' ')
			}
			line = append(line, c.Header()...)
		}
		w.Write(append(line, '\n'))
	}
	var cell []byte
	t.each(func(row []Value) {
		line = line[:0]
		for i, v := range row {
			if i > 0 {
				line = append(line, ' ')
			}
			cell = AppendText(cell[:0], v, opts)
			line = appendEscaped(line, string(cell), true)
		}
		w.Write(append(line, '\n'))
	})
}

// appendShellQuoted appends text inside double quotes, escaping what a
// POSIX shell would expand there.
func appendShellQuoted(b, text []byte) []byte {
	b = append(b, '"')
	for _, c := range text {
		switch c {
		case '"', '\\', '$', '`':
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// writeExport writes t as NAME="value" lines for eval, one row a line.
func writeExport(w *bufio.Writer, t *Table, opts *Options) {
	names := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		names[i] = strings.ToUpper(c.Name)
	}
	var line, cell []byte
	var kind []byte
	if opts.Kinds {
		kind = appendShellQuoted([]byte("KIND="), []byte(t.Name))
		kind = append(kind, ' ')
	}
	t.each(func(row []Value) {
		line = append(line[:0], kind...)
		for i, v := range row {
			if i > 0 {
				line = append(line, ' ')
			}
			line = append(line, names[i]...)
			line = append(line, '=')
			cell = AppendText(cell[:0], v, opts)
			line = appendShellQuoted(line, cell)
		}
		w.Write(append(line, '\n'))
	})
}

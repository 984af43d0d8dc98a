package table

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends v as a JSON value: numbers for counts, sizes, ids and
// pids; strings for keys (0x%08x), perms (rw-r-----), modes (0640) and
// times (RFC 3339); null for absent values.
func AppendJSON(b []byte, v Value) []byte { return appendJSON(b, v, nil) }

// appendJSON is AppendJSON, with the times of a render remembered in m.
func appendJSON(b []byte, v Value, m *timeMemo) []byte {
	if v.Null {
		return append(b, "null"...)
	}
	switch v.Type {
	case Int:
		return appendJSONNumber(b, Int, uint64(v.Int))
	case Uint, Size, Duration, Key, Perms, Mode, Percent:
		return appendJSONNumber(b, v.Type, v.Uint)
	case Bool:
		return strconv.AppendBool(b, v.Bool)
	case Time:
		b = append(b, '"')
		b = m.appendWith(b, v.Int, "json", func(b []byte) []byte { return v.TimeOf().AppendFormat(b, time.RFC3339) })
		return append(b, '"')
	}
	return AppendJSONString(b, v.Str)
}

// appendJSONNumber appends the number n of type t (see appendNumber) as
// appendJSON does.
func appendJSONNumber(b []byte, t Type, n uint64) []byte {
	switch t {
	case Int:
		return strconv.AppendInt(b, int64(n), 10)
	case Key:
		b = append(b, '"')
		b = appendKey(b, uint32(n))
		return append(b, '"')
	case Perms:
		b = append(b, '"')
		b = appendPerms(b, uint32(n))
		return append(b, '"')
	case Mode:
		b = append(b, '"')
		b = appendMode(b, uint32(n&0o7777))
		return append(b, '"')
	case Percent:
		return appendPercent(b, n)
	}
	return strconv.AppendUint(b, n, 10)
}

// AppendJSONString appends s as a JSON string, losing nothing: control
// characters (C0, DEL, C1) are \u escapes, and each byte that is not
// UTF-8 becomes the lone surrogate U+DC00+byte (\udcNN), the escape of
// PEP 383 ("surrogateescape"): Python's json and os.fsencode give the
// original bytes back, and ipcctl accepts the name in that form.
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, '\\', 'u', 'd', 'c', hex[c>>4], hex[c&0xf])
		case r <= 0x9f: // C1 controls
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// jsonKeys are the text before each value of a row's object: the comma
// and newline of the field before, the indent and the column's name,
// escaped once per table rather than once per row.
func jsonKeys(cols []Col, indent string) [][]byte {
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		var k []byte
		if i > 0 {
			k = append(k, ',')
		}
		k = append(k, '\n')
		k = append(k, indent...)
		k = append(k, "  "...)
		k = AppendJSONString(k, c.Name)
		keys[i] = append(k, ':', ' ')
	}
	return keys
}

// jsonRows writes the rows of a table as the objects of an indented JSON
// array, handing its buffer to flush (which returns it emptied) whenever
// it grows past 32 KB, so a large listing streams.
type jsonRows struct {
	b     []byte
	keys  [][]byte // see jsonKeys
	sep   []byte   // before each row: ",\n" and the indent
	inner string   // the rows' indent
	rows  int
	memo  *timeMemo
	flush func([]byte) []byte
}

func (j *jsonRows) begin() {
	if j.rows == 0 {
		j.b = append(j.b, j.sep[1:]...)
	} else {
		j.b = append(j.b, j.sep...)
	}
	j.rows++
	j.b = append(j.b, '{')
}

func (j *jsonRows) cell(i int, v Value) {
	j.b = append(j.b, j.keys[i]...)
	j.b = appendJSON(j.b, v, j.memo)
}

// number writes the cell of column i, a number of type t (see Column.Number).
func (j *jsonRows) number(i int, t Type, n uint64) {
	j.b = append(j.b, j.keys[i]...)
	j.b = appendJSONNumber(j.b, t, n)
}

func (j *jsonRows) end() {
	j.b = append(j.b, '\n')
	j.b = append(j.b, j.inner...)
	j.b = append(j.b, '}')
	if j.flush != nil && len(j.b) > 32<<10 {
		j.b = j.flush(j.b)
	}
}

// appendJSONArray appends the rows of t as an indented JSON array of
// objects (see jsonRows).
func appendJSONArray(b []byte, t *Table, indent string, flush func([]byte) []byte, m *timeMemo) []byte {
	if t.Absent {
		return append(b, "null"...)
	}
	if t.Len() == 0 {
		return append(b, "[]"...)
	}
	inner := indent + "  "
	j := &jsonRows{b: append(b, '['), keys: jsonKeys(t.Cols, inner), sep: []byte(",\n" + inner),
		inner: inner, memo: m, flush: flush}
	if t.json != nil {
		t.json(j)
	} else {
		t.each(func(row []Value) {
			j.begin()
			for i, v := range row {
				j.cell(i, v)
			}
			j.end()
		})
	}
	b = append(j.b, '\n')
	b = append(b, indent...)
	return append(b, ']')
}

// appendJSONRecord appends a record as one object: its fields, then each
// nested table as an array under the table's name.
func appendJSONRecord(b []byte, t *Table, indent string, m *timeMemo) []byte {
	if t.Absent || t.Len() == 0 {
		return append(b, "null"...)
	}
	b = append(b, '{')
	sep := "\n" + indent + "  "
	t.each(func(row []Value) {
		for i, c := range t.Cols {
			b = append(b, sep...)
			b = AppendJSONString(b, c.Name)
			b = append(b, ':', ' ')
			b = appendJSON(b, row[i], m)
			sep = ",\n" + indent + "  "
		}
	})
	for _, n := range t.Nested {
		b = append(b, sep...)
		b = AppendJSONString(b, n.Name)
		b = append(b, ':', ' ')
		b = appendJSONValue(b, n, indent+"  ", nil, m)
		sep = ",\n" + indent + "  "
	}
	b = append(b, '\n')
	b = append(b, indent...)
	return append(b, '}')
}

// appendJSONValue appends a table as an array, or a record as an object.
func appendJSONValue(b []byte, t *Table, indent string, flush func([]byte) []byte, m *timeMemo) []byte {
	if t.Vertical {
		return appendJSONRecord(b, t, indent, m)
	}
	return appendJSONArray(b, t, indent, flush, m)
}

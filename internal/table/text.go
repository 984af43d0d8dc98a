package table

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendText appends v as text for the given format (not JSON). Strings
// come from the system (object names, file names) and are shown safely:
// see appendSafe.
func AppendText(b []byte, v Value, opts *Options) []byte {
	if v.Null {
		if opts.Format == Export {
			return b
		}
		return append(b, '-')
	}
	switch v.Type {
	case String:
		if opts.Format == Raw { // writeRaw escapes every byte it must
			return append(b, v.Str...)
		}
		return appendSafe(b, v.Str)
	case Int:
		return appendNumber(b, Int, uint64(v.Int), opts)
	case Uint, Duration, Size, Key, Perms, Mode, Percent:
		return appendNumber(b, v.Type, v.Uint, opts)
	case Time:
		return opts.times.append(b, v.Int, opts)
	case Bool:
		if opts.Format == Human {
			if v.Bool {
				return append(b, "yes"...)
			}
			return append(b, "no"...)
		}
		return strconv.AppendBool(b, v.Bool)
	}
	return b
}

// appendNumber appends the number n of type t (its bits, an int64's for
// Int) as AppendText shows it.
func appendNumber(b []byte, t Type, n uint64, opts *Options) []byte {
	switch t {
	case Int:
		return strconv.AppendInt(b, int64(n), 10)
	case Size:
		if opts.Format == Human && !opts.Bytes {
			return appendHumanSize(b, n)
		}
	case Key:
		return appendKey(b, uint32(n))
	case Perms:
		if opts.NumericPerms {
			return strconv.AppendUint(b, n&0o777, 8)
		}
		return appendPerms(b, uint32(n))
	case Mode:
		return appendMode(b, uint32(n&0o7777))
	case Percent:
		b = appendPercent(b, n)
		if opts.Format == Human {
			b = append(b, '%')
		}
		return b
	}
	return strconv.AppendUint(b, n, 10)
}

// appendSafe appends s so that it cannot act on a terminal and two
// different strings never look the same: control characters (C0, DEL and
// the C1 range, which some terminals obey as escape sequences) and bytes
// that are not UTF-8 become \xNN. Anyone may name a POSIX object, and
// root's terminal shows it.
func appendSafe(b []byte, s string) []byte { return appendEscaped(b, s, false) }

// Safe is s as appendSafe writes it: for messages (stderr) that name
// objects, outside the tables.
func Safe(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return string(appendSafe(nil, s))
		}
	}
	return s
}

// appendEscaped is appendSafe; with fields, space and backslash are
// escaped too, so that a value is one whitespace-free, reversible field
// (--raw).
func appendEscaped(b []byte, s string, fields bool) []byte {
	const hex = "0123456789abcdef"
	esc := func(b []byte, c byte) []byte { return append(b, '\\', 'x', hex[c>>4], hex[c&0xf]) }
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f || fields && (c == ' ' || c == '\\') {
				b = esc(b, c)
			} else {
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = esc(b, c)
		case r >= 0x80 && r <= 0x9f:
			for j := i; j < i+size; j++ {
				b = esc(b, s[j])
			}
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

func appendKey(b []byte, k uint32) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '0', 'x')
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, hex[(k>>uint(shift))&0xf])
	}
	return b
}

func appendPerms(b []byte, m uint32) []byte {
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if m&(1<<uint(8-i)) != 0 {
			b = append(b, rwx[i])
		} else {
			b = append(b, '-')
		}
	}
	return b
}

func appendMode(b []byte, m uint32) []byte {
	s := strconv.FormatUint(uint64(m), 8)
	for i := len(s); i < 4; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// timeMemo remembers the text of the instants last formatted, by their
// second: objects made together share their times, and formatting one
// costs more than the rest of the row. A render's options hold one (its
// Now, Location and time format never change within it); other callers
// of AppendText have none and format every time.
type timeMemo struct {
	slots [64]struct {
		sec    int64
		format string // opts.TimeFormat, or "json"
		text   [32]byte
		n      uint8
	}
}

// appendWith appends the instant sec formatted by format (which must depend
// only on sec and on what the render fixes).
func (m *timeMemo) appendWith(b []byte, sec int64, key string, format func([]byte) []byte) []byte {
	if m == nil {
		return format(b)
	}
	s := &m.slots[uint64(sec)%uint64(len(m.slots))]
	if s.n != 0 && s.sec == sec && s.format == key {
		return append(b, s.text[:s.n]...)
	}
	start := len(b)
	b = format(b)
	if n := len(b) - start; n <= len(s.text) {
		s.sec, s.format, s.n = sec, key, uint8(n)
		copy(s.text[:], b[start:])
	}
	return b
}

// append appends the instant sec as AppendText shows a Time.
func (m *timeMemo) append(b []byte, sec int64, opts *Options) []byte {
	return m.appendWith(b, sec, opts.TimeFormat, func(b []byte) []byte { return appendTime(b, time.Unix(sec, 0), opts) })
}

func appendTime(b []byte, t time.Time, opts *Options) []byte {
	t = t.In(opts.Location)
	switch opts.TimeFormat {
	case TimeISO:
		return t.AppendFormat(b, time.RFC3339)
	case TimeFull:
		return t.AppendFormat(b, "2006-01-02 15:04:05")
	}
	now := opts.Now.In(opts.Location)
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return t.AppendFormat(b, "15:04")
	case t.Year() == now.Year():
		return t.AppendFormat(b, "Jan02 15:04")
	}
	return t.AppendFormat(b, "2006-01-02")
}

// HumanSize formats bytes with binary units the way lsipc does: 0B, 512B, 4K, 1.5M.
func HumanSize(n uint64) string { return string(appendHumanSize(nil, n)) }

func appendHumanSize(b []byte, n uint64) []byte {
	const units = "BKMGTPE"
	if n < 1024 {
		return append(strconv.AppendUint(b, n, 10), 'B')
	}
	i, div := 0, uint64(1)
	for n/div >= 1024 && i < len(units)-1 {
		div *= 1024
		i++
	}
	whole := n / div
	tenth := (n%div*10 + div/2) / div // rounded first decimal; n%div < 2^60, so no overflow
	if tenth == 10 {
		whole, tenth = whole+1, 0
	}
	b = strconv.AppendUint(b, whole, 10)
	if tenth != 0 {
		b = append(b, '.', byte('0'+tenth))
	}
	return append(b, units[i])
}

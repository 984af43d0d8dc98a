package compat

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"
)

// C printf string conversions count bytes, Go's count runes: these
// helpers pad and cut by bytes, as "%-10.10s" does.

// ljust is "%-Ws": s padded with spaces on the right to w bytes.
func ljust(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return s + strings.Repeat(" ", w-len(s))
}

// rjust is "%Ws".
func rjust(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return strings.Repeat(" ", w-len(s)) + s
}

// cut is "%.Ns": at most n bytes of s.
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ctime is ctime(3) without its newline: "Tue Dec  1 18:52:29 2026", in
// the local time zone (TZ as glibc reads it).
func ctime(sec int64) string {
	return time.Unix(sec, 0).In(time.Local).Format("Mon Jan _2 15:04:05 2006")
}

// unixSeconds turns a listing's time back into kernel seconds (0: never).
func unixSeconds(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func itoa(v int64) string  { return strconv.FormatInt(v, 10) }
func utoa(v uint64) string { return strconv.FormatUint(v, 10) }

// The append forms of the padding helpers, for rows built in one buffer.

func appendLjust(b []byte, s string, w int) []byte {
	b = append(b, s...)
	for i := len(s); i < w; i++ {
		b = append(b, ' ')
	}
	return b
}

func appendRjust(b []byte, s string, w int) []byte {
	for i := len(s); i < w; i++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

// padFrom pads b with spaces until what follows start is w bytes long.
func padFrom(b []byte, start, w int) []byte {
	for len(b)-start < w {
		b = append(b, ' ')
	}
	return b
}

// appendPadInt is "%-Wd".
func appendPadInt(b []byte, v int64, w int) []byte {
	start := len(b)
	return padFrom(strconv.AppendInt(b, v, 10), start, w)
}

// appendPadUint is "%-Wu".
func appendPadUint(b []byte, v uint64, w int) []byte {
	start := len(b)
	return padFrom(strconv.AppendUint(b, v, 10), start, w)
}

// appendPadOctal is "%-Wo".
func appendPadOctal(b []byte, v uint32, w int) []byte {
	start := len(b)
	return padFrom(strconv.AppendUint(b, uint64(v), 8), start, w)
}

// usePosixTZ makes a TZ that is a POSIX rule string ("CET-1CEST,M3.5.0,
// M10.5.0/3", "<+0530>-5:30") the local zone, as glibc reads it: Go takes
// TZ only as a zoneinfo name and falls back to UTC. The rule goes in the
// footer of a zoneinfo image without transitions, where Go applies it to
// every time.
func usePosixTZ(env Env) {
	tz, ok := env.Getenv("TZ")
	if !ok || tz == "" || tz[0] == ':' || tz[0] == '/' {
		return
	}
	if _, err := time.LoadLocation(tz); err == nil {
		return
	}
	var b []byte
	header := func() {
		b = append(b, "TZif2"...)
		b = append(b, make([]byte, 15)...)
		// isutcnt isstdcnt leapcnt timecnt typecnt charcnt
		for _, n := range []uint32{0, 0, 0, 0, 1, 4} {
			b = binary.BigEndian.AppendUint32(b, n)
		}
	}
	data := func() { b = append(append(b, 0, 0, 0, 0, 0, 0), "UTC\x00"...) }
	header()
	data()
	header()
	data()
	b = append(b, "\n"+tz+"\n"...)
	if loc, err := time.LoadLocationFromTZData(tz, b); err == nil {
		time.Local = loc
	}
}

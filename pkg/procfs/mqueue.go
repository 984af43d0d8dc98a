package procfs

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// MqueueStatus is the content of a file in the mqueue filesystem,
// /dev/mqueue/NAME (ipc/mqueue.c, mqueue_read_file):
//
//	QSIZE:129          NOTIFY:2    SIGNO:0    NOTIFY_PID:4242
type MqueueStatus struct {
	QSize     uint64 // bytes of message data (plus kernel overhead) in the queue
	Notify    int    // sigev_notify of the registration: 0 SIGEV_SIGNAL, 1 NONE, 2 THREAD
	Signo     int    // signal sent on notification (SIGEV_SIGNAL)
	NotifyPID int    // process registered with mq_notify; 0 when none
}

// MqueueFile reads dev/mqueue/NAME (name without the leading "/").
func (f FS) MqueueFile(name string) (MqueueStatus, error) {
	rel := "dev/mqueue/" + name
	b, err := f.ReadFile(rel)
	if err != nil {
		return MqueueStatus{}, err
	}
	return ParseMqueueFile(rel, b)
}

// ParseMqueueFile parses the KEY:VALUE fields of an mqueue file. Every
// field must be present once; unknown fields (a newer kernel) are ignored.
// It allocates nothing unless it fails: listings parse one per queue.
func ParseMqueueFile(file string, b []byte) (MqueueStatus, error) {
	var st MqueueStatus
	var seen uint8
	fail := func(msg string) (MqueueStatus, error) {
		return st, &ParseError{File: file, Line: 1, Msg: msg}
	}
	for {
		for len(b) > 0 && isSpaceByte(b[0]) {
			b = b[1:]
		}
		if len(b) == 0 {
			break
		}
		end := 0
		for end < len(b) && !isSpaceByte(b[end]) {
			end++
		}
		fld := b[:end]
		b = b[end:]
		colon := bytes.IndexByte(fld, ':')
		if colon < 0 {
			return fail(fmt.Sprintf("field %q is not KEY:VALUE", truncate(string(fld))))
		}
		key, val := fld[:colon], fld[colon+1:]
		var bit uint8
		var dst *int
		switch string(key) {
		case "QSIZE":
			bit = 1
		case "NOTIFY":
			bit, dst = 2, &st.Notify
		case "SIGNO":
			bit, dst = 4, &st.Signo
		case "NOTIFY_PID":
			bit, dst = 8, &st.NotifyPID
		default:
			continue
		}
		neg, mag, ok := parseDecimal(val)
		switch {
		case !ok, dst == nil && neg,
			dst != nil && !neg && mag > math.MaxInt32,
			dst != nil && neg && mag > -math.MinInt32:
			return fail(fmt.Sprintf("%s: not a number: %q", key, truncate(string(val))))
		case seen&bit != 0:
			return fail("duplicate field " + string(key))
		}
		seen |= bit
		switch {
		case dst == nil:
			st.QSize = mag
		case neg:
			*dst = -int(mag)
		default:
			*dst = int(mag)
		}
	}
	for i, key := range [...]string{"QSIZE", "NOTIFY", "SIGNO", "NOTIFY_PID"} {
		if seen&(1<<i) == 0 {
			return fail("missing field " + key)
		}
	}
	return st, nil
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseDecimal reads an optionally signed decimal number whose
// magnitude fits a uint64, without making a string of it.
func parseDecimal(b []byte) (neg bool, mag uint64, ok bool) {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, b = b[0] == '-', b[1:]
	}
	if len(b) == 0 {
		return false, 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false, 0, false
		}
		d := uint64(c - '0')
		if mag > (math.MaxUint64-d)/10 {
			return false, 0, false
		}
		mag = mag*10 + d
	}
	return neg, mag, true
}

// Mount is one line of /proc/self/mounts.
type Mount struct {
	Source, Point, Type, Options string
}

// Mounts reads proc/self/mounts. Mount points are unescaped (\040 is a space).
func (f FS) Mounts() ([]Mount, error) {
	const rel = "proc/self/mounts"
	b, err := f.ReadFile(rel)
	if err != nil {
		return nil, err
	}
	return ParseMounts(rel, b)
}

// ParseMounts parses the fstab-like format of /proc/*/mounts.
func ParseMounts(file string, b []byte) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) < 4 {
			return nil, &ParseError{File: file, Line: line, Msg: fmt.Sprintf("%d fields, want at least 4", len(f))}
		}
		out = append(out, Mount{Source: unescapeMountField(f[0]), Point: unescapeMountField(f[1]), Type: f[2], Options: f[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{File: file, Msg: err.Error()}
	}
	return out, nil
}

// unescapeMountField undoes the kernel's octal escapes of space, tab,
// newline and backslash (main's mounts.go has the same as unescapeMount).
func unescapeMountField(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

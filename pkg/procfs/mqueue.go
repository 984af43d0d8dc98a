package procfs

import (
	"bufio"
	"bytes"
	"fmt"
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
func ParseMqueueFile(file string, b []byte) (MqueueStatus, error) {
	var st MqueueStatus
	seen := map[string]bool{}
	for _, fld := range strings.Fields(string(b)) {
		key, val, ok := strings.Cut(fld, ":")
		if !ok {
			return st, &ParseError{File: file, Line: 1, Msg: fmt.Sprintf("field %q is not KEY:VALUE", truncate(fld))}
		}
		var err error
		switch key {
		case "QSIZE":
			st.QSize, err = strconv.ParseUint(val, 10, 64)
		case "NOTIFY":
			st.Notify, err = parseInt32(val)
		case "SIGNO":
			st.Signo, err = parseInt32(val)
		case "NOTIFY_PID":
			st.NotifyPID, err = parseInt32(val)
		default:
			continue
		}
		if err != nil {
			return st, &ParseError{File: file, Line: 1, Msg: fmt.Sprintf("%s: not a number: %q", key, truncate(val))}
		}
		if seen[key] {
			return st, &ParseError{File: file, Line: 1, Msg: "duplicate field " + key}
		}
		seen[key] = true
	}
	for _, key := range []string{"QSIZE", "NOTIFY", "SIGNO", "NOTIFY_PID"} {
		if !seen[key] {
			return st, &ParseError{File: file, Line: 1, Msg: "missing field " + key}
		}
	}
	return st, nil
}

func parseInt32(s string) (int, error) {
	v, err := strconv.ParseInt(s, 10, 32)
	return int(v), err
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

package procfs

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// CgroupLine is one line of /proc/PID/cgroup, "ID:CONTROLLERS:PATH"
// (cgroup(7)): hierarchy 0 with no controllers is the cgroup v2 line.
// The path is relative to the reader's cgroup namespace root.
type CgroupLine struct {
	Hierarchy   int
	Controllers []string // "memory", "name=systemd"; empty for cgroup v2
	Path        string
}

// V2 reports whether the line is the unified (cgroup v2) hierarchy's.
func (l CgroupLine) V2() bool { return l.Hierarchy == 0 && len(l.Controllers) == 0 }

// PIDCgroup reads /proc/PID/cgroup.
func (f FS) PIDCgroup(pid int) ([]CgroupLine, error) {
	rel := "proc/" + strconv.Itoa(pid) + "/cgroup"
	var buf []byte
	b, err := f.readInto(rel, &buf)
	if err != nil {
		return nil, err
	}
	return ParseCgroup(rel, b)
}

// ParseCgroup parses the content of a /proc/PID/cgroup file. The path
// is everything after the second colon: it may itself hold colons.
func ParseCgroup(file string, b []byte) ([]CgroupLine, error) {
	var out []CgroupLine
	for n := 1; len(b) > 0; n++ {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		id, rest, ok1 := bytes.Cut(line, []byte{':'})
		ctl, path, ok2 := bytes.Cut(rest, []byte{':'})
		if !ok1 || !ok2 {
			return nil, &ParseError{File: file, Line: n, Msg: fmt.Sprintf("want ID:CONTROLLERS:PATH, got %q", truncate(string(line)))}
		}
		h, err := strconv.Atoi(string(id))
		if err != nil || h < 0 {
			return nil, &ParseError{File: file, Line: n, Msg: fmt.Sprintf("bad hierarchy id %q", truncate(string(id)))}
		}
		l := CgroupLine{Hierarchy: h, Path: string(path)}
		if len(ctl) > 0 {
			l.Controllers = strings.Split(string(ctl), ",")
		}
		out = append(out, l)
	}
	return out, nil
}

package procfs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// SmapsRegion is one mapping of /proc/PID/smaps. Sizes are in bytes.
type SmapsRegion struct {
	Start, End uint64 // virtual addresses [Start, End)
	Perms      string // e.g. "rw-s"
	Path       string // backing file, "[heap]", or "" for anonymous memory
	// Fields holds every "Name: N kB" line in bytes (Rss, AnonHugePages,
	// KernelPageSize, Locked, ...).
	Fields map[string]uint64
}

// Smaps parses /proc/PID/smaps; pid is a number or "self".
func (f FS) Smaps(pid string) ([]SmapsRegion, error) {
	rel := "proc/" + pid + "/smaps"
	b, err := f.ReadFile(rel)
	if err != nil {
		return nil, err
	}
	return parseSmaps(rel, bytes.NewReader(b))
}

// SmapsAt returns the region of /proc/PID/smaps that starts at addr.
func (f FS) SmapsAt(pid string, addr uint64) (SmapsRegion, error) {
	regions, err := f.Smaps(pid)
	if err != nil {
		return SmapsRegion{}, err
	}
	for _, r := range regions {
		if r.Start == addr {
			return r, nil
		}
	}
	return SmapsRegion{}, fmt.Errorf("proc/%s/smaps: no mapping starts at %#x", pid, addr)
}

func parseSmaps(rel string, r io.Reader) ([]SmapsRegion, error) {
	var out []SmapsRegion
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	bad := func(msg string) error { return &ParseError{File: rel, Line: line, Msg: msg} }
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" {
			continue
		}
		name, rest, isField := strings.Cut(text, ":")
		// Header lines start with "start-end"; field names never contain '-'
		// before their colon (VmFlags, Rss, ...), addresses always do.
		if !isField || strings.Contains(name, "-") {
			reg, err := parseSmapsHeader(text)
			if err != nil {
				return nil, bad(err.Error())
			}
			out = append(out, reg)
			continue
		}
		if len(out) == 0 {
			return nil, bad("field before the first mapping header")
		}
		if name == "VmFlags" || name == "THPeligible" || name == "ProtectionKey" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			continue // a field this parser does not know the shape of
		}
		v, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil || v > (1<<54) {
			return nil, bad(fmt.Sprintf("%s: not a size in kB: %q", name, truncate(f[0])))
		}
		out[len(out)-1].Fields[name] = v << 10
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{File: rel, Line: line, Msg: err.Error()}
	}
	return out, nil
}

// parseSmapsHeader parses a mapping's first line, the line of
// /proc/PID/maps (parseMapsLine); the path is kept as the kernel prints
// it, spaces and all.
func parseSmapsHeader(s string) (SmapsRegion, error) {
	e, _, err := parseMapsLine([]byte(s))
	if err != nil {
		return SmapsRegion{}, err
	}
	if e.End < e.Start {
		return SmapsRegion{}, fmt.Errorf("bad address range %x-%x", e.Start, e.End)
	}
	return SmapsRegion{Start: e.Start, End: e.End, Perms: string(e.Perms), Path: string(e.Path), Fields: map[string]uint64{}}, nil
}

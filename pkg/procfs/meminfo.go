package procfs

import (
	"bytes"
	"fmt"
	"math"
)

// Meminfo holds the /proc/meminfo (or node*/meminfo) fields ipcctl uses.
// A field the kernel does not print is nil, never 0. Sizes are in bytes;
// the HugePages_* fields are page counts.
type Meminfo struct {
	MemTotal, MemFree, MemAvailable *uint64

	HugePagesTotal, HugePagesFree, HugePagesRsvd, HugePagesSurp *uint64
	Hugepagesize, Hugetlb                                       *uint64

	AnonHugePages, ShmemHugePages, ShmemPmdMapped *uint64
	FileHugePages, FilePmdMapped                  *uint64
}

func (m *Meminfo) field(name string) **uint64 {
	switch name {
	case "MemTotal":
		return &m.MemTotal
	case "MemFree":
		return &m.MemFree
	case "MemAvailable":
		return &m.MemAvailable
	case "HugePages_Total":
		return &m.HugePagesTotal
	case "HugePages_Free":
		return &m.HugePagesFree
	case "HugePages_Rsvd":
		return &m.HugePagesRsvd
	case "HugePages_Surp":
		return &m.HugePagesSurp
	case "Hugepagesize":
		return &m.Hugepagesize
	case "Hugetlb":
		return &m.Hugetlb
	case "AnonHugePages":
		return &m.AnonHugePages
	case "ShmemHugePages":
		return &m.ShmemHugePages
	case "ShmemPmdMapped":
		return &m.ShmemPmdMapped
	case "FileHugePages":
		return &m.FileHugePages
	case "FilePmdMapped":
		return &m.FilePmdMapped
	}
	return nil
}

// Meminfo reads /proc/meminfo.
func (f FS) Meminfo() (Meminfo, error) {
	const rel = "proc/meminfo"
	b, err := f.ReadFile(rel)
	if err != nil {
		return Meminfo{}, err
	}
	return parseMeminfo(b, rel)
}

// NodeMeminfo reads /sys/devices/system/node/nodeN/meminfo, whose lines
// carry a "Node N " prefix.
func (f FS) NodeMeminfo(node int) (Meminfo, error) {
	rel := fmt.Sprintf("sys/devices/system/node/node%d/meminfo", node)
	b, err := f.ReadFile(rel)
	if err != nil {
		return Meminfo{}, err
	}
	return parseMeminfo(b, rel)
}

func parseMeminfo(b []byte, file string) (Meminfo, error) {
	var m Meminfo
	err := parseKB(b, file, func(name []byte, v uint64) {
		if p := m.field(string(name)); p != nil {
			v := v
			*p = &v
		}
	})
	return m, err
}

// parseKB parses "Name: value [kB]" lines (meminfo, smaps_rollup,
// status), calling fn with kB values turned into bytes. Lines without a
// number (status's Name:, Cpus_allowed:) are skipped; a "Node N " prefix
// (per-node meminfo) is dropped. It does not allocate: `thp top` runs it
// over every process.
func parseKB(b []byte, file string, fn func(name []byte, v uint64)) error {
	for line := 1; len(b) > 0; line++ {
		text := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			text, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if rest, ok := bytes.CutPrefix(text, []byte("Node ")); ok {
			if i := bytes.IndexByte(rest, ' '); i >= 0 {
				text = rest[i+1:]
			}
		}
		name, rest, ok := bytes.Cut(text, []byte{':'})
		if !ok {
			continue
		}
		num, unit := nextField(rest)
		if len(num) == 0 {
			continue
		}
		v, ok := atou(num)
		if !ok {
			continue // not a number: a string field such as status's Name
		}
		unit, extra := nextField(unit)
		if len(extra) > 0 {
			if f, _ := nextField(extra); len(f) > 0 {
				continue // more than "value unit": not a size line
			}
		}
		if len(unit) > 0 {
			if string(unit) != "kB" {
				return &ParseError{File: file, Line: line, Msg: fmt.Sprintf("unknown unit %q", unit)}
			}
			if v > math.MaxUint64/1024 {
				return &ParseError{File: file, Line: line, Msg: fmt.Sprintf("%s overflows 64 bits", bytes.TrimSpace(name))}
			}
			v *= 1024
		}
		fn(bytes.TrimSpace(name), v)
	}
	return nil
}

// nextField returns the first space-separated field of b and what follows it.
func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' {
		j++
	}
	return b[i:j], b[j:]
}

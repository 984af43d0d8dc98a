package procfs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
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
	return parseMeminfo(bytes.NewReader(b), rel)
}

// NodeMeminfo reads /sys/devices/system/node/nodeN/meminfo, whose lines
// carry a "Node N " prefix.
func (f FS) NodeMeminfo(node int) (Meminfo, error) {
	rel := fmt.Sprintf("sys/devices/system/node/node%d/meminfo", node)
	b, err := f.ReadFile(rel)
	if err != nil {
		return Meminfo{}, err
	}
	return parseMeminfo(bytes.NewReader(b), rel)
}

func parseMeminfo(r io.Reader, file string) (Meminfo, error) {
	var m Meminfo
	err := parseKB(r, file, func(name string, v uint64) {
		if p := m.field(name); p != nil {
			v := v
			*p = &v
		}
	})
	return m, err
}

// parseKB parses "Name: value [kB]" lines (meminfo, smaps_rollup,
// status), calling fn with kB values turned into bytes. Lines without a
// number (status's Name:, Cpus_allowed:) are skipped; a "Node N " prefix
// (per-node meminfo) is dropped.
func parseKB(r io.Reader, file string, fn func(name string, v uint64)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.HasPrefix(text, "Node ") {
			if f := strings.Fields(text); len(f) >= 3 {
				text = strings.Join(f[2:], " ")
			}
		}
		name, rest, ok := strings.Cut(text, ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 || len(f) > 2 {
			continue
		}
		v, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue // not a number: a string field such as status's Name
		}
		if len(f) == 2 {
			if f[1] != "kB" {
				return &ParseError{File: file, Line: line, Msg: fmt.Sprintf("unknown unit %q", f[1])}
			}
			if v > math.MaxUint64/1024 {
				return &ParseError{File: file, Line: line, Msg: fmt.Sprintf("%s overflows 64 bits", name)}
			}
			v *= 1024
		}
		fn(strings.TrimSpace(name), v)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

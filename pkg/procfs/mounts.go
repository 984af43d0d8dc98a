package procfs

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
)

// HugetlbfsMount is one hugetlbfs mount from /proc/mounts. Limits the
// kernel does not print are nil. Sizes are bytes.
type HugetlbfsMount struct {
	Source   string
	Dir      string
	PageSize *uint64
	Size     *uint64 // size= (bytes); nil: unlimited
	MinSize  *uint64 // min_size=
	NrInodes *uint64
	Mode     *uint32
	UID, GID *uint32
	Options  string // the whole option string
}

// HugetlbfsMounts reads the hugetlbfs entries of /proc/mounts.
func (f FS) HugetlbfsMounts() ([]HugetlbfsMount, error) {
	const rel = "proc/mounts"
	b, err := f.ReadFile(rel)
	if err != nil {
		return nil, err
	}
	return parseHugetlbfsMounts(bytes.NewReader(b)), nil
}

func parseHugetlbfsMounts(r io.Reader) []HugetlbfsMount {
	var out []HugetlbfsMount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[2] != "hugetlbfs" {
			continue
		}
		m := HugetlbfsMount{Source: unescapeMount(f[0]), Dir: unescapeMount(f[1]), Options: f[3]}
		for _, opt := range strings.Split(f[3], ",") {
			k, v, _ := strings.Cut(opt, "=")
			switch k {
			case "pagesize":
				m.PageSize = parseMemSize(v)
			case "size":
				m.Size = parseMemSize(v)
			case "min_size":
				m.MinSize = parseMemSize(v)
			case "nr_inodes":
				m.NrInodes = parseMemSize(v)
			case "mode":
				if n, err := strconv.ParseUint(v, 8, 32); err == nil {
					u := uint32(n)
					m.Mode = &u
				}
			case "uid", "gid":
				if n, err := strconv.ParseUint(v, 10, 32); err == nil {
					u := uint32(n)
					if k == "uid" {
						m.UID = &u
					} else {
						m.GID = &u
					}
				}
			}
		}
		out = append(out, m)
	}
	return out
}

// parseMemSize parses a kernel memparse value: a number with an optional
// K, M, G, T, P or E suffix. nil when malformed or overflowing.
func parseMemSize(s string) *uint64 {
	shift := 0
	if n := len(s); n > 0 {
		if i := strings.IndexByte("KMGTPE", s[n-1]&^0x20); i >= 0 {
			shift = 10 * (i + 1)
			s = s[:n-1]
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || (shift > 0 && v > ^uint64(0)>>shift) {
		return nil
	}
	v <<= shift
	return &v
}

// unescapeMount undoes the octal escapes (\040 for space) of /proc/mounts.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

package procfs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Vmstat reads /proc/vmstat counters whose names start with one of
// prefixes (all of them when none is given), in file order.
func (f FS) Vmstat(prefixes ...string) ([]Counter, error) {
	const rel = "proc/vmstat"
	b, err := f.ReadFile(rel)
	if err != nil {
		return nil, err
	}
	return parseVmstat(bytes.NewReader(b), rel, prefixes)
}

func parseVmstat(r io.Reader, file string, prefixes []string) ([]Counter, error) {
	var out []Counter
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			return nil, &ParseError{File: file, Line: line, Msg: "want NAME VALUE"}
		}
		if !hasAnyPrefix(name, prefixes) {
			continue
		}
		v, err := strconv.ParseUint(strings.TrimSpace(val), 10, 64)
		if err != nil {
			return nil, &ParseError{File: file, Line: line, Msg: fmt.Sprintf("%s: not an unsigned number", name)}
		}
		out = append(out, Counter{name, v})
	}
	return out, sc.Err()
}

func hasAnyPrefix(s string, prefixes []string) bool {
	if len(prefixes) == 0 {
		return true
	}
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

package procfs

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// PopulatedZones counts the memory zones of /proc/zoneinfo that manage
// pages (hugeadm's nr_zones, for the min_free_kbytes recommendation).
func (f FS) PopulatedZones() (uint64, error) {
	b, err := f.ReadFile("proc/zoneinfo")
	if err != nil {
		return 0, err
	}
	var n uint64
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 && fields[0] == "managed" {
			if v, err := strconv.ParseUint(fields[1], 10, 64); err == nil && v > 0 {
				n++
			}
		}
	}
	return n, sc.Err()
}

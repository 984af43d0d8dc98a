package procfs

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseSysvShm parses a 16-column shm file of 2000 segments, the
// size scripts/bench-ls.sh lists.
func BenchmarkParseSysvShm(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(shmHead16)
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&sb, "%10d %10d %5o %21d %5d %5d %6d %5d %5d %5d %5d %10d %10d %10d %21d %21d\n",
			int32(i*7919-1<<30), i, 0o644, 4096*(i%64+1), 1000+i, 0, i%3, 1000, 1000, 1000, 1000, 0, 0, 1795460454, 4096, 0)
	}
	in := []byte(sb.String())
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSysvShm(in); err != nil {
			b.Fatal(err)
		}
	}
}

package hugepage_test

import (
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// BenchmarkHugepageStatus runs the whole `ipcctl hugepage` on the two-node tree.
func BenchmarkHugepageStatus(b *testing.B) {
	fs := procfs.FS(hptest.Fixture("numa2"))
	for b.Loop() {
		if r := hptest.Run(b, fs, "hugepage"); r.Code != 0 {
			b.Fatal(r.Stderr)
		}
	}
}

package thp_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// fakeProcs adds n fake processes to a copy of the numa2 tree.
func fakeProcs(b *testing.B, n int) procfs.FS {
	fs := hptest.Copy(b, "numa2")
	for pid := 1000; pid < 1000+n; pid++ {
		dir := fs.Path("proc", fmt.Sprint(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		status := fmt.Sprintf("Name:\tworker%d\nUmask:\t0022\nState:\tS (sleeping)\nVmRSS:\t%d kB\nHugetlbPages:\t0 kB\nTHP_enabled:\t1\n", pid, pid*4)
		rollup := fmt.Sprintf("55d0c0000000-7ffd00000000 ---p 00000000 00:00 0 [rollup]\nRss: %d kB\nPss: 100 kB\nAnonymous: 80 kB\nAnonHugePages: %d kB\nShmemPmdMapped: 0 kB\nFilePmdMapped: 0 kB\nShared_Hugetlb: 0 kB\nPrivate_Hugetlb: 0 kB\nSwap: 0 kB\nLocked: 0 kB\n", pid*4, (pid%7)*2048)
		os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o444)
		os.WriteFile(filepath.Join(dir, "smaps_rollup"), []byte(rollup), 0o444)
	}
	return fs
}

// BenchmarkTHPTop runs the whole `ipcctl thp top` over 1000 processes.
func BenchmarkTHPTop(b *testing.B) {
	fs := fakeProcs(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		if r := hptest.Run(b, fs, "thp", "top"); r.Code != 0 {
			b.Fatal(r.Stderr)
		}
	}
}

// BenchmarkTHPStatus runs the whole `ipcctl thp` on the captured host tree (9 mTHP sizes).
func BenchmarkTHPStatus(b *testing.B) {
	fs := procfs.FS(hptest.Fixture("host"))
	for b.Loop() {
		if r := hptest.Run(b, fs, "thp", "--json"); r.Code != 0 {
			b.Fatal(r.Stderr)
		}
	}
}

package metrics

import (
	"io"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { nstest.Main(m) }

// benchObjects creates n System V objects of each kind in the test's
// private IPC namespace and removes them when the benchmark ends.
func benchObjects(b *testing.B, n int) {
	b.Helper()
	const ipcPrivate, ipcCreat, ipcRmid = 0, 0o1000, 0
	for range n {
		shm, err := unix.SysvShmGet(ipcPrivate, 4096, ipcCreat|0o600)
		if err != nil {
			b.Fatalf("shmget: %v", err)
		}
		sem, _, e := unix.Syscall(unix.SYS_SEMGET, ipcPrivate, 1, ipcCreat|0o600)
		if e != 0 {
			b.Fatalf("semget: %v", e)
		}
		msg, _, e := unix.Syscall(unix.SYS_MSGGET, ipcPrivate, ipcCreat|0o600, 0)
		if e != 0 {
			b.Fatalf("msgget: %v", e)
		}
		b.Cleanup(func() {
			unix.SysvShmCtl(shm, ipcRmid, nil)
			unix.Syscall6(unix.SYS_SEMCTL, sem, 0, ipcRmid, 0, 0, 0)
			unix.Syscall(unix.SYS_MSGCTL, msg, ipcRmid, 0)
		})
	}
}

// BenchmarkScrape is one whole scrape, text encoding included, of a
// namespace with 2000 segments, 2000 semaphore sets and 2000 queues: what
// `ipcctl metrics` costs past process start-up, and what each Prometheus
// scrape of `ipcctl serve` costs (scripts/bench-metrics.sh times whole
// commands).
func BenchmarkScrape(b *testing.B) {
	nstest.Require(b)
	benchObjects(b, 2000)
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{"aggregate", Options{}},
		{"per-object-cap200", Options{PerObject: true}},
		{"per-object-nocap", Options{PerObject: true, PerObjectLimit: -1}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			reg := NewRegistry(New(ipc.New(procfs.DefaultFS), bc.opts))
			b.ReportAllocs()
			for b.Loop() {
				if err := WriteText(io.Discard, reg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

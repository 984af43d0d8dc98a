package columns

import (
	"io"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// BenchmarkRenderSysv renders 32 000 rows of each System V kind with the
// default columns, as `ls` does at the top of scripts/bench-ls.sh, in the
// human table and JSON: the renderer's cost per row, apart from listing.
func BenchmarkRenderSysv(b *testing.B) {
	const n = 32000
	now := time.Unix(1795460454, 0)
	shm, sem, msg := make([]ipc.Shm, n), make([]ipc.Sem, n), make([]ipc.Msg, n)
	for i := range n {
		p := ipc.Perm{Key: int32(i * 7919), ID: i + 32768*(i%3), Mode: 0o600}
		ctime := now.Add(-time.Duration(i/100) * time.Second)
		shm[i] = ipc.Shm{Perm: p, Size: 4096, CPID: 9000 + i, CTime: ctime}
		sem[i] = ipc.Sem{Perm: p, NSems: 1, CTime: ctime}
		msg[i] = ipc.Msg{Perm: p, CTime: ctime}
	}
	names := NewNames()
	for name, format := range map[string]table.Format{"human": table.Human, "json": table.JSON} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := table.Render(io.Discard, table.Options{Format: format, Now: now, Location: time.UTC},
					Shm(names).Defaults().Build("shm", "Shared Memory Segments", shm),
					Sem(names).Defaults().Build("sem", "Semaphore Arrays", sem),
					Msg(names).Defaults().Build("msg", "Message Queues", msg))
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(3*n), "ns/row")
		})
	}
}

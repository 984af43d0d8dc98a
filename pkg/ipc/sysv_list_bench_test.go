package ipc

import (
	"fmt"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc/internal/sys"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// makeSysv makes n objects of each System V kind at indexes 0..span-1,
// spread evenly (span == n: dense), and removes them when tb ends. All
// span are made before any is removed: the kernel hands out indexes below
// 1.5 times the number in use, so removing as it goes would keep them dense.
func makeSysv(tb testing.TB, n, span int) {
	tb.Helper()
	stride := span / n
	var gone []func()
	for i := range span {
		shm, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o600)
		if err != nil {
			tb.Fatalf("shmget: %v", err)
		}
		rmShm := func() { unix.SysvShmCtl(shm, unix.IPC_RMID, nil) }
		tb.Cleanup(rmShm)
		sem, msg := testSem(tb, 1), testMsg(tb)
		if i%stride != 0 || i/stride >= n {
			gone = append(gone, rmShm, func() {
				sys.Semctl(sem, 0, sys.IPC_RMID, 0)
				sys.Msgctl(msg, sys.IPC_RMID, nil)
			})
		}
	}
	for _, rm := range gone {
		rm()
	}
}

// BenchmarkSysvSources lists 2000 objects of each kind from each source,
// dense (indexes 0..1999) and sparse (200 spread over 0..3999): what
// choose's emptyPerUsed constants are set from. Per object, /proc costs
// the kernel's formatting plus parsing; the walk a system call per index.
// Allocations per listing do not grow with the objects (see -benchmem).
func BenchmarkSysvSources(b *testing.B) {
	nstest.Require(b)
	for _, pop := range []struct {
		name    string
		n, span int
	}{{"dense", 2000, 2000}, {"sparse", 200, 4000}} {
		b.Run(pop.name, func(b *testing.B) {
			makeSysv(b, pop.n, pop.span)
			for _, src := range []ListSource{SourceProc, SourceStat, SourceAuto} {
				c := New(procfs.DefaultFS).WithListSource(src)
				for _, kind := range []string{"shm", "sem", "msg"} {
					b.Run(fmt.Sprintf("%s/%s", kind, src), func(b *testing.B) {
						var n int
						var err error
						b.ReportAllocs()
						for b.Loop() {
							n = 0
							switch kind {
							case "shm":
								err = c.ShmEach(ListNeeds{}, func(*Shm) error { n++; return nil })
							case "sem":
								err = c.SemEach(ListNeeds{}, func(*Sem) error { n++; return nil })
							case "msg":
								err = c.MsgEach(ListNeeds{}, func(*Msg) error { n++; return nil })
							}
							if err != nil {
								b.Fatal(err)
							}
						}
						if n != pop.n {
							b.Fatalf("listed %d, want %d", n, pop.n)
						}
						b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/object")
					})
				}
			}
		})
	}
}

// Listing allocates the same whatever the number of objects: nothing per
// object, from either source (rss/swap come in slabs of 1024 values).
func TestSysvEachAllocatesNothingPerObject(t *testing.T) {
	nstest.Require(t)
	count := func(src ListSource, needs ListNeeds) float64 {
		c := New(procfs.DefaultFS).WithListSource(src)
		return testing.AllocsPerRun(5, func() {
			c.ShmEach(needs, func(*Shm) error { return nil })
			c.SemEach(needs, func(*Sem) error { return nil })
			c.MsgEach(needs, func(*Msg) error { return nil })
		})
	}
	type key struct {
		src   ListSource
		needs ListNeeds
	}
	cases := []key{{SourceProc, ListNeeds{}}, {SourceProc, ListNeeds{RSS: true}}, {SourceStat, ListNeeds{}}, {SourceStat, ListNeeds{QBytes: true}}}
	few := map[key]float64{}
	makeSysv(t, 20, 20)
	for _, k := range cases {
		few[k] = count(k.src, k.needs)
	}
	makeSysv(t, 600, 600)
	for _, k := range cases {
		// A slab of 512 or 1024 values more is one allocation.
		if many := count(k.src, k.needs); many > few[k]+2 {
			t.Errorf("%v %+v: %v allocations listing 20 objects of each kind, %v listing 620", k.src, k.needs, few[k], many)
		}
	}
}

package ipc

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// The cost of `ls -A` (every namespace: find them, enter each, list all
// six kinds) and of the holders scan, with 0 and with 300 extra sleeping
// processes in the test namespace, beside 4 containers with objects and
// 2 holder processes. Run:
//
//	go test -run '^$' -bench 'AllNamespaces|Holders|Namespaces|Procs' -benchtime 200x ./pkg/ipc
//
// Besides ns/op (wall), cpu-ns/op is this process's user+system CPU
// time per operation (getrusage), which the other work on a busy
// machine disturbs less. No test asserts a duration.

// sleepers starts n sleeping processes, killed when b ends.
func sleepers(b *testing.B, n int) {
	b.Helper()
	for range n {
		cmd := exec.Command("sleep", "3600")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := nschild.StartCmd(cmd); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	}
}

// benchScene: 4 containers with one object of each kind, and in our
// namespace a segment, a POSIX object, a semaphore and a queue, held.
func benchScene(b *testing.B) HolderQuery {
	b.Helper()
	for i := range 4 {
		nschild.Start(b, nschild.Spec{Container: true,
			Do: []string{"shm 0 4096", "sem 0 2", "msg 0", "pshm x 4096", "map x", "psem s 1", "mq q" + strconv.Itoa(i)}})
	}
	c := liveClient()
	id := must(c.ShmCreate(ShmCreateOptions{Size: 4096, Mode: 0o600}))
	b.Cleanup(func() { c.ShmRemove(id) })
	for _, n := range []string{"/bench-a", "/bench-b"} {
		must(c.PshmCreate(n, PshmCreateOptions{Size: 4096, Mode: 0o600}))
		b.Cleanup(func() { c.PshmRemove(n) })
	}
	must(c.PsemCreate("/bench-s", PsemCreateOptions{Value: 1, Mode: 0o600}))
	b.Cleanup(func() { c.PsemRemove("/bench-s") })
	must(c.MqCreate("/bench-q", smallMq))
	b.Cleanup(func() { c.MqRemove("/bench-q") })
	nschild.Start(b, nschild.Spec{Do: []string{"shmatid " + strconv.Itoa(id), "map bench-a", "open bench-b", "map sem.bench-s"}})
	nschild.Start(b, nschild.Spec{Do: []string{"mq bench-q", "shmatid " + strconv.Itoa(id)}})
	q := HolderQuery{Shm: []int{id}}
	for _, p := range must(c.PshmList()) {
		q.Files = append(q.Files, p.PosixFile)
	}
	for _, p := range must(c.PsemList()) {
		q.Files = append(q.Files, p.PosixFile)
	}
	for _, m := range must(c.MqList()) {
		q.Files = append(q.Files, m.PosixFile)
	}
	return q
}

func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// withProcs runs fn as sub-benchmarks procs=0 and procs=300.
func withProcs(b *testing.B, fn func(b *testing.B, q HolderQuery)) {
	nstest.Require(b)
	q := benchScene(b)
	started := 0
	for _, n := range []int{0, 300} {
		sleepers(b, n-started)
		started = n
		pids := must(procfs.DefaultFS.PIDs())
		b.Run(fmt.Sprintf("procs=%d", n), func(b *testing.B) {
			b.Logf("%d processes in /proc", len(pids))
			cpu0 := cpuTime()
			b.ResetTimer()
			fn(b, q)
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkNamespaces: finding the namespaces alone.
func BenchmarkNamespaces(b *testing.B) {
	withProcs(b, func(b *testing.B, _ HolderQuery) {
		for range b.N {
			must2(Namespaces(procfs.DefaultFS))
		}
	})
}

// BenchmarkAllNamespaces: what `ls -A` does: find the namespaces, open a
// client on each, list all six kinds, close.
func BenchmarkAllNamespaces(b *testing.B) {
	withProcs(b, func(b *testing.B, _ HolderQuery) {
		for range b.N {
			list, _ := must2(Namespaces(procfs.DefaultFS))
			for _, n := range list {
				c, err := n.Client(procfs.DefaultFS)
				if err != nil {
					continue // a namespace we may not enter
				}
				must(c.ShmList())
				must(c.SemList())
				must(c.MsgList())
				if n.DevShmOf == 0 {
					must(c.PshmList())
					must(c.PsemList())
				}
				must(c.MqList())
				c.Close()
			}
		}
	})
}

// BenchmarkHolders: the holders scan for one segment and six POSIX objects.
func BenchmarkHolders(b *testing.B) {
	withProcs(b, func(b *testing.B, q HolderQuery) {
		c := liveClient()
		for range b.N {
			must(c.ScanHolders(q))
		}
	})
}

// BenchmarkProcsCommand: the `command` column: one /proc listing, the
// creator's command line.
func BenchmarkProcsCommand(b *testing.B) {
	withProcs(b, func(b *testing.B, q HolderQuery) {
		c := liveClient()
		cpid := must(c.ShmStat(q.Shm[0])).CPID
		for range b.N {
			p := must(c.Procs())
			p.Command(cpid)
		}
	})
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// BenchmarkProcFloor is the floor the holders scan stands on: read every
// process's maps and the links of its descriptors, nothing else
// (`cat /proc/*/maps; ls -l /proc/*/fd`, in Go). Compare ratios.
func BenchmarkProcFloor(b *testing.B) {
	withProcs(b, func(b *testing.B, _ HolderQuery) {
		for range b.N {
			for _, pid := range must(procfs.DefaultFS.PIDs()) {
				dir := "/proc/" + strconv.Itoa(pid)
				os.ReadFile(dir + "/maps")
				fds, _ := os.ReadDir(dir + "/fd")
				for _, fd := range fds {
					os.Readlink(dir + "/fd/" + fd.Name())
				}
			}
		}
	})
}

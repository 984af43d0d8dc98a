package metrics

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Gatherer is what `ipcctl metrics` prints and `ipcctl serve` exports:
// the collector over client, or with opts.AllNamespaces every IPC
// namespace on the host (see allNamespaces).
func Gatherer(client *ipc.Client, opts Options) prometheus.Gatherer {
	if opts.AllNamespaces {
		return allNamespaces(client.FS(), opts)
	}
	return NewRegistry(New(client, opts))
}

// hostArea reports whether a belongs to the host rather than to an IPC
// namespace: huge pages, THP, /proc/meminfo and /proc/vmstat.
func hostArea(a area) bool {
	switch a.name {
	case "hugepages", "thp", "meminfo", "vmstat":
		return true
	}
	return false
}

// allNamespaces gathers, at each Gather, the IPC areas of every IPC
// namespace on the host (found again each time: containers come and go),
// each series labelled ns with the namespace's inode as `ls -A` shows
// it, and the host's areas once with ns="" (to Prometheus the same series
// as without the label). POSIX shared memory, semaphores and /dev/shm
// are counted once per /dev/shm, under the first namespace that sees it,
// as ls -A lists them. A namespace whose process exited in between is
// left out; one that cannot be entered goes to OnError as area
// "ns INODE (pid PID)" and is left out.
func allNamespaces(fsys procfs.FS, opts Options) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		reg := prometheus.NewPedanticRegistry()
		host := New(ipc.New(fsys), opts)
		host.skip = func(a area) bool { return !hostArea(a) }
		if err := prometheus.WrapRegistererWith(prometheus.Labels{"ns": ""}, reg).Register(host); err != nil {
			return nil, err
		}
		nss, _, err := ipc.Namespaces(fsys)
		if err != nil {
			return nil, fmt.Errorf("list IPC namespaces: %w", err)
		}
		for _, n := range nss {
			client, err := n.Client(fsys)
			if errors.Is(err, ipc.ErrNotFound) {
				continue // its process exited since: the namespace went with it, or another lists it next time
			}
			if err != nil {
				if opts.OnError != nil {
					opts.OnError(fmt.Sprintf("ns %d (pid %d)", n.Inode, n.PID), err)
				}
				continue
			}
			defer client.Close()
			c := New(client, opts)
			sharedDevShm := n.DevShmOf != 0
			c.skip = func(a area) bool {
				return hostArea(a) || sharedDevShm && (a.name == "pshm" || a.name == "psem" || a.name == "devshm")
			}
			ns := prometheus.Labels{"ns": strconv.FormatUint(n.Inode, 10)}
			if err := prometheus.WrapRegistererWith(ns, reg).Register(c); err != nil {
				return nil, err
			}
		}
		return reg.Gather()
	})
}

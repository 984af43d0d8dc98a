// Package metrics exports what ipcctl sees as Prometheus metrics: a
// prometheus.Collector that reads System V and POSIX IPC objects, their
// kernel limits, /dev/shm, huge page pools and Transparent Huge Pages at
// collect time, through pkg/ipc and pkg/procfs.
//
// The collector is split into areas (shm, sem, msg, pshm, psem, mq,
// limits, devshm, hugepages, thp, meminfo, vmstat), read concurrently.
// Each reports ipcctl_scrape_collector_success and
// ipcctl_scrape_collector_duration_seconds, so one failing area never
// fails the whole scrape. An area whose facility this system lacks (no
// mqueue mount, no hugetlb, no THP, a fixture tree for the figures only
// system calls give) exports nothing and counts as a success.
//
// Names follow Prometheus conventions: prefix ipcctl_, base units
// (bytes, seconds), _total only on counters, and the kernel limit of a
// usage figure beside it as NAME_limit (NAME_limit_bytes for bytes).
// Nothing here prints: errors go to Options.OnError.
package metrics

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ipcctl/ipcctl/internal/names"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultPerObjectLimit caps the per-object series of each kind: 200 of
// each of the six kinds keep a target under about 2 600 series at most.
const DefaultPerObjectLimit = 200

// Options choose what the collector exports.
type Options struct {
	// PerObject adds series per IPC object (id, key and owner labels for
	// System V, name and owner for POSIX), the largest objects of each
	// kind first, at most PerObjectLimit of each.
	PerObject bool
	// PerObjectLimit caps PerObject series per kind; 0 means
	// DefaultPerObjectLimit, a negative value no cap. Objects left out
	// are counted in ipcctl_per_object_omitted.
	PerObjectLimit int
	// OnError, when set, hears why an area failed (its metrics then say
	// ipcctl_scrape_collector_success 0). It may be called concurrently.
	OnError func(area string, err error)
	// AllNamespaces reads every IPC namespace on the host (see Gatherer).
	AllNamespaces bool
}

// Collector is a prometheus.Collector over one IPC client. It is safe
// for concurrent scrapes.
type Collector struct {
	client *ipc.Client
	fs     procfs.FS
	opts   Options
	// names makes the uid cache of a scrape (names.New); tests replace
	// it, as the names of a fixture's uids depend on the machine.
	names func() *names.Names
	// skip leaves areas out (see AllNamespaces).
	skip func(area) bool
}

// New returns a collector reading through client (and client.FS() for
// /proc and /sys).
func New(client *ipc.Client, opts Options) *Collector {
	if opts.PerObjectLimit == 0 {
		opts.PerObjectLimit = DefaultPerObjectLimit
	}
	return &Collector{client: client, fs: client.FS(), opts: opts, names: names.New}
}

// NewRegistry returns a registry holding only c: what `ipcctl metrics`
// prints and what a textfile collector reads.
func NewRegistry(c *Collector) *prometheus.Registry {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	return reg
}

// area is one independently failing part of a scrape.
type area struct {
	name    string
	collect func(c *Collector, s *scrape) error
}

// areas in the order they are started (output is sorted by name anyway).
// The first eight are the IPC namespace's (and its mount namespace's
// /dev/shm); the last four are the host's, whatever the namespace.
var areas = []area{
	{"limits", (*Collector).collectLimits},
	{"shm", (*Collector).collectShm},
	{"sem", (*Collector).collectSem},
	{"msg", (*Collector).collectMsg},
	{"pshm", (*Collector).collectPshm},
	{"psem", (*Collector).collectPsem},
	{"mq", (*Collector).collectMq},
	{"devshm", (*Collector).collectDevShm},
	{"hugepages", (*Collector).collectHugePages},
	{"thp", (*Collector).collectTHP},
	{"meminfo", (*Collector).collectMeminfo},
	{"vmstat", (*Collector).collectVmstat},
}

// Areas lists the collector's areas, the values of the collector label.
func Areas() []string {
	out := make([]string, len(areas))
	for i, a := range areas {
		out[i] = a.name
	}
	return out
}

// Describe sends every family the collector may export.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	describeFamilies()
	for _, f := range families {
		ch <- f.desc
	}
}

// Collect reads the system, each area in its own goroutine.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	describeFamilies()
	s := &scrape{ch: ch, owners: c.names()} // each uid looked up once per scrape
	s.gauge(collectTime, float64(time.Now().UnixNano())/1e9)
	var wg sync.WaitGroup
	for _, a := range areas {
		if c.skip != nil && c.skip(a) {
			continue
		}
		wg.Go(func() {
			start := time.Now()
			err := a.collect(c, s)
			if errors.Is(err, errors.ErrUnsupported) {
				err = nil // nothing of this kind here: nothing to report
			}
			s.gauge(scrapeDuration, time.Since(start).Seconds(), a.name)
			ok := 1.0
			if err != nil {
				ok = 0
				if c.opts.OnError != nil {
					c.opts.OnError(a.name, err)
				}
			}
			s.gauge(scrapeSuccess, ok, a.name)
		})
	}
	wg.Wait()
}

// scrape is the state of one Collect.
type scrape struct {
	ch     chan<- prometheus.Metric
	owners *names.Names
}

func (s *scrape) gauge(f *Family, v float64, labels ...string) {
	s.ch <- prometheus.MustNewConstMetric(f.desc, prometheus.GaugeValue, v, labels...)
}

func (s *scrape) counter(f *Family, v float64, labels ...string) {
	s.ch <- prometheus.MustNewConstMetric(f.desc, prometheus.CounterValue, v, labels...)
}

// Family is one metric family the collector exports.
type Family struct {
	Name   string // full name, with the ipcctl_ prefix
	Help   string
	Type   string           // "gauge" or "counter"
	Labels []string         // variable labels
	desc   *prometheus.Desc // set by describeFamilies
}

// families is every family, in the order they are declared below.
var families []*Family

func newFamily(typ, name, help string, labels ...string) *Family {
	f := &Family{Name: "ipcctl_" + name, Help: help, Type: typ, Labels: labels}
	families = append(families, f)
	return f
}

// describeFamilies makes the families' descriptors on first use, not at
// start-up: every run of ipcctl links this package, few collect.
var describeFamilies = sync.OnceFunc(func() {
	for _, f := range families {
		f.desc = prometheus.NewDesc(f.Name, f.Help, f.Labels, nil)
	}
})

func gaugeFamily(name, help string, labels ...string) *Family {
	return newFamily("gauge", name, help, labels...)
}

func counterFamily(name, help string, labels ...string) *Family {
	return newFamily("counter", name, help, labels...)
}

// Families lists every family the collector may export, by name.
func Families() []Family {
	out := make([]Family, len(families))
	for i, f := range families {
		out[i] = *f
	}
	slices.SortFunc(out, func(a, b Family) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

var (
	scrapeDuration = gaugeFamily("scrape_collector_duration_seconds",
		"Seconds one area of the ipcctl collector took to read the system.", "collector")
	collectTime = gaugeFamily("collect_timestamp_seconds",
		"Unix time ipcctl read the system: with the textfile route, how old the file's figures are (alert on time() minus this).")
	scrapeSuccess = gaugeFamily("scrape_collector_success",
		"1 if the area read the system without error, 0 if it failed (its other series may then be missing or partial).", "collector")
)

// capped sorts objects by cmp (largest first) and keeps at most limit
// of them (limit < 0: all); it returns them and how many it left out.
func capped[T any](objs []T, limit int, cmp func(a, b T) int) ([]T, int) {
	objs = slices.Clone(objs)
	slices.SortStableFunc(objs, cmp)
	if limit < 0 || len(objs) <= limit {
		return objs, 0
	}
	return objs[:limit], len(objs) - limit
}

var perObjectOmitted = gaugeFamily("per_object_omitted",
	"Objects of the kind left without per-object series by the --per-object-limit cap (only with --per-object).", "kind")

// keyLabel formats a System V key as ipcs and ls print it.
func keyLabel(key int32) string { return fmt.Sprintf("0x%08x", uint32(key)) }

package metrics

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strconv"

	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// Huge page pools, system-wide (labelled by page size) and per NUMA node.
// Counts are pages of the pool's size; page_size is in bytes.
var (
	hpPages = gaugeFamily("hugepages_pages",
		"Huge pages in the pool, persistent plus surplus (nr_hugepages).", "page_size")
	hpFree = gaugeFamily("hugepages_free_pages",
		"Huge pages of the pool not in use (free_hugepages).", "page_size")
	hpReserved = gaugeFamily("hugepages_reserved_pages",
		"Free huge pages promised to mappings not yet faulted in (resv_hugepages); free minus reserved is what a new mapping may take.", "page_size")
	hpSurplus = gaugeFamily("hugepages_surplus_pages",
		"Huge pages above the persistent pool, allocated through overcommit (surplus_hugepages).", "page_size")
	hpPoolMin = gaugeFamily("hugepages_pool_min_pages",
		"Persistent pool size: nr_hugepages minus surplus (`ipcctl hugepage` minimum).", "page_size")
	hpPoolMax = gaugeFamily("hugepages_pool_max_pages",
		"Most huge pages the pool may grow to: the persistent pool plus nr_overcommit_hugepages.", "page_size")
	hpNodePages = gaugeFamily("hugepages_node_pages",
		"Huge pages in the pool on one NUMA node (node*/hugepages/*/nr_hugepages).", "node", "page_size")
	hpNodeFree = gaugeFamily("hugepages_node_free_pages",
		"Free huge pages of the pool on one NUMA node.", "node", "page_size")
	hpNodeSurplus = gaugeFamily("hugepages_node_surplus_pages",
		"Surplus huge pages of the pool on one NUMA node.", "node", "page_size")
	hpNodePoolMin = gaugeFamily("hugepages_node_pool_min_pages",
		"Persistent pool size on one NUMA node: nr_hugepages minus surplus.", "node", "page_size")
)

func sizeLabel(b uint64) string { return strconv.FormatUint(b, 10) }

// collectHugePages reads /sys/kernel/mm/hugepages and the NUMA nodes'.
func (c *Collector) collectHugePages(s *scrape) error {
	pools, err := c.fs.HugePagePools()
	if err != nil {
		return err // ErrNotSupported without hugetlb
	}
	for _, p := range pools {
		l := sizeLabel(p.PageSize)
		s.gauge(hpPages, float64(p.Total), l)
		s.gauge(hpFree, float64(p.Free), l)
		if p.Reserved != nil {
			s.gauge(hpReserved, float64(*p.Reserved), l)
		}
		s.gauge(hpSurplus, float64(p.Surplus), l)
		s.gauge(hpPoolMin, float64(p.Minimum()), l)
		if m := p.Maximum(); m != nil {
			s.gauge(hpPoolMax, float64(*m), l)
		}
	}
	nodes, err := c.fs.NodeHugePagePools()
	if err != nil {
		return err
	}
	for _, p := range nodes {
		l := []string{strconv.Itoa(p.Node), sizeLabel(p.PageSize)}
		s.gauge(hpNodePages, float64(p.Total), l...)
		s.gauge(hpNodeFree, float64(p.Free), l...)
		s.gauge(hpNodeSurplus, float64(p.Surplus), l...)
		s.gauge(hpNodePoolMin, float64(p.Minimum()), l...)
	}
	return nil
}

// Transparent Huge Pages settings: one series per choice the kernel
// offers, 1 for the selected one (a state set), so that both "is it X"
// and "what is it" are plain selectors.
var (
	thpEnabled = gaugeFamily("thp_enabled",
		"THP mode of /sys/kernel/mm/transparent_hugepage/enabled: 1 for the selected mode, 0 for the others the kernel offers.", "mode")
	thpDefrag = gaugeFamily("thp_defrag",
		"THP defrag mode (transparent_hugepage/defrag): 1 for the selected mode, 0 for the others.", "mode")
	thpShmemEnabled = gaugeFamily("thp_shmem_enabled",
		"THP mode for shmem and tmpfs (transparent_hugepage/shmem_enabled): 1 for the selected mode, 0 for the others.", "mode")
	mthpEnabled = gaugeFamily("thp_size_enabled",
		"Multi-size THP mode of one size (transparent_hugepage/hugepages-<size>kB/enabled): 1 for the selected mode, 0 for the others; page_size in bytes.", "page_size", "mode")
	mthpShmemEnabled = gaugeFamily("thp_size_shmem_enabled",
		"Multi-size THP shmem mode of one size (hugepages-<size>kB/shmem_enabled): 1 for the selected mode, 0 for the others.", "page_size", "mode")
)

// collectTHP reads the mode files of /sys/kernel/mm/transparent_hugepage
// and of each hugepages-<size>kB directory under it (only those: the
// whole tree, stats included, is ten times the reads).
func (c *Collector) collectTHP(s *scrape) error {
	ents, err := os.ReadDir(c.fs.Path(procfs.THPDir))
	if errors.Is(err, fs.ErrNotExist) {
		return unsupported(err) // a kernel without THP
	}
	if err != nil {
		return err
	}
	// choices exports the state set of one file; a file this kernel
	// lacks exports nothing.
	choices := func(f *Family, rel string, labels ...string) error {
		set, err := c.fs.ReadTHPSetting(path.Join(procfs.THPDir, rel))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, ch := range set.Choices {
			v := 0.0
			if ch == set.Value {
				v = 1
			}
			s.gauge(f, v, append(labels[:len(labels):len(labels)], ch)...)
		}
		return nil
	}
	for _, x := range []struct {
		file string
		f    *Family
	}{{"enabled", thpEnabled}, {"defrag", thpDefrag}, {"shmem_enabled", thpShmemEnabled}} {
		if err := choices(x.f, x.file); err != nil {
			return err
		}
	}
	for _, e := range ents {
		size, ok := procfs.ParseSizeDir(e.Name())
		if !ok || !e.IsDir() {
			continue
		}
		l := sizeLabel(size)
		if err := choices(mthpEnabled, path.Join(e.Name(), "enabled"), l); err != nil {
			return err
		}
		if err := choices(mthpShmemEnabled, path.Join(e.Name(), "shmem_enabled"), l); err != nil {
			return err
		}
	}
	return nil
}

// Huge page memory from /proc/meminfo.
var (
	memAnonHuge = gaugeFamily("memory_anon_huge_pages_bytes",
		"Anonymous memory mapped with transparent huge pages (AnonHugePages of /proc/meminfo).")
	memShmemHuge = gaugeFamily("memory_shmem_huge_pages_bytes",
		"Shared memory and tmpfs memory in transparent huge pages (ShmemHugePages of /proc/meminfo).")
	memFileHuge = gaugeFamily("memory_file_huge_pages_bytes",
		"Page cache in transparent huge pages (FileHugePages of /proc/meminfo; newer kernels).")
	memHugetlb = gaugeFamily("memory_hugetlb_bytes",
		"Memory in hugetlb pools of every size (Hugetlb of /proc/meminfo).")
)

// collectMeminfo reads /proc/meminfo.
func (c *Collector) collectMeminfo(s *scrape) error {
	m, err := c.fs.Meminfo()
	if errors.Is(err, fs.ErrNotExist) {
		return unsupported(err)
	}
	if err != nil {
		return err
	}
	for _, x := range []struct {
		f *Family
		v *uint64
	}{{memAnonHuge, m.AnonHugePages}, {memShmemHuge, m.ShmemHugePages}, {memFileHuge, m.FileHugePages}, {memHugetlb, m.Hugetlb}} {
		if x.v != nil {
			s.gauge(x.f, float64(*x.v))
		}
	}
	return nil
}

var thpEvents = counterFamily("thp_events_total",
	"THP events counted by the kernel since boot (the thp_* lines of /proc/vmstat; event is the vmstat name).", "event")

// collectVmstat reads the thp_* counters of /proc/vmstat.
func (c *Collector) collectVmstat(s *scrape) error {
	counters, err := c.fs.Vmstat("thp_")
	if errors.Is(err, fs.ErrNotExist) {
		return unsupported(err)
	}
	if err != nil {
		return err
	}
	for _, ct := range counters {
		s.counter(thpEvents, float64(ct.Value), ct.Name)
	}
	return nil
}

package metrics

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// The huge page, THP, meminfo and vmstat families are compared with the
// live kernel's files, read here without ipcctl's parsers. These tests
// only READ /sys and /proc.

const (
	hugepagesDir = "/sys/kernel/mm/hugepages"
	thpDir       = "/sys/kernel/mm/transparent_hugepage"
	nodesGlob    = "/sys/devices/system/node/node*/hugepages/hugepages-*kB"
)

// memoryFamily matches the series these tests own: every series of
// these families must be one the kernel's files call for.
var memoryFamily = regexp.MustCompile(`^ipcctl_(hugepages_|thp_|memory_)`)

// readUint reads a file holding one unsigned number.
func readUint(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil
}

// sizeDirBytes is the page size of a hugepages-<N>kB directory, in bytes.
func sizeDirBytes(t *testing.T, dir string) string {
	t.Helper()
	kb, ok := strings.CutSuffix(strings.TrimPrefix(filepath.Base(dir), "hugepages-"), "kB")
	n, err := strconv.ParseUint(kb, 10, 64)
	if !ok || err != nil {
		t.Fatalf("%s: not a hugepages-<N>kB directory", dir)
	}
	return strconv.FormatUint(n<<10, 10)
}

// minus is a - b, 0 when b is larger (surplus above nr during a shrink).
func minus(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// kernelMemorySeries is what the kernel's files say each series of the
// memory families should be, by series as the exposition text prints it.
func kernelMemorySeries(t *testing.T) map[string]float64 {
	t.Helper()
	want := map[string]float64{}

	// Pools: /sys/kernel/mm/hugepages/hugepages-<N>kB.
	pools, _ := filepath.Glob(hugepagesDir + "/hugepages-*kB")
	for _, dir := range pools {
		l := `{page_size="` + sizeDirBytes(t, dir) + `"}`
		nr, ok1 := readUint(dir + "/nr_hugepages")
		free, ok2 := readUint(dir + "/free_hugepages")
		surplus, ok3 := readUint(dir + "/surplus_hugepages")
		if !ok1 || !ok2 || !ok3 {
			t.Fatalf("%s: cannot read nr_, free_ or surplus_hugepages", dir)
		}
		want["ipcctl_hugepages_pages"+l] = float64(nr)
		want["ipcctl_hugepages_free_pages"+l] = float64(free)
		want["ipcctl_hugepages_surplus_pages"+l] = float64(surplus)
		want["ipcctl_hugepages_pool_min_pages"+l] = float64(minus(nr, surplus))
		if resv, ok := readUint(dir + "/resv_hugepages"); ok {
			want["ipcctl_hugepages_reserved_pages"+l] = float64(resv)
		}
		if over, ok := readUint(dir + "/nr_overcommit_hugepages"); ok {
			want["ipcctl_hugepages_pool_max_pages"+l] = float64(minus(nr, surplus) + over)
		}
	}
	// Per NUMA node.
	nodes, _ := filepath.Glob(nodesGlob)
	for _, dir := range nodes {
		node := strings.TrimPrefix(filepath.Base(filepath.Dir(filepath.Dir(dir))), "node")
		l := `{node="` + node + `",page_size="` + sizeDirBytes(t, dir) + `"}`
		nr, ok1 := readUint(dir + "/nr_hugepages")
		free, ok2 := readUint(dir + "/free_hugepages")
		surplus, ok3 := readUint(dir + "/surplus_hugepages")
		if !ok1 || !ok2 || !ok3 {
			t.Fatalf("%s: cannot read nr_, free_ or surplus_hugepages", dir)
		}
		want["ipcctl_hugepages_node_pages"+l] = float64(nr)
		want["ipcctl_hugepages_node_free_pages"+l] = float64(free)
		want["ipcctl_hugepages_node_surplus_pages"+l] = float64(surplus)
		want["ipcctl_hugepages_node_pool_min_pages"+l] = float64(minus(nr, surplus))
	}

	// THP modes: a state set, 1 for the [bracketed] choice only. Labels
	// are in the exposition's (alphabetical) order: mode, then page_size.
	modes := func(family, path, pageSize string) {
		b, err := os.ReadFile(path)
		if err != nil {
			return // this kernel has no such file: no series
		}
		selected := 0
		for _, w := range strings.Fields(string(b)) {
			v := 0.0
			if m, ok := strings.CutPrefix(w, "["); ok {
				w, v = strings.TrimSuffix(m, "]"), 1
				selected++
			}
			series := family + `{mode="` + w + `"`
			if pageSize != "" {
				series += `,page_size="` + pageSize + `"`
			}
			want[series+"}"] = v
		}
		if selected != 1 {
			t.Fatalf("%s: %d selected choices in %q", path, selected, b)
		}
	}
	modes("ipcctl_thp_enabled", thpDir+"/enabled", "")
	modes("ipcctl_thp_defrag", thpDir+"/defrag", "")
	modes("ipcctl_thp_shmem_enabled", thpDir+"/shmem_enabled", "")
	sizes, _ := filepath.Glob(thpDir + "/hugepages-*kB")
	for _, dir := range sizes {
		l := sizeDirBytes(t, dir)
		modes("ipcctl_thp_size_enabled", dir+"/enabled", l)
		modes("ipcctl_thp_size_shmem_enabled", dir+"/shmem_enabled", l)
	}

	// /proc/meminfo, kB → bytes.
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	fromMeminfo := map[string]string{
		"AnonHugePages":  "ipcctl_memory_anon_huge_pages_bytes",
		"ShmemHugePages": "ipcctl_memory_shmem_huge_pages_bytes",
		"FileHugePages":  "ipcctl_memory_file_huge_pages_bytes",
		"Hugetlb":        "ipcctl_memory_hugetlb_bytes",
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, _ := strings.Cut(line, ":")
		if series, ok := fromMeminfo[name]; ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				t.Fatalf("/proc/meminfo: %q", line)
			}
			want[series] = float64(atoi(t, f[0])) * 1024
		}
	}

	// /proc/vmstat: every thp_* counter.
	b, err = os.ReadFile("/proc/vmstat")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && strings.HasPrefix(f[0], "thp_") {
			v, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				t.Fatalf("/proc/vmstat: %q", line)
			}
			want[`ipcctl_thp_events_total{event="`+f[0]+`"}`] = float64(v)
		}
	}
	return want
}

// compareWithKernel returns what is wrong with scrape m against the
// kernel's figures read just before and just after it: each series must
// be there with a value between the two readings (a figure the kernel
// changed meanwhile may be either), and no other series of the memory
// families may be.
func compareWithKernel(m, before, after map[string]float64) []string {
	var bad []string
	kernel := map[string]bool{}
	for s := range before {
		kernel[s] = true
	}
	for s := range after {
		kernel[s] = true
	}
	for _, s := range slices.Sorted(maps.Keys(kernel)) {
		lo, okB := before[s]
		hi, okA := after[s]
		if !okB || !okA {
			continue // appeared or went away during the scrape: nothing to hold it to
		}
		lo, hi = min(lo, hi), max(lo, hi)
		got, ok := m[s]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s: missing (the kernel says %v)", s, lo))
		case got < lo || got > hi:
			bad = append(bad, fmt.Sprintf("%s = %v; the kernel said %v before and %v after", s, got, before[s], after[s]))
		}
	}
	for _, s := range slices.Sorted(maps.Keys(m)) {
		if memoryFamily.MatchString(s) && !kernel[s] {
			bad = append(bad, fmt.Sprintf("%s = %v: no kernel file calls for it", s, m[s]))
		}
	}
	return bad
}

// TestMemoryMetricsMatchKernel compares the hugepages, thp, meminfo and
// vmstat collectors' series with the kernel's files. Figures of the
// whole machine (meminfo, vmstat counters) may move while ipcctl reads
// them, so the scrape is bracketed by two readings; a gauge that moved
// up and back down in between fails one round, so up to five rounds run
// and one clean round passes.
func TestMemoryMetricsMatchKernel(t *testing.T) {
	nstest.Require(t)
	// Anonymous memory of our own in transparent huge pages, where THP is
	// on (madvise or always): AnonHugePages is then not 0 and a mix-up of
	// the meminfo figures shows. Read-only as far as sysfs goes.
	if mem, err := unix.Mmap(-1, 0, 8<<20, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS); err == nil {
		defer unix.Munmap(mem)
		unix.Madvise(mem, unix.MADV_HUGEPAGE)
		for i := 0; i < len(mem); i += 4096 {
			mem[i] = 1
		}
	}
	var bad []string
	for round := 1; round <= 5; round++ {
		before := kernelMemorySeries(t)
		m := parseText(t, ipcctl(t, "metrics"))
		after := kernelMemorySeries(t)
		if round == 1 {
			for _, c := range []string{"hugepages", "thp", "meminfo", "vmstat"} {
				if v := m[`ipcctl_scrape_collector_success{collector="`+c+`"}`]; v != 1 {
					t.Errorf("collector %s: success %v", c, v)
				}
			}
			if len(before) == 0 {
				t.Fatal("no memory figures found in the kernel's files: the comparison would be empty")
			}
			t.Logf("%d series compared; AnonHugePages %v bytes", len(before), before["ipcctl_memory_anon_huge_pages_bytes"])
		}
		if bad = compareWithKernel(m, before, after); len(bad) == 0 {
			return
		}
		t.Logf("round %d: %d differences", round, len(bad))
	}
	for _, b := range bad {
		t.Error(b)
	}
}

func TestCompareWithKernel(t *testing.T) {
	k := map[string]float64{`ipcctl_thp_enabled{mode="always"}`: 0, `ipcctl_thp_enabled{mode="madvise"}`: 1, "ipcctl_memory_hugetlb_bytes": 100}
	later := map[string]float64{`ipcctl_thp_enabled{mode="always"}`: 0, `ipcctl_thp_enabled{mode="madvise"}`: 1, "ipcctl_memory_hugetlb_bytes": 300}
	for _, tc := range []struct {
		name string
		m    map[string]float64
		bad  int
	}{
		{"matches", map[string]float64{`ipcctl_thp_enabled{mode="always"}`: 0, `ipcctl_thp_enabled{mode="madvise"}`: 1, "ipcctl_memory_hugetlb_bytes": 200, "ipcctl_shm_segments": 3}, 0},
		{"wrong mode", map[string]float64{`ipcctl_thp_enabled{mode="always"}`: 1, `ipcctl_thp_enabled{mode="madvise"}`: 0, "ipcctl_memory_hugetlb_bytes": 100}, 2},
		{"out of the bracket", map[string]float64{`ipcctl_thp_enabled{mode="always"}`: 0, `ipcctl_thp_enabled{mode="madvise"}`: 1, "ipcctl_memory_hugetlb_bytes": 301}, 1},
		{"missing", map[string]float64{`ipcctl_thp_enabled{mode="madvise"}`: 1, "ipcctl_memory_hugetlb_bytes": 100}, 1},
		{"extra", map[string]float64{`ipcctl_thp_enabled{mode="always"}`: 0, `ipcctl_thp_enabled{mode="madvise"}`: 1, `ipcctl_thp_enabled{mode="never"}`: 0, "ipcctl_memory_hugetlb_bytes": 100}, 1},
	} {
		if got := compareWithKernel(tc.m, k, later); len(got) != tc.bad {
			t.Errorf("%s: %q, want %d differences", tc.name, got, tc.bad)
		}
	}
}

// memorySources says where the kernel keeps what each memory family is
// read from; the first family prefix that matches a metric name wins.
var memorySources = []struct {
	prefix string
	has    func() bool
	what   string
}{
	{"ipcctl_hugepages_node_", globbed(nodesGlob), "no per-node huge page pools (" + nodesGlob + ")"},
	{"ipcctl_hugepages_reserved_pages", globbed(hugepagesDir + "/hugepages-*kB/resv_hugepages"), "no resv_hugepages"},
	{"ipcctl_hugepages_pool_max_pages", globbed(hugepagesDir + "/hugepages-*kB/nr_overcommit_hugepages"), "no nr_overcommit_hugepages"},
	{"ipcctl_hugepages_", globbed(hugepagesDir + "/hugepages-*kB"), "no hugetlb pools (" + hugepagesDir + ")"},
	{"ipcctl_thp_size_shmem_enabled", globbed(thpDir + "/hugepages-*kB/shmem_enabled"), "no multi-size THP shmem settings"},
	{"ipcctl_thp_size_enabled", globbed(thpDir + "/hugepages-*kB/enabled"), "no multi-size THP (" + thpDir + "/hugepages-*kB)"},
	{"ipcctl_thp_events_total", vmstatHasTHP, "no thp_* counters in /proc/vmstat"},
	{"ipcctl_thp_enabled", globbed(thpDir + "/enabled"), "no THP (" + thpDir + "/enabled)"},
	{"ipcctl_thp_defrag", globbed(thpDir + "/defrag"), "no " + thpDir + "/defrag"},
	{"ipcctl_thp_shmem_enabled", globbed(thpDir + "/shmem_enabled"), "no " + thpDir + "/shmem_enabled"},
	{"ipcctl_memory_anon_huge_pages_bytes", meminfoHas("AnonHugePages"), "no AnonHugePages in /proc/meminfo"},
	{"ipcctl_memory_shmem_huge_pages_bytes", meminfoHas("ShmemHugePages"), "no ShmemHugePages in /proc/meminfo"},
	{"ipcctl_memory_file_huge_pages_bytes", meminfoHas("FileHugePages"), "no FileHugePages in /proc/meminfo"},
	{"ipcctl_memory_hugetlb_bytes", meminfoHas("Hugetlb"), "no Hugetlb in /proc/meminfo"},
}

func globbed(pattern string) func() bool {
	return func() bool { m, _ := filepath.Glob(pattern); return len(m) > 0 }
}

func meminfoHas(field string) func() bool {
	return func() bool {
		b, _ := os.ReadFile("/proc/meminfo")
		return regexp.MustCompile(`(?m)^` + field + `:`).Match(b)
	}
}

func vmstatHasTHP() bool {
	b, _ := os.ReadFile("/proc/vmstat")
	return regexp.MustCompile(`(?m)^thp_`).Match(b)
}

// kernelLacks says why this kernel cannot give a query's series ("" when
// it can): an expression naming a memory family whose kernel file is
// missing. IPC families are in every kernel this runs on.
func kernelLacks(expr string) string {
	for _, name := range metricName.FindAllString(expr, -1) {
		for _, src := range memorySources {
			if strings.HasPrefix(name, src.prefix) {
				if !src.has() {
					return src.what
				}
				break
			}
		}
	}
	return ""
}

// Every memory family the collector exports has a kernel source above,
// and on this kernel kernelLacks finds what the comparison test found.
func TestKernelLacksKnowsEveryMemoryFamily(t *testing.T) {
	for name := range exported() {
		if !memoryFamily.MatchString(name) {
			continue
		}
		found := false
		for _, src := range memorySources {
			if strings.HasPrefix(name, src.prefix) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: no entry in memorySources", name)
		}
	}
	if why := kernelLacks(`ipcctl_shm_segments`); why != "" {
		t.Errorf("an IPC query lacks a source: %s", why)
	}
}

package hugetlb_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/hugetlb"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// The numa2 fixture: 15.6G of memory (11.4G available), two nodes of 7.8G
// (4.4G free each); a 2M pool of 500 persistent pages (+12 surplus, 64
// overcommit) and a 1G pool of 2 pages, one on each node.
func numa2(t *testing.T) *hugetlb.Client {
	return hugetlb.New(procfs.FS(hptest.Fixture("numa2")))
}

func count(n uint64) *hugetlb.Count      { return &hugetlb.Count{Value: n} }
func bytesCount(n uint64) *hugetlb.Count { return &hugetlb.Count{Value: n, Bytes: true} }
func plus(n uint64) *hugetlb.Count       { return &hugetlb.Count{Value: n, Sign: 1} }

const (
	m2 = 2 << 20
	g1 = 1 << 30
)

func TestPlanSetPolicy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		req      hugetlb.SetRequest
		refuse   string   // substring of a usage error; "" = planned
		warnings []string // substrings, one per expected warning, in order
	}{
		{"more than memory", hugetlb.SetRequest{PageSize: m2, Node: -1, Min: bytesCount(1 << 40)}, "524288 2M pages (1T) are more than the memory of this machine (15.6G)", nil},
		{"more than memory with the other pools", hugetlb.SetRequest{PageSize: m2, Node: -1, Min: bytesCount(14 << 30)}, "with the 2G the other pools hold are more than the memory of this machine", nil},
		{"nearly all memory, more than available, more than a node's share", hugetlb.SetRequest{PageSize: m2, Node: -1, Min: bytesCount(13 << 30)}, "", []string{
			"huge page pools would hold 96% of the memory of this machine (15G of 15.6G), leaving 576M for everything else",
			"growing the 2M pool by 12G needs more than the 11.4G free on this machine now",
			"node 0 has 4.4G free for its share of 6G",
			"node 1 has 4.4G free for its share of 6G",
		}},
		{"a small growth", hugetlb.SetRequest{PageSize: m2, Node: -1, Min: count(600)}, "", nil},
		{"shrinking", hugetlb.SetRequest{PageSize: m2, Node: -1, Min: count(0)}, "", nil},
		{"more than a node", hugetlb.SetRequest{PageSize: g1, Node: 1, Min: count(8)}, "8 1G pages (8G) are more than the memory of node 1 (7.8G)", nil},
		{"gigantic growth on a node", hugetlb.SetRequest{PageSize: g1, Node: 1, Min: count(5)}, "", []string{"each 1G page needs 1G of contiguous free memory"}},
		{"a maximum past memory", hugetlb.SetRequest{PageSize: m2, Node: -1, Max: count(10000)}, "", []string{"the maximum of 10000 2M pages (19.5G) is more than the memory of this machine (15.6G)"}},
		{"unknown size", hugetlb.SetRequest{PageSize: 4 << 20, Node: -1, Min: count(1)}, "no 4M huge page pool (offered: 2M, 1G)", nil},
		{"unknown node", hugetlb.SetRequest{PageSize: m2, Node: 7, Min: count(1)}, "unknown NUMA node 7 for 2M pages (nodes: 0, 1)", nil},
		{"overcommit on a node", hugetlb.SetRequest{PageSize: m2, Node: 0, Max: count(1)}, "not per node", nil},
		{"overcommit of gigantic pages", hugetlb.SetRequest{PageSize: g1, Node: -1, Max: count(4)}, "gigantic", nil},
		{"maximum below minimum", hugetlb.SetRequest{PageSize: m2, Node: -1, Max: count(10)}, "maximum 10 is below the minimum 500", nil},
		{"below zero", hugetlb.SetRequest{PageSize: m2, Node: -1, Min: &hugetlb.Count{Value: 501, Sign: -1}}, "the pool has only 500 pages", nil},
	} {
		plan, err := numa2(t).PlanSet(tc.req)
		if tc.refuse != "" {
			if err == nil || !strings.Contains(err.Error(), tc.refuse) || !errors.Is(err, errclass.Usage) {
				t.Errorf("%s: err = %v; want a usage error with %q", tc.name, err, tc.refuse)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(plan.Warnings) != len(tc.warnings) {
			t.Errorf("%s: warnings %q; want %d", tc.name, plan.Warnings, len(tc.warnings))
			continue
		}
		for i, w := range tc.warnings {
			if !strings.Contains(plan.Warnings[i], w) {
				t.Errorf("%s: warning %d = %q; want %q", tc.name, i, plan.Warnings[i], w)
			}
		}
	}
}

func TestPlanSetWrites(t *testing.T) {
	plan, err := numa2(t).PlanSet(hugetlb.SetRequest{PageSize: m2, Node: -1, Min: plus(2), Max: bytesCount(2 << 30)})
	if err != nil {
		t.Fatal(err)
	}
	dir := "sys/kernel/mm/hugepages/hugepages-2048kB/"
	want := []hugetlb.Write{
		{File: dir + "nr_hugepages", Value: 502, Current: 512, Minimum: true},
		{File: dir + "nr_overcommit_hugepages", Value: 1024 - 502, Current: 64},
	}
	if len(plan.Writes) != 2 || plan.Writes[0] != want[0] || plan.Writes[1] != want[1] || plan.Min != 502 || *plan.Max != 1024 {
		t.Errorf("plan = %+v, want writes %+v", plan, want)
	}
}

// Set writes the plan's files and reads them back; a pool that reads back
// short is a *ShortfallError with both figures.
func TestSetReadsBack(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	c := hugetlb.New(fs)
	plan, err := c.PlanSet(hugetlb.SetRequest{PageSize: g1, Node: 0, Min: count(3)})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := c.Set(plan)
	node0 := "sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages"
	if err != nil || len(changes) != 1 || changes[0].Old != 1 || changes[0].New != 3 || hptest.ReadFile(t, fs, node0) != "3\n" {
		t.Errorf("changes %+v, err %v, file %q", changes, err, hptest.ReadFile(t, fs, node0))
	}
	// 2M has 12 surplus pages: writing 600 reads back 600 − 12 persistent.
	plan, err = c.PlanSet(hugetlb.SetRequest{PageSize: m2, Node: -1, Min: count(600)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Set(plan)
	var short *hugetlb.ShortfallError
	if !errors.As(err, &short) || short.Asked != 600 || short.Got != 588 {
		t.Errorf("err = %v, want a shortfall of 600 → 588", err)
	}
}

func TestSetRefusedWriteIsPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write a read-only file; e2e tests this as uid 1000")
	}
	fs := hptest.Copy(t, "numa2")
	os.Chmod(fs.Path("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), 0o444)
	c := hugetlb.New(fs)
	plan, _ := c.PlanSet(hugetlb.SetRequest{PageSize: m2, Node: -1, Min: count(1)})
	if _, err := c.Set(plan); !errors.Is(err, errclass.Permission) {
		t.Errorf("err = %v, want errclass.Permission", err)
	}
}

func TestPoolEmptyError(t *testing.T) {
	c := numa2(t)
	e := c.PoolEmpty(g1, 5)
	want := "not enough free 1G huge pages: 5 wanted, 1 available (pool 2, free 1, reserved 0); fill the pool with: ipcctl hugepage set 1G --min +4 (as root)"
	if e.Error() != want || e.Fix() != "ipcctl hugepage set 1G --min +4" {
		t.Errorf("PoolEmpty(1G, 5) = %q, fix %q", e, e.Fix())
	}
	if !errors.Is(e, errclass.Unsupported) || !errors.Is(e, errors.ErrUnsupported) {
		t.Errorf("%v is not of class Unsupported", e)
	}
	// 2M: 500 free − 10 reserved + (564 − 512) overcommit = 542.
	if e := c.PoolEmpty(m2, 600); e.Room != 542 || !strings.Contains(e.Error(), "542 available (pool 512, free 500, reserved 10, overcommit 52 more)") || e.Fix() != "ipcctl hugepage set 2M --min +58" {
		t.Errorf("PoolEmpty(2M, 600) = %q", e)
	}
	// Room enough: the pool is not what refused the pages; no fix to offer.
	if e := c.PoolEmpty(m2, 1); e.Fix() != "" || !strings.Contains(e.Error(), "cgroup") {
		t.Errorf("PoolEmpty(2M, 1) = %q, fix %q", e, e.Fix())
	}
	// An unreadable pool still gives the fix, for every page wanted.
	gone := hugetlb.New(procfs.FS(t.TempDir()))
	if e := gone.PoolEmpty(m2, 3); e.Known || e.Fix() != "ipcctl hugepage set 2M --min +3" {
		t.Errorf("PoolEmpty without sysfs = %q", e)
	}
}

func TestMissingHugetlbIsUnsupported(t *testing.T) {
	c := hugetlb.New(procfs.FS(t.TempDir()))
	if _, _, err := c.Pools(); err == nil {
		t.Fatal("no error")
	}
	os.MkdirAll(string(c.FS().Path("proc")), 0o755)
	os.WriteFile(c.FS().Path("proc/meminfo"), []byte("MemTotal: 1000 kB\n"), 0o644)
	if _, _, err := c.Pools(); !errors.Is(err, errclass.Unsupported) {
		t.Errorf("err = %v, want errclass.Unsupported", err)
	}
}

// explainMounts runs Explain over numa2 with mounts as /proc/mounts and
// the mount points dirs created, and returns the findings about mounts.
func explainMounts(t *testing.T, mounts string, dirs ...string) []hugetlb.Finding {
	t.Helper()
	fs := hptest.Copy(t, "numa2")
	if err := os.WriteFile(fs.Path("proc/mounts"), []byte(mounts), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		os.MkdirAll(fs.Path(d), 0o755)
	}
	found, err := hugetlb.New(fs).Explain()
	if err != nil {
		t.Fatal(err)
	}
	var out []hugetlb.Finding
	for _, f := range found {
		if strings.HasPrefix(f.Check, "mount ") {
			out = append(out, f)
		}
	}
	return out
}

func TestExplainChecksMounts(t *testing.T) {
	for _, tc := range []struct {
		name, mounts string
		dirs         []string
		want         []string // "status: message substring"
	}{
		{"missing mount point", "none /gone hugetlbfs rw,pagesize=2M 0 0\n", nil,
			[]string{"warn: /gone is listed in /proc/mounts but is not a directory"}},
		{"no pool of that size", "none /h4 hugetlbfs rw,pagesize=4M 0 0\n", []string{"h4"},
			[]string{"warn: /h4 uses 4M pages, which this kernel has no pool for"}},
		{"world-writable without sticky bit", "none /h hugetlbfs rw,pagesize=2M,mode=777 0 0\n", []string{"h"},
			[]string{"warn: anyone may create files in /h and delete other users' files (mode 0777, no sticky bit)"}},
		{"world-writable with sticky bit", "none /h hugetlbfs rw,pagesize=2M,mode=1777 0 0\n", []string{"h"},
			[]string{"ok: anyone may create files in /h (mode 1777)"}},
		{"root only, default page size", "none /h hugetlbfs rw 0 0\n", []string{"h"},
			[]string{"info: only root may create files in /h (mode 0755)"}},
		{"size below one page", "none /h hugetlbfs rw,pagesize=1G,size=512M,mode=1770,gid=5 0 0\n", []string{"h"},
			[]string{"ok: root and group 5 may create files in /h (mode 1770)", "warn: the size limit of /h (512M) is less than one 1G page"}},
		{"size past the pool", "none /h hugetlbfs rw,pagesize=2M,size=4G,min_size=64M,mode=1770,uid=7,gid=5 0 0\n", []string{"h"},
			[]string{"ok: uid 7 and group 5 may create files", "info: the size limit of /h (4G) is more than the 2M pool may hold (1.1G)", "info: /h reserves 64M of the 2M pool"}},
	} {
		got := explainMounts(t, tc.mounts, tc.dirs...)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %+v; want %d findings", tc.name, got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			status, msg, _ := strings.Cut(w, ": ")
			if got[i].Status != status || !strings.Contains(got[i].Message, msg) {
				t.Errorf("%s: finding %d = %s %q; want %s %q", tc.name, i, got[i].Status, got[i].Message, status, msg)
			}
		}
	}
}

// A mount of a page size whose pool is empty and may not grow gets no pages.
func TestExplainMountOfEmptyPool(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	os.WriteFile(fs.Path("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"), []byte("0\n"), 0o644)
	os.WriteFile(fs.Path("sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"), []byte("0\n"), 0o644)
	os.WriteFile(fs.Path("proc/mounts"), []byte("none /h hugetlbfs rw,pagesize=1G,mode=1770 0 0\n"), 0o644)
	os.MkdirAll(fs.Path("h"), 0o755)
	found, err := hugetlb.New(fs).Explain()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		if f.Check == "mount /h" && f.Status == "warn" && strings.Contains(f.Message, "the 1G pool is empty and may not grow") && f.Fix == "ipcctl hugepage set 1G --min N" {
			return
		}
	}
	t.Errorf("no finding about the empty 1G pool behind /h: %+v", found)
}

func TestRecommendedMinFreeKB(t *testing.T) {
	for _, tc := range []struct{ page, zones, mem, want uint64 }{
		{2 << 20, 3, 0, 67584},                  // what the kernel itself sets on a 3-zone machine
		{2 << 20, 4, 1 << 30, 52428},            // capped at 5% of 1G
		{^uint64(0), ^uint64(0), 0, ^uint64(0)}, // saturates, never wraps
	} {
		if got := hugetlb.RecommendedMinFreeKB(tc.page, tc.zones, tc.mem); got != tc.want {
			t.Errorf("RecommendedMinFreeKB(%d, %d, %d) = %d, want %d", tc.page, tc.zones, tc.mem, got, tc.want)
		}
	}
}

func TestSizeName(t *testing.T) {
	for size, want := range map[uint64]string{64 << 10: "64K", 2 << 20: "2M", 1 << 30: "1G", 16 << 30: "16G", 3000: "3000"} {
		if got := procfs.PageSizeName(size); got != want {
			t.Errorf("procfs.PageSizeName(%d) = %q, want %q", size, got, want)
		}
	}
}

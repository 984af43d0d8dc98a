package procfs

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func u64(v uint64) *uint64 { return &v }

func eqU(a, b *uint64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func TestParseMeminfoAbsentFieldsStayNil(t *testing.T) {
	for _, tc := range []struct {
		name, in    string
		total, huge *uint64
		anonHuge    *uint64
		wantErr     bool
	}{
		{"full", "MemTotal: 100 kB\nHugePages_Total: 4\nAnonHugePages: 2048 kB\n", u64(102400), u64(4), u64(2097152), false},
		{"no hugetlb", "MemTotal: 100 kB\n", u64(102400), nil, nil, false},
		{"node prefix", "Node 1 MemTotal: 1 kB\nNode 1 HugePages_Total:   7\n", u64(1024), u64(7), nil, false},
		{"garbage lines", "junk\n:\nMemTotal:\nHugePages_Total: x\n", nil, nil, nil, false},
		{"bad unit", "MemTotal: 1 MB\n", nil, nil, nil, true},
		{"overflow", "MemTotal: 18446744073709551615 kB\n", nil, nil, nil, true},
	} {
		m, err := parseMeminfo([]byte(tc.in), "proc/meminfo")
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v", tc.name, err)
			continue
		}
		if err == nil && (!eqU(m.MemTotal, tc.total) || !eqU(m.HugePagesTotal, tc.huge) || !eqU(m.AnonHugePages, tc.anonHuge)) {
			t.Errorf("%s: got %+v", tc.name, m)
		}
	}
}

func TestHugePagePoolsNuma2(t *testing.T) {
	fs := FS("testdata/numa2")
	pools, err := fs.HugePagePools()
	if err != nil {
		t.Fatal(err)
	}
	if len(pools) != 2 || pools[0].PageSize != 2<<20 || pools[1].PageSize != 1<<30 {
		t.Fatalf("pools = %+v", pools)
	}
	p := pools[0]
	if p.Total != 512 || p.Free != 500 || *p.Reserved != 10 || p.Surplus != 12 || *p.Overcommit != 64 ||
		p.Available() != 490 || p.Minimum() != 500 || *p.Maximum() != 564 || p.Node != -1 {
		t.Errorf("2M pool = %+v", p)
	}
	if !Gigantic(pools[1].PageSize) || Gigantic(pools[0].PageSize) {
		t.Error("Gigantic: want 1G only")
	}
	nodes, err := fs.NodeHugePagePools()
	if err != nil || len(nodes) != 4 || nodes[3].Node != 1 || nodes[3].PageSize != 1<<30 || nodes[0].Reserved != nil {
		t.Fatalf("node pools = %+v, %v", nodes, err)
	}
	nm, err := fs.NodeMeminfo(1)
	if err != nil || *nm.HugePagesTotal != 256 || nm.Hugetlb != nil {
		t.Errorf("node1 meminfo = %+v, %v", nm, err)
	}
}

func TestHugePagePoolsMissingIsUnsupported(t *testing.T) {
	_, err := FS(t.TempDir()).HugePagePools()
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "not supported by this kernel") {
		t.Errorf("err = %v", err)
	}
	_, err = FS(t.TempDir()).THP()
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("THP err = %v", err)
	}
}

func TestParseTHPSetting(t *testing.T) {
	for _, tc := range []struct {
		in, value string
		choices   int
		number    *uint64
	}{
		{"always [madvise] never\n", "madvise", 3, nil},
		{"always within_size advise [never] deny force", "never", 6, nil},
		{"511\n", "511", 0, u64(511)},
		{"[always", "always", 1, nil},
		{"a [b c", "b", 3, nil},
		{"", "", 0, nil},
	} {
		s := ParseTHPSetting("x", tc.in)
		if s.Value != tc.value || len(s.Choices) != tc.choices || !eqU(s.Number, tc.number) {
			t.Errorf("ParseTHPSetting(%q) = %+v", tc.in, s)
		}
	}
}

func TestTHPTreeToleratesUnknownFiles(t *testing.T) {
	th, err := FS("testdata/numa2").THP()
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := Setting(th.Settings, "some_future_knob"); !ok || s.Value != "whatever 1 2" {
		t.Errorf("unknown file: %+v %v", s, ok)
	}
	if s, _ := Setting(th.Settings, "enabled"); s.Value != "always" || len(s.Choices) != 3 {
		t.Errorf("enabled = %+v", s)
	}
	if s, _ := Setting(th.Khugepaged, "max_ptes_none"); s.Number == nil || *s.Number != 511 {
		t.Errorf("max_ptes_none = %+v", s)
	}
	if len(th.Sizes) != 2 || th.Sizes[0].Size != 64<<10 || len(th.Sizes[0].Stats) != 2 || th.Sizes[0].Stats[0] != (Counter{"anon_fault_alloc", 192}) {
		t.Errorf("sizes = %+v", th.Sizes)
	}
}

// copyTree copies a fixture tree so a test may write to it.
func copyTree(t *testing.T, src string) FS {
	t.Helper()
	dst := t.TempDir()
	if out, err := exec.Command("cp", "-a", src+"/.", dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	return FS(dst)
}

func TestSetTHPValidatesWritesAndReadsBack(t *testing.T) {
	fs := copyTree(t, "testdata/numa2")
	rel := THPDir + "/enabled"
	ch, err := fs.SetTHP(rel, "never", nil)
	if err != nil || ch.Old != "always" || ch.New != "never" {
		t.Fatalf("SetTHP = %+v, %v", ch, err)
	}
	// A plain file keeps what was written; the kernel would show the choices again.
	if b, _ := os.ReadFile(fs.Path(rel)); string(b) != "never\n" {
		t.Errorf("file = %q", b)
	}
	before, _ := os.ReadFile(fs.Path(THPDir, "defrag"))
	_, err = fs.SetTHP(THPDir+"/defrag", "sometimes", nil)
	var inv *InvalidValueError
	if !errors.As(err, &inv) || !strings.Contains(inv.Valid, "defer+madvise") {
		t.Fatalf("err = %v", err)
	}
	if after, _ := os.ReadFile(fs.Path(THPDir, "defrag")); string(after) != string(before) {
		t.Errorf("rejected value was written: %q", after)
	}
	_, err = fs.SetTHP(THPDir+"/khugepaged/max_ptes_none", "512", u64(511))
	if !errors.As(err, &inv) || inv.Valid != "0 to 511" {
		t.Errorf("range err = %v", err)
	}
}

func TestWriteUint64(t *testing.T) {
	fs := copyTree(t, "testdata/numa2")
	rel := filepath.Join(HugePagesDir(2<<20), "nr_hugepages")
	old, got, err := fs.WriteUint64(rel, 600)
	if err != nil || old != 512 || got != 600 {
		t.Errorf("WriteUint64 = %d, %d, %v", old, got, err)
	}
}

func TestHugetlbfsMounts(t *testing.T) {
	ms, err := FS("testdata/numa2").HugetlbfsMounts()
	if err != nil || len(ms) != 2 {
		t.Fatalf("mounts = %+v, %v", ms, err)
	}
	if *ms[0].PageSize != 2<<20 || ms[0].Size != nil {
		t.Errorf("mount 0 = %+v", ms[0])
	}
	m := ms[1]
	if m.Dir != "/mnt/huge 1g" || *m.PageSize != 1<<30 || *m.Size != 2<<30 || *m.MinSize != 1<<30 || *m.NrInodes != 16 || *m.Mode != 0o1770 || *m.UID != 1000 {
		t.Errorf("mount 1 = %+v", m)
	}
	for _, s := range []string{"", "x", "99999999999999999999", "18446744073709551615K"} {
		if parseMemSize(s) != nil {
			t.Errorf("parseMemSize(%q) not nil", s)
		}
	}
}

func TestVmstatAndProcHuge(t *testing.T) {
	fs := FS("testdata/numa2")
	cs, err := fs.Vmstat("thp_", "htlb_", "compact_", "nr_anon_transparent_hugepages", "nr_shmem_hugepages", "nr_file_hugepages")
	if err != nil || len(cs) != 10 || cs[0].Name != "nr_anon_transparent_hugepages" {
		t.Fatalf("vmstat = %+v, %v", cs, err)
	}
	p, err := fs.ProcHuge(100)
	if err != nil || p.Command != "postgres" || *p.AnonHugePages != 2<<20 || !*p.THPEnabled || *p.HugetlbPages != 2<<20 || *p.RSS != 100<<20 {
		t.Errorf("ProcHuge(100) = %+v, %v", p, err)
	}
	if _, err := fs.ProcHuge(999); !ErrVanished(err) {
		t.Errorf("missing pid: %v", err)
	}
	k, err := fs.ProcHuge(300)
	if err != nil || k.RSS != nil {
		t.Errorf("kernel thread = %+v, %v", k, err)
	}
	if z, err := fs.PopulatedZones(); err != nil || z != 4 {
		t.Errorf("zones = %d, %v", z, err)
	}
}

// The captured host tree parses completely.
func TestHostFixture(t *testing.T) {
	fs := FS("testdata/host")
	if _, err := fs.Meminfo(); err != nil {
		t.Error(err)
	}
	if _, err := fs.HugePagePools(); err != nil {
		t.Error(err)
	}
	if _, err := fs.NodeHugePagePools(); err != nil {
		t.Error(err)
	}
	if _, err := fs.THP(); err != nil {
		t.Error(err)
	}
	pids, err := fs.PIDs()
	if err != nil || len(pids) != 2 {
		t.Fatalf("pids = %v, %v", pids, err)
	}
	// pid 1's smaps_rollup was unreadable when captured: a process to skip.
	read := 0
	for _, pid := range pids {
		if _, err := fs.ProcHuge(pid); err == nil {
			read++
		} else if !ErrVanished(err) {
			t.Error(err)
		}
	}
	if read != 1 {
		t.Errorf("read %d processes, want 1", read)
	}
}

func FuzzParseTHPSetting(f *testing.F) {
	f.Add("always [madvise] never")
	f.Add("511")
	f.Fuzz(func(t *testing.T, s string) { ParseTHPSetting("x", s) })
}

func FuzzParseMeminfo(f *testing.F) {
	f.Add("MemTotal: 1 kB\nHugePages_Total: 2\n")
	f.Fuzz(func(t *testing.T, s string) { parseMeminfo([]byte(s), "m") })
}

func FuzzParseHugetlbfsMounts(f *testing.F) {
	f.Add("none /mnt/a\\040b hugetlbfs rw,pagesize=2M,size=1G,mode=1770,uid=1 0 0\n")
	f.Fuzz(func(t *testing.T, s string) { parseHugetlbfsMounts(strings.NewReader(s)) })
}

func FuzzParseKB(f *testing.F) {
	f.Add("Node 0 HugePages_Total: 5\nRss: 12 kB\nName:\tx y\n")
	f.Fuzz(func(t *testing.T, s string) {
		parseKB([]byte(s), "f", func([]byte, uint64) {})
		var p ProcHuge
		parseStatus([]byte(s), "f", &p)
	})
}

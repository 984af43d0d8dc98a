package thp_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/ipcctl/ipcctl/pkg/thp"
)

func TestMovedAndRates(t *testing.T) {
	prev := []thp.Counter{{Name: "a", Value: 10}, {Name: "b", Value: 5}, {Size: 64 << 10, Name: "a", Value: 7}, {Name: "gone", Value: 1}}
	cur := []thp.Counter{{Name: "a", Value: 30}, {Name: "b", Value: 5}, {Size: 64 << 10, Name: "a", Value: 3}, {Name: "new", Value: 0}, {Name: "new2", Value: 4}}
	wantMoved := []bool{true, false, true, false, true}
	wantRates := []uint64{10, 0, 0, 0, 0} // 20 over 2s; a counter that went down or is new rates 0
	moved, rates := thp.Moved(prev, cur), thp.Rates(prev, cur, 2*time.Second)
	for i := range cur {
		if moved[i] != wantMoved[i] || rates[i] != wantRates[i] {
			t.Errorf("%+v: moved %v rate %d; want %v %d", cur[i], moved[i], rates[i], wantMoved[i], wantRates[i])
		}
	}
	// Since boot: moved means not 0.
	if m := thp.Moved(nil, cur); !m[0] || !m[1] || m[3] || !m[4] {
		t.Errorf("Moved(nil) = %v", m)
	}
}

func TestCountersReadVmstatAndSizes(t *testing.T) {
	cs, err := thp.New(procfs.FS(hptest.Fixture("numa2"))).Counters()
	if err != nil {
		t.Fatal(err)
	}
	var vm, sized int
	for _, c := range cs {
		if c.Size == 0 {
			vm++
			if !strings.HasPrefix(c.Name, "thp_") {
				t.Errorf("vmstat counter %q", c.Name)
			}
		} else {
			sized++
		}
	}
	// numa2's /proc/vmstat has 4 thp_* lines; 64kB and 2048kB have 2 stats each.
	if vm != 4 || sized != 4 {
		t.Errorf("%d vmstat and %d per-size counters: %+v", vm, sized, cs)
	}
}

func TestPlanSetRefusals(t *testing.T) {
	c := thp.New(procfs.FS(hptest.Fixture("numa2")))
	for _, tc := range []struct {
		size uint64
		args []string
		want string
	}{
		{0, []string{"enabled=sometimes"}, "enabled: invalid value \"sometimes\" (valid: always, madvise, never)"},
		{0, []string{"bogus=1"}, "unknown THP key \"bogus\""},
		{0, []string{"khugepaged.max_ptes_none=512"}, "0 to 511"},
		{0, []string{"enabled"}, "want KEY=VALUE"},
		{3 << 20, []string{"enabled=never"}, "unknown THP size 3M (offered: 64K, 2M)"},
	} {
		_, err := c.PlanSet(tc.size, tc.args)
		if err == nil || !errors.Is(err, errclass.Usage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d %v: %v; want a usage error with %q", tc.size, tc.args, err, tc.want)
		}
	}
	w, err := c.PlanSet(64<<10, []string{"enabled=inherit"})
	if err != nil || len(w) != 1 || w[0].File != "sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled" {
		t.Errorf("PlanSet(64K) = %+v, %v", w, err)
	}
}

func TestSetWritesReadsBackAndRefusesUnwritable(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	c := thp.New(fs)
	w, err := c.PlanSet(0, []string{"defrag=never", "khugepaged.pages_to_scan=100"})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := c.Set(w)
	if err != nil || len(ch) != 2 || ch[0].New != "never" || hptest.ReadFile(t, fs, "sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan") != "100\n" {
		t.Errorf("Set: %+v, %v", ch, err)
	}
	if os.Geteuid() == 0 {
		return // root writes a read-only file; e2e tests the refusal as uid 1000
	}
	os.Chmod(fs.Path("sys/kernel/mm/transparent_hugepage/enabled"), 0o444)
	w, _ = c.PlanSet(0, []string{"defrag=always", "enabled=never"})
	if _, err := c.Set(w); !errors.Is(err, errclass.Permission) {
		t.Errorf("err = %v, want errclass.Permission", err)
	}
	if got := hptest.ReadFile(t, fs, "sys/kernel/mm/transparent_hugepage/defrag"); !strings.Contains(got, "never") {
		t.Errorf("defrag written before the refusal: %q", got)
	}
}

func TestMissingTHPIsUnsupported(t *testing.T) {
	if _, err := thp.New(procfs.FS(t.TempDir())).Settings(); !errors.Is(err, errclass.Unsupported) {
		t.Errorf("err = %v, want errclass.Unsupported", err)
	}
}

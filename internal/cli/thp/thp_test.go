package thp_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/cli/thp"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

func TestGolden(t *testing.T) {
	for _, tree := range []string{"numa2", "host"} {
		fs := procfs.FS(hptest.Fixture(tree))
		for _, tc := range []struct {
			name string
			args []string
		}{
			{"status.human", []string{"thp"}},
			{"status.json", []string{"thp", "--json"}},
			{"status.raw", []string{"thp", "--raw"}},
			{"status.export", []string{"thp", "--export"}},
			{"stats.human", []string{"thp", "stats"}},
			{"stats.json", []string{"thp", "stats", "--json"}},
			{"stats-all.human", []string{"thp", "stats", "--all"}},
			{"stats-all.json", []string{"thp", "stats", "--all", "--json"}},
			{"top.human", []string{"thp", "top"}},
			{"top.json", []string{"thp", "top", "--json", "-o", "+hugetlb"}},
		} {
			r := hptest.Run(t, fs, tc.args...)
			if r.Code != 0 {
				t.Fatalf("%s %v: exit %d: %s", tree, tc.args, r.Code, r.Stderr)
			}
			hptest.Golden(t, tree+"-"+tc.name, r.Stdout)
		}
	}
}

func TestNewCmdStats(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		interval time.Duration
		count    uint64
		usageErr bool
	}{
		{nil, 0, 0, false},
		{[]string{"--interval", "2s", "--count", "3"}, 2 * time.Second, 3, false},
		{[]string{"--count", "3"}, 0, 0, true},
		{[]string{"--interval", "0s"}, 0, 0, true},
		{[]string{"--interval", "-1s"}, 0, 0, true},
		{[]string{"--interval", "1d", "--count", "2"}, 24 * time.Hour, 2, false},
		{[]string{"--interval", "1w"}, 7 * 24 * time.Hour, 0, false},
		{[]string{"--interval", "1x"}, 0, 0, true},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *thp.StatsOptions
		cmd := thp.NewCmdStats(&cmdutil.Factory{IOStreams: ios}, func(o *thp.StatsOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		if tc.usageErr {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v, want usage error", tc.args, err)
			}
			continue
		}
		if err != nil || got.Interval != tc.interval || got.Count != tc.count {
			t.Errorf("%v: %+v, %v", tc.args, got, err)
		}
	}
}

func TestStatsIntervalPrintsRates(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	r := hptest.Run(t, fs, "thp", "stats", "--interval", "10ms", "--count", "2", "--raw", "-o", "counter,rate", "--all")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	if n := strings.Count(r.Stdout, "thp_fault_alloc 0\n"); n != 2 {
		t.Errorf("want 2 samples with rate 0:\n%s", r.Stdout)
	}
	// Nothing moves in a fixture: without --all each sample is empty.
	r = hptest.Run(t, fs, "thp", "stats", "--interval", "10ms", "--count", "2", "--raw", "-n", "-o", "counter")
	if r.Code != 0 || r.Stdout != "" {
		t.Errorf("unmoved counters shown: exit %d, %q", r.Code, r.Stdout)
	}
}

// Each sample is one JSON document on one line, with its time.
func TestStatsJSONIsOneLinePerSample(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	r := hptest.Run(t, fs, "thp", "stats", "--interval", "10ms", "--count", "3", "--json", "--all")
	lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n")
	if r.Code != 0 || len(lines) != 3 {
		t.Fatalf("exit %d, %d lines: %q", r.Code, len(lines), r.Stdout)
	}
	for _, l := range lines {
		var doc struct {
			Time     time.Time        `json:"time"`
			Counters []map[string]any `json:"counters"`
		}
		if err := json.Unmarshal([]byte(l), &doc); err != nil || doc.Time.IsZero() || len(doc.Counters) == 0 || doc.Counters[0]["rate"] == nil {
			t.Errorf("sample %q: %v %+v", l, err, doc)
		}
	}
}

const thpDir = "sys/kernel/mm/transparent_hugepage/"

func TestSetWritesAndReadsBack(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	r := hptest.Run(t, fs, "thp", "set", "enabled=madvise", "khugepaged.pages_to_scan=8192", "use_zero_page=0")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	want := "enabled: always → madvise\nkhugepaged.pages_to_scan: 4096 → 8192\nuse_zero_page: 1 → 0\n"
	if r.Stdout != want {
		t.Errorf("stdout = %q, want %q", r.Stdout, want)
	}
	for file, want := range map[string]string{"enabled": "madvise\n", "khugepaged/pages_to_scan": "8192\n", "use_zero_page": "0\n"} {
		if got := hptest.ReadFile(t, fs, thpDir+file); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	r = hptest.Run(t, fs, "thp", "set", "--size", "64K", "shmem_enabled=within_size")
	if r.Code != 0 || hptest.ReadFile(t, fs, thpDir+"hugepages-64kB/shmem_enabled") != "within_size\n" {
		t.Errorf("--size 64K: exit %d %s", r.Code, r.Stderr)
	}
}

func TestSetRefusesBeforeWriting(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	enabledBefore := hptest.ReadFile(t, fs, thpDir+"enabled")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		// The valid first assignment is not written either: all are checked first.
		{[]string{"enabled=never", "defrag=sometimes"}, 2, "valid: always, defer, defer+madvise, madvise, never"},
		{[]string{"enabled=never", "bogus=1"}, 2, "unknown THP key \"bogus\" (valid: defrag, enabled, khugepaged.alloc_sleep_millisecs"},
		{[]string{"khugepaged.full_scans=1"}, 2, "unknown THP key"},
		{[]string{"hpage_pmd_size=4096"}, 2, "unknown THP key"},
		{[]string{"khugepaged.max_ptes_none=512"}, 2, "0 to 511"},
		{[]string{"use_zero_page=2"}, 2, "0 to 1"},
		{[]string{"khugepaged.pages_to_scan=-1"}, 2, "a whole number"},
		{[]string{"enabled"}, 2, "want KEY=VALUE"},
		{[]string{"--size", "3M", "enabled=never"}, 2, "offered: 64K, 2M"},
		{[]string{"--size", "2M", "shmem_enabled=never"}, 2, "valid: enabled"},
		{[]string{"enabled=never", "--dry-run"}, 0, ""},
	} {
		r := hptest.Run(t, fs, append([]string{"thp", "set"}, tc.args...)...)
		if r.Code != tc.code || !strings.Contains(r.Stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tc.args, r.Code, r.Stderr, tc.code, tc.msg)
		}
	}
	if got := hptest.ReadFile(t, fs, thpDir+"enabled"); got != enabledBefore {
		t.Errorf("enabled changed to %q", got)
	}
}

// A dry run whose plan cannot be written out fails, and changes nothing.
func TestSetDryRunOutputLost(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	before := hptest.ReadFile(t, fs, thpDir+"enabled")
	r := hptest.RunTo(t, hptest.FullWriter{}, fs, "thp", "set", "enabled=never", "--dry-run")
	if r.Code != 1 || !strings.Contains(r.Stderr, "no space left") {
		t.Errorf("exit %d %q, want 1 saying the output was lost", r.Code, r.Stderr)
	}
	if got := hptest.ReadFile(t, fs, thpDir+"enabled"); got != before {
		t.Errorf("a dry run changed enabled to %q", got)
	}
}

func TestMissingTHPIsUnsupported(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	os.RemoveAll(fs.Path(thpDir))
	for _, args := range [][]string{{"thp"}, {"thp", "set", "enabled=never"}, {"thp", "stats"}} {
		r := hptest.Run(t, fs, args...)
		if r.Code != cmdutil.ExitUnsupported || !strings.Contains(r.Stderr, "not supported by this kernel") {
			t.Errorf("%v: exit %d, stderr %q", args, r.Code, r.Stderr)
		}
	}
}

func TestTopSkipsVanishedAndLimits(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	os.Remove(fs.Path("proc/200/smaps_rollup")) // exited between status and smaps_rollup
	r := hptest.Run(t, fs, "thp", "top", "--limit", "1", "--raw", "-n", "-o", "pid")
	if r.Code != 0 || r.Stdout != "100\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	r = hptest.Run(t, fs, "thp", "top", "--limit", "0", "--raw", "-n", "-o", "pid")
	if r.Stdout != "100\n300\n" {
		t.Errorf("all: %q", r.Stdout)
	}
	// Exited after its smaps_rollup was read: the next process takes its place.
	os.Remove(fs.Path("proc/100/status"))
	r = hptest.Run(t, fs, "thp", "top", "--limit", "1", "--raw", "-n", "-o", "pid,command")
	if r.Code != 0 || r.Stdout != "300 kthreadd\n" {
		t.Errorf("status vanished: exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	if r := hptest.Run(t, fs, "thp", "top", "--limit", "-1"); r.Code != 2 {
		t.Errorf("--limit -1: exit %d", r.Code)
	}
}

func TestNewCmdSet(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		want     []string
		size     string
		dryRun   bool
		usageErr bool
	}{
		{[]string{"enabled=never"}, []string{"enabled=never"}, "", false, false},
		{[]string{"--size", "64K", "enabled=always", "shmem_enabled=advise", "--dry-run"}, []string{"enabled=always", "shmem_enabled=advise"}, "64K", true, false},
		{nil, nil, "", false, true},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *thp.SetOptions
		cmd := thp.NewCmdSet(&cmdutil.Factory{IOStreams: ios}, func(o *thp.SetOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		if tc.usageErr {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v, want usage error", tc.args, err)
			}
			continue
		}
		if err != nil || strings.Join(got.Assignments, " ") != strings.Join(tc.want, " ") || got.Size != tc.size || got.DryRun != tc.dryRun {
			t.Errorf("%v: %+v, %v", tc.args, got, err)
		}
	}
}

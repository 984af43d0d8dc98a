package hugepage_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/cli/hugepage"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

var formats = []struct{ name, flag string }{
	{"human", ""}, {"raw", "--raw"}, {"export", "--export"}, {"json", "--json"},
}

func TestStatusGolden(t *testing.T) {
	for _, tree := range []string{"numa2", "host"} {
		for _, f := range formats {
			args := []string{"hugepage"}
			if f.flag != "" {
				args = append(args, f.flag)
			}
			r := hptest.Run(t, procfs.FS(hptest.Fixture(tree)), args...)
			if r.Code != 0 {
				t.Fatalf("%s %v: exit %d: %s", tree, args, r.Code, r.Stderr)
			}
			hptest.Golden(t, "status-"+tree+"."+f.name, r.Stdout)
		}
	}
}

func TestSubcommandGolden(t *testing.T) {
	// The fixture's /proc/mounts names two hugetlbfs mount points; explain
	// checks they are there.
	numa2 := hptest.Copy(t, "numa2")
	for _, dir := range []string{"dev/hugepages", "mnt/huge 1g"} {
		if err := os.MkdirAll(numa2.Path(dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"explain-numa2.human", []string{"hugepage", "explain"}},
		{"explain-numa2.json", []string{"hugepage", "explain", "--json"}},
		{"mounts-numa2.human", []string{"hugepage", "mounts", "-o", "+mode,uid,gid,source"}},
		{"mounts-numa2.json", []string{"hugepage", "mounts", "--json"}},
		{"columns.human", []string{"hugepage", "--list-columns"}},
	} {
		r := hptest.Run(t, numa2, tc.args...)
		if r.Code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, r.Code, r.Stderr)
		}
		hptest.Golden(t, tc.golden, r.Stdout)
	}
}

func TestNewCmdSet(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		want     hugepage.SetOptions
		usageErr bool
	}{
		{[]string{"2M", "--min", "512"}, hugepage.SetOptions{Size: "2M", Min: "512", Node: -1}, false},
		{[]string{"default", "--min", "+2", "--max", "1G", "--dry-run"}, hugepage.SetOptions{Size: "default", Min: "+2", Max: "1G", Node: -1, DryRun: true}, false},
		{[]string{"1G", "--min", "1", "--node", "1"}, hugepage.SetOptions{Size: "1G", Min: "1", Node: 1}, false},
		{[]string{"2M"}, hugepage.SetOptions{}, true},
		{[]string{"2M", "--min", "1", "--node", "-3"}, hugepage.SetOptions{}, true},
		{[]string{"--min", "1"}, hugepage.SetOptions{}, true},
	} {
		ios, _, _, _ := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: ios}
		var got *hugepage.SetOptions
		cmd := hugepage.NewCmdSet(f, func(o *hugepage.SetOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SetOut(ios.Out)
		cmd.SetErr(ios.ErrOut)
		err := cmd.Execute()
		if tc.usageErr {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err = %v, want a usage error", tc.args, err)
			}
			continue
		}
		if err != nil || got == nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		got.IO, got.Factory = nil, nil
		if *got != tc.want {
			t.Errorf("%v: got %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}

func TestParseCount(t *testing.T) {
	const page = 2 << 20
	for _, tc := range []struct {
		in   string
		cur  uint64
		want uint64
		ok   bool
	}{
		{"512", 0, 512, true}, {"+2", 10, 12, true}, {"-2", 10, 8, true}, {"-11", 10, 0, false},
		{"1G", 0, 512, true}, {"3M", 0, 2, true}, {"+4M", 1, 3, true}, {"0", 5, 0, true},
		{"x", 0, 0, false}, {"", 0, 0, false}, {"+", 0, 0, false}, {"1.5G", 0, 0, false},
		{"+1", ^uint64(0), 0, false}, {"99999999999999999999", 0, 0, false},
	} {
		var got uint64
		n, err := hugepage.ParseCount("--min", tc.in)
		if err == nil {
			got, err = n.Resolve(tc.cur, page)
			if err != nil && !errors.Is(err, errclass.Usage) {
				t.Errorf("Resolve(%q, %d): %v is not a usage error", tc.in, tc.cur, err)
			}
		} else if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("ParseCount(%q): exit %d, want 2", tc.in, cmdutil.ExitCode(err))
		}
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseCount(%q) against %d = %d, %v; want %d ok=%v", tc.in, tc.cur, got, err, tc.want, tc.ok)
		}
	}
}

// snapshot reads every file of a tree, to prove a run changed nothing.
func snapshot(t *testing.T, fs procfs.FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(string(fs), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, b := range before {
		if after[p] != b {
			t.Errorf("%s changed: %q → %q", p, b, after[p])
		}
	}
}

const pool2M = "sys/kernel/mm/hugepages/hugepages-2048kB/"

func TestSetWritesAndReadsBack(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	// No surplus, so the plain file reads back exactly what was written.
	os.WriteFile(fs.Path(pool2M+"surplus_hugepages"), []byte("0\n"), 0o644)
	r := hptest.Run(t, fs, "hugepage", "set", "2M", "--min", "1G", "--max", "+64")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	if got := hptest.ReadFile(t, fs, pool2M+"nr_hugepages"); got != "512\n" {
		t.Errorf("nr_hugepages = %q", got)
	}
	// maximum was 512+64 = 576, +64 = 640; overcommit = 640 − 512.
	if got := hptest.ReadFile(t, fs, pool2M+"nr_overcommit_hugepages"); got != "128\n" {
		t.Errorf("nr_overcommit_hugepages = %q", got)
	}
	want := "2M pool minimum: 512 → 512 pages\n2M pool overcommit: 64 → 128 pages (maximum 640)\n"
	if r.Stdout != want {
		t.Errorf("stdout = %q, want %q", r.Stdout, want)
	}

	r = hptest.Run(t, fs, "hugepage", "set", "1G", "--min", "+1", "--node", "1")
	node1 := "sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages"
	if r.Code != 0 || hptest.ReadFile(t, fs, node1) != "2\n" {
		t.Errorf("node set: exit %d %s; file %q", r.Code, r.Stderr, hptest.ReadFile(t, fs, node1))
	}
}

// When the kernel finds fewer pages than asked, both figures are named and the exit is 8.
// A fixture with surplus pages reads back short: total − surplus < asked.
func TestSetShortfallIsPartial(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	r := hptest.Run(t, fs, "hugepage", "set", "default", "--min", "600")
	if r.Code != cmdutil.ExitPartial || !strings.Contains(r.Stderr, "asked for 600 pages, the kernel gave 588") {
		t.Errorf("exit %d, stderr %q", r.Code, r.Stderr)
	}
}

func TestSetRefusals(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	before := snapshot(t, fs)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"3M", "--min", "1"}, 2, "offered: 2M, 1G, default"},
		{[]string{"1G", "--max", "4"}, 2, "gigantic"},
		{[]string{"2M", "--max", "10"}, 2, "below the minimum"},
		{[]string{"2M", "--min", "1", "--node", "7"}, 2, "nodes: 0, 1"},
		{[]string{"2M", "--max", "1", "--node", "0"}, 2, "not per node"},
		{[]string{"2M", "--min", "-9999"}, 2, "only 500 pages"},
		{[]string{"2M", "--min", "99999999999999999999G"}, 2, "invalid"},
		{[]string{"2M", "--min", "1T"}, 2, "524288 2M pages (1T) are more than the memory of this machine (15.6G)"},
		{[]string{"2M", "--min", "1T", "--dry-run"}, 2, "524288 2M pages (1T) are more than the memory of this machine (15.6G)"},
		{[]string{"1G", "--min", "8", "--node", "1", "--dry-run"}, 2, "more than the memory of node 1 (7.8G)"},
		{[]string{"2M", "--min", "0", "--max", "0", "--dry-run"}, 0, ""},
	} {
		r := hptest.Run(t, fs, append([]string{"hugepage", "set"}, tc.args...)...)
		if r.Code != tc.code || !strings.Contains(r.Stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, r.Code, r.Stderr, tc.code, tc.msg)
		}
	}
	sameTree(t, before, snapshot(t, fs))
}

func TestSetDryRunPrintsExactWrites(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	r := hptest.Run(t, fs, "hugepage", "set", "2M", "--min", "0", "--max", "0", "--dry-run")
	want := "dry run: would write 0 to " + fs.Path(pool2M+"nr_hugepages") + " (now 512)\n" +
		"dry run: would write 0 to " + fs.Path(pool2M+"nr_overcommit_hugepages") + " (now 64)\n"
	if r.Stdout != want {
		t.Errorf("stdout = %q, want %q", r.Stdout, want)
	}
}

// A dry run whose plan cannot be written out fails.
func TestSetDryRunOutputLost(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	r := hptest.RunTo(t, hptest.FullWriter{}, fs, "hugepage", "set", "2M", "--min", "0", "--dry-run")
	if r.Code != 1 || !strings.Contains(r.Stderr, "no space left") {
		t.Errorf("exit %d %q, want 1 saying the output was lost", r.Code, r.Stderr)
	}
}

func TestMissingSysfsIsUnsupported(t *testing.T) {
	fs := hptest.Copy(t, "numa2")
	os.RemoveAll(fs.Path("sys/kernel/mm/hugepages"))
	for _, args := range [][]string{{"hugepage"}, {"hugepage", "set", "2M", "--min", "1"}, {"hugepage", "explain"}} {
		r := hptest.Run(t, fs, args...)
		if r.Code != cmdutil.ExitUnsupported || !strings.Contains(r.Stderr, "not supported by this kernel") {
			t.Errorf("%v: exit %d, stderr %q", args, r.Code, r.Stderr)
		}
	}
}

func TestMountAndUmountValidation(t *testing.T) {
	fs := procfs.FS(hptest.Fixture("numa2"))
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"mount", "/mnt/x", "--size", "1G", "--max-size", "4G", "--min-size", "1G", "--nr-inodes", "9", "--uid", "0", "--gid", "0", "--mode", "1770", "--dry-run"}, 0,
			"dry run: would mount -t hugetlbfs -o pagesize=1073741824,size=4294967296,min_size=1073741824,nr_inodes=9,uid=0,gid=0,mode=1770 none /mnt/x\n", ""},
		{[]string{"mount", "/mnt/x", "--size", "4M"}, 2, "", "offered: 2M, 1G"},
		{[]string{"mount", "/mnt/x", "--min-size", "2G", "--max-size", "1G"}, 2, "", "larger than --max-size"},
		{[]string{"mount", "/mnt/x", "--mode", "99"}, 2, "", "invalid mode"},
		{[]string{"umount", "/mnt/huge 1g", "--dry-run"}, 0, "dry run: would umount /mnt/huge 1g\n", ""},
		{[]string{"umount", "/dev/shm"}, 3, "", "not a hugetlbfs mount"},
	} {
		r := hptest.Run(t, fs, append([]string{"hugepage"}, tc.args...)...)
		if r.Code != tc.code || r.Stdout != tc.stdout || !strings.Contains(r.Stderr, tc.stderr) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, r.Code, r.Stdout, r.Stderr)
		}
	}
}

func TestTestRefusesShortPool(t *testing.T) {
	r := hptest.Run(t, procfs.FS(hptest.Fixture("numa2")), "hugepage", "test", "--size", "1G", "--count", "5")
	if r.Code != cmdutil.ExitUnsupported || !strings.Contains(r.Stderr, "5 wanted, 1 available") || !strings.Contains(r.Stderr, "fill the pool with: ipcctl hugepage set 1G --min +4 (as root)") {
		t.Errorf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	r = hptest.Run(t, procfs.FS(hptest.Fixture("numa2")), "hugepage", "test", "--count", "0")
	if r.Code != 2 {
		t.Errorf("--count 0: exit %d", r.Code)
	}
}

// --dry-run checks the request exactly as the write does: the same
// warnings on stderr, and a stdout that says it is a dry run.
func TestSetDryRunWarnsLikeTheWrite(t *testing.T) {
	args := []string{"hugepage", "set", "2M", "--min", "13G"}
	dry := hptest.Copy(t, "numa2")
	before := snapshot(t, dry)
	d := hptest.Run(t, dry, append(args, "--dry-run")...)
	sameTree(t, before, snapshot(t, dry))
	wet := hptest.Copy(t, "numa2")
	os.WriteFile(wet.Path(pool2M+"surplus_hugepages"), []byte("0\n"), 0o644) // reads back what is written
	w := hptest.Run(t, wet, args...)
	if d.Code != 0 || !strings.HasPrefix(d.Stdout, "dry run: would write 6656 to ") || strings.Count(d.Stderr, "warning:") != 4 {
		t.Errorf("dry run: exit %d, stdout %q, stderr %q", d.Code, d.Stdout, d.Stderr)
	}
	if d.Stderr != w.Stderr || w.Stdout != "2M pool minimum: 512 → 6656 pages\n" {
		t.Errorf("the write warned %q and printed %q; the dry run warned %q", w.Stderr, w.Stdout, d.Stderr)
	}
}

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// These tests only READ the host's pools and THP settings; every write
// goes to a temp copy of a fixture tree through the hidden --fs-root flag.

// meminfo reads /proc/meminfo independently of ipcctl: name → number (kB or pages).
func meminfo(t *testing.T) map[string]uint64 {
	t.Helper()
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.Replace(sc.Text(), ":", " ", 1))
		if len(fields) >= 2 {
			v, _ := strconv.ParseUint(fields[1], 10, 64)
			out[fields[0]] = v
		}
	}
	return out
}

func runJSON(t *testing.T, args ...string) map[string][]map[string]any {
	t.Helper()
	r := testutil.Run(t, "", args...)
	if r.Code != 0 {
		t.Fatalf("ipcctl %v: exit %d: %s", args, r.Code, r.Stderr)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Stdout)
	}
	return got
}

func TestHugepageJSONAgreesWithMeminfo(t *testing.T) {
	nstest.Require(t)
	if _, err := os.Stat("/sys/kernel/mm/hugepages"); err != nil {
		t.Skip("no hugetlb on this kernel")
	}
	mi := meminfo(t)
	got := runJSON(t, "hugepage", "--json")
	var def map[string]any
	for _, p := range got["pools"] {
		if p["default"] == true {
			def = p
		}
	}
	if def == nil {
		t.Fatalf("no default pool in %v", got["pools"])
	}
	for key, field := range map[string]string{"pagesize": "Hugepagesize", "total": "HugePages_Total", "free": "HugePages_Free", "reserved": "HugePages_Rsvd", "surplus": "HugePages_Surp"} {
		want := float64(mi[field])
		if field == "Hugepagesize" {
			want *= 1024
		}
		if def[key] != want {
			t.Errorf("%s = %v, /proc/meminfo %s says %v", key, def[key], field, want)
		}
	}
	if got["memory"][0]["hugetlb"] != float64(mi["Hugetlb"]*1024) {
		t.Errorf("hugetlb = %v, /proc/meminfo says %d kB", got["memory"][0]["hugetlb"], mi["Hugetlb"])
	}
}

func TestTHPJSONAgreesWithSysfs(t *testing.T) {
	nstest.Require(t)
	const dir = "/sys/kernel/mm/transparent_hugepage/"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no THP on this kernel")
	}
	settings := map[string]any{}
	for _, row := range runJSON(t, "thp", "--json")["settings"] {
		settings[row["key"].(string)] = row["value"]
	}
	active := regexp.MustCompile(`\[([^\]]+)\]`)
	for _, name := range []string{"enabled", "defrag", "shmem_enabled"} {
		b, err := os.ReadFile(dir + name)
		if err != nil {
			continue
		}
		if m := active.FindSubmatch(b); m == nil || settings[name] != string(m[1]) {
			t.Errorf("%s = %v, sysfs says %q", name, settings[name], b)
		}
	}
	for key, file := range map[string]string{"hpage_pmd_size": "hpage_pmd_size", "khugepaged.pages_to_scan": "khugepaged/pages_to_scan"} {
		b, err := os.ReadFile(dir + file)
		if err != nil {
			continue
		}
		n, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if settings[key] != float64(n) {
			t.Errorf("%s = %v, sysfs says %d", key, settings[key], n)
		}
	}
}

func TestTHPTopSeesAChild(t *testing.T) {
	nstest.Require(t)
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	var found map[string]any
	for _, p := range runJSON(t, "thp", "top", "--limit", "0", "--json")["processes"] {
		if p["pid"] == float64(child.Process.Pid) {
			found = p
		}
	}
	if found == nil || found["command"] != "sleep" || found["thp_enabled"] == nil {
		t.Errorf("child %d in thp top: %v", child.Process.Pid, found)
	}
}

// hugepage test maps real huge pages, so it runs only when the host's
// default pool already has pages nobody has reserved.
func TestHugepageTestMapsFreePages(t *testing.T) {
	nstest.Require(t)
	mi := meminfo(t)
	if mi["HugePages_Free"] <= mi["HugePages_Rsvd"] {
		t.Skipf("the default huge page pool has no unreserved free pages (free %d, reserved %d); not growing the host's pool",
			mi["HugePages_Free"], mi["HugePages_Rsvd"])
	}
	r := testutil.Run(t, "", "hugepage", "test", "--count", "1")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "ok: mapped and touched 1 ") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.Code, r.Stdout, r.Stderr)
	}
}

func TestHugepageExitCodesOnFixtures(t *testing.T) {
	nstest.Require(t)
	fs := hptest.Copy(t, "numa2")
	os.RemoveAll(fs.Path("sys/kernel/mm/transparent_hugepage"))
	root := "--fs-root=" + string(fs)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"hugepage", root, "set", "5M", "--min", "1"}, 2, "offered: 2M, 1G, default"},
		{[]string{"thp", root}, 7, "not supported by this kernel"},
		{[]string{"hugepage", root, "umount", "/nowhere"}, 3, "not a hugetlbfs mount"},
		{[]string{"hugepage", root, "set", "2M", "--min", "600"}, 8, "asked for 600 pages, the kernel gave 588"},
	} {
		r := testutil.Run(t, "", tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tc.args, r.Code, r.Stderr, tc.code, tc.msg)
		}
	}
}

// An ordinary user cannot resize a pool or change THP: exit 4, nothing written.
func TestNonRootWritesAreRefused(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps no ordinary uid")
	}
	dir, err := os.MkdirTemp("", "ipcctl-hugepage-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	if out, err := exec.Command("cp", "-a", hptest.Fixture("numa2")+"/.", dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	// The binary may sit in a directory only root can enter: give uid 1000 its own copy.
	bin := filepath.Join(dir, "ipcctl")
	if out, err := exec.Command("cp", testutil.Binary(t), bin).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	pool := filepath.Join(dir, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")
	enabled := filepath.Join(dir, "sys/kernel/mm/transparent_hugepage/enabled")
	for _, args := range [][]string{
		{"hugepage", "--fs-root", dir, "set", "2M", "--min", "1", "--max", "100"},
		{"thp", "--fs-root", dir, "set", "enabled=never"},
	} {
		cmd := exec.Command(bin, args...)
		nstest.AsUser(cmd, 1000, 1000)
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 4 || !strings.Contains(string(out), "permission denied") {
			t.Errorf("%v as uid 1000: %v, %s", args, err, out)
		}
	}
	if b, _ := os.ReadFile(pool); string(b) != "512\n" {
		t.Errorf("pool changed: %q", b)
	}
	if b, _ := os.ReadFile(enabled); string(b) != "[always] madvise never\n" {
		t.Errorf("enabled changed: %q", b)
	}
}

// Mounting hugetlbfs needs CAP_SYS_ADMIN in the initial user namespace.
// Where the test namespace has it the mount is checked through
// /proc/self/mounts; otherwise (a user namespace, as here) the refusal
// must be exit 4 with the kernel's EPERM on stderr, naming the directory,
// and nothing may have been mounted.
func TestHugepageMountUmount(t *testing.T) {
	nstest.Require(t)
	if _, err := os.Stat("/sys/kernel/mm/hugepages"); err != nil {
		t.Skip("no hugetlb on this kernel")
	}
	dir := t.TempDir()
	mounts := func() []string {
		b, err := os.ReadFile("/proc/self/mounts")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	before := mounts()
	r := testutil.Run(t, "", "hugepage", "mount", dir, "--max-size", "4M")
	if r.Code == 4 {
		want := "ipcctl: hugepage mount " + dir + ": operation not permitted"
		if r.Stdout != "" || strings.TrimSpace(r.Stderr) != want {
			t.Errorf("refused mount: stdout %q, stderr %q; want nothing and %q", r.Stdout, r.Stderr, want)
		}
		for _, m := range mounts() {
			if !slices.Contains(before, m) {
				t.Errorf("a refused mount left a new mount: %s", m)
			}
		}
		t.Logf("hugetlbfs cannot be mounted here: %s", strings.TrimSpace(r.Stderr))
		return
	}
	if r.Code != 0 {
		t.Fatalf("mount: exit %d: %s", r.Code, r.Stderr)
	}
	if !strings.Contains(strings.Join(mounts(), "\n"), " "+dir+" hugetlbfs ") {
		t.Errorf("%s not in /proc/self/mounts", dir)
	}
	if r := testutil.Run(t, "", "hugepage", "umount", dir); r.Code != 0 {
		t.Fatalf("umount: exit %d: %s", r.Code, r.Stderr)
	}
	if strings.Contains(strings.Join(mounts(), "\n"), " "+dir+" hugetlbfs ") {
		t.Errorf("%s still mounted", dir)
	}
}

// anonHugePages reads this process's AnonHugePages (bytes) from smaps_rollup, independently of ipcctl.
func anonHugePages(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^AnonHugePages:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no AnonHugePages in %s", b)
	}
	v, _ := strconv.ParseUint(string(m[1]), 10, 64)
	return v << 10
}

// A child that maps memory with MADV_HUGEPAGE shows up in thp top with
// the AnonHugePages its smaps_rollup reports (THP use needs no setting
// changed: enabled=madvise or always is enough; with never it is 0 on both sides).
func TestTHPTopAgreesWithSmapsRollup(t *testing.T) {
	nstest.Require(t)
	src := `import mmap, ctypes, sys, time
libc = ctypes.CDLL(None)
m = mmap.mmap(-1, 8 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
aligned = (addr + (2 << 20) - 1) & ~((2 << 20) - 1)
libc.madvise(ctypes.c_void_p(aligned), ctypes.c_size_t(4 << 20), 14)  # MADV_HUGEPAGE
for off in range(0, 8 << 20, 4096):
    m[off] = 1
print("ready", flush=True)
sys.stdin.read()
`
	cmd := exec.Command("/usr/bin/python3", "-c", src)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Skipf("no /usr/bin/python3: %v", err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("child: %q %v", line, err)
	}
	pid := cmd.Process.Pid
	want := anonHugePages(t, pid)
	var found map[string]any
	for _, p := range runJSON(t, "thp", "top", "--limit", "0", "--json")["processes"] {
		if p["pid"] == float64(pid) {
			found = p
		}
	}
	if found == nil || found["anon_huge_pages"] != float64(want) {
		t.Errorf("thp top row for %d = %v; smaps_rollup says AnonHugePages %d", pid, found, want)
	}
	t.Logf("child AnonHugePages: %d bytes", want)
}

// Each node's pool in `hugepage --json` matches its sysfs files, read here directly.
func TestHugepageNodesAgreeWithSysfs(t *testing.T) {
	nstest.Require(t)
	rows := runJSON(t, "hugepage", "--json")["nodes"]
	dirs, _ := filepath.Glob("/sys/devices/system/node/node*/hugepages/hugepages-*kB")
	if len(dirs) == 0 {
		t.Skip("no per-node huge page pools")
	}
	if len(rows) != len(dirs) {
		t.Fatalf("%d node rows, %d sysfs pools", len(rows), len(dirs))
	}
	num := func(path string) float64 {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		return float64(v)
	}
	for _, dir := range dirs {
		var node int
		var kb uint64
		if _, err := fmt.Sscanf(dir, "/sys/devices/system/node/node%d/hugepages/hugepages-%dkB", &node, &kb); err != nil {
			t.Fatalf("unexpected sysfs path %s: %v", dir, err)
		}
		found := false
		for _, r := range rows {
			if r["node"] == float64(node) && r["pagesize"] == float64(kb<<10) {
				found = true
				if r["total"] != num(dir+"/nr_hugepages") || r["free"] != num(dir+"/free_hugepages") || r["surplus"] != num(dir+"/surplus_hugepages") {
					t.Errorf("node %d %dkB: row %v disagrees with %s", node, kb, r, dir)
				}
			}
		}
		if !found {
			t.Errorf("no row for %s", dir)
		}
	}
}

// sysfsUint reads one number from a sysfs file, independently of ipcctl.
func sysfsUint(t *testing.T, path string) uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// An empty (or too small) pool gives the same exit status, 7, and the
// same fix from every command that wants huge pages: create shm
// --hugetlb, hugepage test and mmap anon --hugetlb. The pool's figures
// are read here from sysfs; the host's pool is never changed.
func TestEmptyPoolSameErrorEverywhere(t *testing.T) {
	nstest.Require(t)
	mi := meminfo(t)
	pageKB := mi["Hugepagesize"]
	if pageKB == 0 {
		t.Skip("no default huge page size")
	}
	dir := fmt.Sprintf("/sys/kernel/mm/hugepages/hugepages-%dkB/", pageKB)
	free, resv := sysfsUint(t, dir+"free_hugepages"), sysfsUint(t, dir+"resv_hugepages")
	total, surplus, over := sysfsUint(t, dir+"nr_hugepages"), sysfsUint(t, dir+"surplus_hugepages"), sysfsUint(t, dir+"nr_overcommit_hugepages")
	room := free - min(free, resv)
	if maxPages := total - surplus + over; maxPages > total {
		room += maxPages - total
	}
	if room > 4096 {
		t.Skipf("the default pool can give %d pages; not asking for more", room)
	}
	want := room + 1 // one page more than the pool can give
	page := pageKB << 10
	name := fmt.Sprintf("%dM", pageKB>>10)
	if pageKB>>10<<10 != pageKB {
		name = fmt.Sprintf("%dK", pageKB)
	}
	size := strconv.FormatUint(want*page, 10)
	wantMsg := fmt.Sprintf("not enough free %s huge pages: %d wanted, %d available (pool %d, free %d, reserved %d", name, want, room, total, free, resv)
	wantFix := fmt.Sprintf("; fill the pool with: ipcctl hugepage set %s --min +1 (as root)\n", name)
	segments := func() int {
		b, _ := os.ReadFile("/proc/sysvipc/shm")
		return strings.Count(string(b), "\n") - 1
	}
	before := segments()
	for _, args := range [][]string{
		{"create", "shm", "--size", size, "--hugetlb"},
		{"hugepage", "test", "--count", strconv.FormatUint(want, 10)},
		{"mmap", "anon", "--size", size, "--hugetlb", "--hugepage-size", name},
	} {
		r := testutil.Run(t, "", args...)
		if r.Code != 7 || !strings.Contains(r.Stderr, wantMsg) || !strings.HasSuffix(r.Stderr, wantFix) || r.Stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 7, %q ... %q", args, r.Code, r.Stdout, r.Stderr, wantMsg, wantFix)
		}
	}
	if after := segments(); after != before {
		t.Errorf("%d segments before, %d after: a refused create left one", before, after)
	}
}

// smapsRegion reads the /proc/PID/smaps block of the mapping at addr,
// independently of ipcctl's parser: its AnonHugePages (bytes) and VmFlags.
func smapsRegion(t *testing.T, pid int, addr uint64) (anonHuge uint64, flags []string) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		t.Fatal(err)
	}
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		if start, _, ok := strings.Cut(line, "-"); ok && !strings.Contains(start, ":") && !strings.Contains(start, " ") {
			v, err := strconv.ParseUint(start, 16, 64)
			in = err == nil && v == addr
			continue
		}
		if !in {
			continue
		}
		if v, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			anonHuge = kb << 10
		}
		if v, ok := strings.CutPrefix(line, "VmFlags:"); ok {
			return anonHuge, strings.Fields(v)
		}
	}
	t.Fatalf("no mapping at %#x in /proc/%d/smaps", addr, pid)
	return 0, nil
}

// mmap anon --advise hugepage applies MADV_HUGEPAGE before faulting the
// pages in: the holding process's /proc/PID/smaps shows the "hg" VM flag
// on the region and the same AnonHugePages ipcctl reported. (THP itself
// depends on the host's enabled setting, which is only read here.)
func TestMmapAnonAdviseHugepage(t *testing.T) {
	nstest.Require(t)
	enabled, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		t.Skip("no THP on this kernel")
	}
	cmd := exec.Command(testutil.Binary(t), "mmap", "anon", "--size", "16M", "--advise", "hugepage", "--populate", "--hold", "--json", "-o", "address,anon_huge,rss")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// The table comes first, then "holding ..." once SIGTERM is handled.
	if line, err := bufio.NewReader(stderr).ReadString('\n'); err != nil || !strings.Contains(line, "holding") {
		t.Fatalf("ipcctl did not hold: %q %v", line, err)
	}
	var out struct {
		Anon []struct {
			Address  string  `json:"address"`
			AnonHuge float64 `json:"anon_huge"`
			RSS      float64 `json:"rss"`
		} `json:"anon"`
	}
	if err := json.NewDecoder(stdout).Decode(&out); err != nil || len(out.Anon) != 1 {
		t.Fatalf("ipcctl output: %v %+v", err, out)
	}
	addr, err := strconv.ParseUint(strings.TrimPrefix(out.Anon[0].Address, "0x"), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	anonHuge, flags := smapsRegion(t, cmd.Process.Pid, addr)
	if !slices.Contains(flags, "hg") {
		t.Errorf("VmFlags %v of the mapping lack hg (MADV_HUGEPAGE)", flags)
	}
	if float64(anonHuge) != out.Anon[0].AnonHuge || out.Anon[0].RSS != 16<<20 {
		t.Errorf("ipcctl reported anon_huge %v rss %v; smaps says AnonHugePages %d", out.Anon[0].AnonHuge, out.Anon[0].RSS, anonHuge)
	}
	t.Logf("THP enabled: %s; AnonHugePages %d", strings.TrimSpace(string(enabled)), anonHuge)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v", err)
	}

	if r := testutil.Run(t, "", "mmap", "anon", "--size", "1M", "--advise", "bogus"); r.Code != 2 || !strings.Contains(r.Stderr, "want one of") {
		t.Errorf("--advise bogus: exit %d, %q", r.Code, r.Stderr)
	}
}

// vmstatValue reads one /proc/vmstat counter, independently of ipcctl.
func vmstatValue(t *testing.T, name string) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/vmstat")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			n, _ := strconv.ParseUint(v, 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in /proc/vmstat", name)
	return 0
}

// thp stats --interval --json prints one JSON document per line per
// sample, listing only counters that moved during that interval. A child
// faulting in THPs (mmap anon --advise hugepage) makes thp_fault_alloc
// move; its value agrees with /proc/vmstat read before and after.
func TestTHPStatsShowsWhatMoved(t *testing.T) {
	nstest.Require(t)
	enabled, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(enabled), "[never]") {
		t.Skipf("THP is off or missing here (%q)", enabled)
	}
	cmd := exec.Command(testutil.Binary(t), "thp", "stats", "--interval", "200ms", "--count", "25", "--json")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	type sample struct {
		Time     string `json:"time"`
		Counters []struct {
			Size    *float64 `json:"size"`
			Counter string   `json:"counter"`
			Value   float64  `json:"value"`
			Rate    *float64 `json:"rate"`
		} `json:"counters"`
	}
	last := map[string]float64{} // a counter listed again must have changed
	read := func() (sample, bool) {
		if !lines.Scan() {
			return sample{}, false
		}
		var s sample
		if err := json.Unmarshal(lines.Bytes(), &s); err != nil || s.Time == "" {
			t.Fatalf("sample line %q: %v", lines.Text(), err)
		}
		for _, c := range s.Counters {
			key := c.Counter
			if c.Size != nil {
				key = fmt.Sprintf("%s@%v", c.Counter, *c.Size)
			}
			// mTHP stats hold gauges too (nr_anon goes down): moved means changed.
			if v, seen := last[key]; (seen && c.Value == v) || c.Rate == nil {
				t.Errorf("%s listed without moving: %v after %v (line %s)", key, c.Value, v, lines.Text())
			}
			last[key] = c.Value
		}
		return s, true
	}
	if _, ok := read(); !ok { // the first interval has passed: stats has its baseline
		t.Fatal("no first sample")
	}
	before := vmstatValue(t, "thp_fault_alloc")
	r := testutil.Run(t, "", "mmap", "anon", "--size", "64M", "--advise", "hugepage", "--populate", "--json", "-o", "anon_huge")
	var anon struct {
		Anon []struct {
			AnonHuge uint64 `json:"anon_huge"`
		} `json:"anon"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &anon); r.Code != 0 || err != nil || len(anon.Anon) != 1 {
		t.Fatalf("mmap anon: exit %d %v %q %q", r.Code, err, r.Stdout, r.Stderr)
	}
	thps := anon.Anon[0].AnonHuge / (2 << 20)
	if thps == 0 {
		t.Skip("the kernel backed the advised mapping with no THP (memory fragmented?)")
	}
	for {
		s, ok := read()
		if !ok {
			t.Fatalf("thp_fault_alloc never listed after %d THPs were faulted in", thps)
		}
		// A sample taken while the child was faulting pages in shows part
		// of them; a later one shows all.
		for _, c := range s.Counters {
			if c.Counter == "thp_fault_alloc" && c.Size == nil {
				if after := vmstatValue(t, "thp_fault_alloc"); uint64(c.Value) > after {
					t.Fatalf("thp_fault_alloc = %v; /proc/vmstat says %d now", c.Value, after)
				}
				if uint64(c.Value) >= before+thps {
					return
				}
			}
		}
	}
}

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// lsDoc runs `ipcctl ls ARGS --json` and decodes it.
func lsDoc(t *testing.T, args ...string) map[string][]map[string]any {
	t.Helper()
	r := testutil.Run(t, "", append(append([]string{"ls"}, args...), "--json")...)
	if r.Code != 0 {
		t.Fatalf("ls %v: exit %d %s", args, r.Code, r.Stderr)
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatalf("ls %v: %v\n%s", args, err, r.Stdout)
	}
	return doc
}

// names lists a field of every object of a kind, as text.
func fieldOf(objs []map[string]any, field string) []string {
	var out []string
	for _, o := range objs {
		out = append(out, strings.TrimSuffix(strings.TrimSuffix(strconvAny(o[field]), ".0"), "e+00"))
	}
	slices.Sort(out)
	return out
}

func strconvAny(v any) string {
	switch v := v.(type) {
	case float64:
		return strconv.FormatInt(int64(v), 10)
	case string:
		return v
	}
	return ""
}

// startContainer is a "container" (user + IPC + mount namespaces, its own
// /dev/shm and mqueue) with one object of each kind; the test's own
// namespace has objects with the same key and names, so a mix-up shows.
func startContainer(t *testing.T) *nschild.Child {
	t.Helper()
	ct := nschild.Start(t, nschild.Spec{Container: true, ShmSize: "3m",
		Do: []string{"shm 0x1234 4096", "sem 0x5678 3", "msg 0x9abc", "pshm data 8192", "psem lock 1", "mq q1"}})
	newShm(t, 100, 0o600)
	os.WriteFile("/dev/shm/data", make([]byte, 100), 0o600)
	os.WriteFile("/dev/shm/ours", make([]byte, 1), 0o600)
	t.Cleanup(func() { os.Remove("/dev/shm/data"); os.Remove("/dev/shm/ours") })
	return ct
}

// ls --ns PID shows exactly what the container itself sees (its own
// /proc/sysvipc, /dev/shm and /dev/mqueue), of all six kinds, and none
// of the caller's objects; ls -A shows both namespaces, told apart by ns.
func TestLsOtherNamespaces(t *testing.T) {
	nstest.Require(t)
	ct := startContainer(t)
	pid := strconv.Itoa(ct.PID)
	doc := lsDoc(t, "--ns", pid)
	for _, kind := range []string{"shm", "sem", "msg", "pshm", "psem", "mq"} {
		if _, ok := doc[kind]; !ok {
			t.Errorf("ls --ns has no %s table", kind)
		}
	}
	rep := ct.Last
	for kind, ids := range rep.IDs {
		got := fieldOf(doc[kind], "id")
		var want []string
		for _, id := range ids {
			want = append(want, strconv.Itoa(id))
		}
		if !slices.Equal(got, want) {
			t.Errorf("ls --ns %s ids = %v, the container has %v (its /proc/sysvipc/%s:\n%s)", kind, got, want, kind, rep.SysvIPC[kind])
		}
	}
	if got := fieldOf(doc["pshm"], "name"); !slices.Equal(got, []string{"/data"}) {
		t.Errorf("ls --ns pshm = %v, the container's /dev/shm has %v", got, rep.DevShm)
	}
	if got := fieldOf(doc["psem"], "name"); !slices.Equal(got, []string{"/lock"}) {
		t.Errorf("ls --ns psem = %v", got)
	}
	if got := fieldOf(doc["mq"], "name"); !slices.Equal(got, []string{"/q1"}) {
		t.Errorf("ls --ns mq = %v, the container's /dev/mqueue has %v", got, rep.Mqueue)
	}
	if got := fieldOf(doc["pshm"], "size"); !slices.Equal(got, []string{"8192"}) {
		t.Errorf("ls --ns pshm sizes %v: ours, not the container's", got)
	}

	all := lsDoc(t, "-A")
	seen := map[string][]string{}
	for _, o := range all["shm"] {
		seen[strconvAny(o["ns"])] = append(seen[strconvAny(o["ns"])], strconvAny(o["container"]))
	}
	if len(seen) < 2 {
		t.Errorf("ls -A shm: objects of %d namespaces, want ours and the container's: %v", len(seen), all["shm"])
	}
	ctNS := strings.TrimSuffix(strings.TrimPrefix(rep.IPCNS, "ipc:["), "]")
	if _, ok := seen[ctNS]; !ok {
		t.Errorf("ls -A has no object in the container's namespace %s: %v", ctNS, seen)
	}
	for _, kind := range []string{"pshm", "mq"} {
		var inCt []string
		for _, o := range all[kind] {
			if strconvAny(o["ns"]) == ctNS {
				inCt = append(inCt, strconvAny(o["name"]))
			}
		}
		if len(inCt) != 1 {
			t.Errorf("ls -A %s in the container's namespace: %v", kind, inCt)
		}
	}
	if r := testutil.Run(t, "", "ls", "-A", "shm", "-o", "ns,container,id", "--raw", "-n"); r.Code != 0 || !strings.Contains(r.Stdout, ctNS+" ") {
		t.Errorf("ls -A -o ns,container,id: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
}

// metrics --ns and limits --ns report the container's own limits (each
// IPC namespace has its own kernel.shmmni and fs.mqueue.queues_max) and
// its objects, not the caller's.
func TestMetricsOtherNamespace(t *testing.T) {
	nstest.Require(t)
	ct := nschild.Start(t, nschild.Spec{Container: true, ShmSize: "3m",
		Do: []string{"sysctl kernel/shmmni 1234", "sysctl fs/mqueue/queues_max 77", "shm 0x1234 4096", "shm 0x1235 4096"}})
	pid := strconv.Itoa(ct.PID)
	r := testutil.Run(t, "", "metrics", "--ns", pid)
	if r.Code != 0 {
		t.Fatalf("metrics --ns: exit %d %s", r.Code, r.Stderr)
	}
	for _, want := range []string{"ipcctl_shm_segments_limit 1234\n", "ipcctl_mq_queues_limit 77\n", "ipcctl_shm_segments 2\n"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("metrics --ns has no %q", strings.TrimSpace(want))
		}
	}
	r = testutil.Run(t, "", "limits", "--ns", pid, "--json")
	var doc struct {
		Limits []struct {
			Name string  `json:"resource"`
			Max  *uint64 `json:"limit"`
		} `json:"limits"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil || r.Code != 0 {
		t.Fatalf("limits --ns: exit %d %v %s", r.Code, err, r.Stderr)
	}
	found := map[string]uint64{}
	for _, l := range doc.Limits {
		if l.Max != nil {
			found[l.Name] = *l.Max
		}
	}
	if found["SHMMNI"] != 1234 || found["QUEUES_MAX"] != 77 {
		t.Errorf("limits --ns: SHMMNI %d, QUEUES_MAX %d; the container has 1234 and 77", found["SHMMNI"], found["QUEUES_MAX"])
	}
}

// metrics -A exports the IPC figures of every namespace, each labelled
// ns with the inode ls -A shows, and the host's memory figures once, with
// ns="" (no label, to Prometheus); the text passes promtool's lint.
func TestMetricsAllNamespaces(t *testing.T) {
	nstest.Require(t)
	ct := nschild.Start(t, nschild.Spec{Container: true, ShmSize: "3m",
		Do: []string{"shm 0x1234 4096", "shm 0x1235 4096", "mq q1"}})
	newShm(t, 100, 0o600)
	ctNS := strings.TrimSuffix(strings.TrimPrefix(ct.Last.IPCNS, "ipc:["), "]")
	self, err := os.Readlink("/proc/self/ns/ipc")
	if err != nil {
		t.Fatal(err)
	}
	ourNS := strings.TrimSuffix(strings.TrimPrefix(self, "ipc:["), "]")
	r := testutil.Run(t, "", "metrics", "-A")
	if r.Code != 0 {
		t.Fatalf("metrics -A: exit %d %s", r.Code, r.Stderr)
	}
	lines := strings.Split(r.Stdout, "\n")
	for _, want := range []string{
		`ipcctl_shm_segments{ns="` + ctNS + `"} 2`,
		`ipcctl_mq_queues{ns="` + ctNS + `"} 1`,
		`ipcctl_scrape_collector_success{collector="meminfo",ns=""} 1`,
		`ipcctl_scrape_collector_success{collector="shm",ns="` + ctNS + `"} 1`,
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("metrics -A has no line %s", want)
		}
	}
	if !strings.Contains(r.Stdout, `ipcctl_shm_segments{ns="`+ourNS+`"} `) {
		t.Errorf("metrics -A has no shm count for our namespace %s", ourNS)
	}
	if strings.Contains(r.Stdout, `collector="meminfo",ns="`+ctNS) {
		t.Error("metrics -A exports the host's meminfo once per namespace")
	}
	problems, err := promlint.New(strings.NewReader(r.Stdout)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	if r := testutil.Run(t, "", "metrics", "-A", "--ns", strconv.Itoa(ct.PID)); r.Code != 2 {
		t.Errorf("metrics -A --ns: exit %d, want 2", r.Code)
	}
}

// --ns of a process the caller may not enter exits 4; of a gone process, 3.
func TestNsRefusals(t *testing.T) {
	nstest.Require(t)
	ct := startContainer(t)
	if r := testutil.Run(t, "", "ls", "--ns", "2147483000"); r.Code != 3 {
		t.Errorf("--ns of no process: exit %d %q, want 3", r.Code, r.Stderr)
	}
	if r := testutil.Run(t, "", "ls", "--ns", "/etc/hostname"); r.Code != 2 {
		t.Errorf("--ns of a file that is no namespace: exit %d %q, want 2", r.Code, r.Stderr)
	}
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps only one uid")
	}
	r := asUser1000(t)("ls", "--ns", strconv.Itoa(ct.PID))
	if r.Code != 4 {
		t.Errorf("--ns of root's container as uid 1000: exit %d %q, want 4", r.Code, r.Stderr)
	}
}

// show lists who attaches a segment and who holds a POSIX object: the
// processes the test started, as they report themselves.
func TestShowHolders(t *testing.T) {
	nstest.Require(t)
	id := newShm(t, 8192, 0o600)
	sid := strconv.Itoa(id)
	a := nschild.Start(t, nschild.Spec{Do: []string{"shmatid " + sid, "shmatid " + sid}})
	b := nschild.Start(t, nschild.Spec{Do: []string{"shmatid " + sid}})
	os.WriteFile("/dev/shm/e2e-held", make([]byte, 4096), 0o600)
	t.Cleanup(func() { os.Remove("/dev/shm/e2e-held") })
	c := nschild.Start(t, nschild.Spec{Do: []string{"open e2e-held", "map e2e-held"}})

	var rec map[string]any
	r := testutil.Run(t, "", "show", "shm", sid, "--json")
	if err := json.Unmarshal([]byte(r.Stdout), &rec); err != nil || r.Code != 0 {
		t.Fatalf("show shm: %v %s", err, r.Stderr)
	}
	var pids []string
	for _, h := range rec["holders"].([]any) {
		pids = append(pids, strconvAny(h.(map[string]any)["pid"]))
		if m := h.(map[string]any); strconvAny(m["pid"]) == strconv.Itoa(a.PID) && (m["maps"] != float64(2) || m["how"] != "mapped") {
			t.Errorf("holder %v: want 2 maps, mapped", m)
		}
	}
	slices.Sort(pids)
	want := []string{strconv.Itoa(a.PID), strconv.Itoa(b.PID)}
	slices.Sort(want)
	if !slices.Equal(pids, want) || rec["nattch"] != float64(3) {
		t.Errorf("show shm holders %v (nattch %v), want %v", pids, rec["nattch"], want)
	}
	r = testutil.Run(t, "", "show", "pshm", "/e2e-held")
	if !strings.Contains(r.Stdout, "------ Holders ------") || !strings.Contains(r.Stdout, strconv.Itoa(c.PID)+" mapped,fd") {
		t.Errorf("show pshm: %s %s", r.Stdout, r.Stderr)
	}
	// The columns, in every format; a creator that is gone shows so.
	for _, format := range [][]string{nil, {"--json"}, {"--raw"}, {"--export"}} {
		r := testutil.Run(t, "", append([]string{"ls", "shm", "-o", "+command,holders"}, format...)...)
		if r.Code != 0 || !strings.Contains(r.Stdout, strconv.Itoa(a.PID)+":") {
			t.Errorf("ls shm -o +command,holders %v: exit %d %q %s", format, r.Code, r.Stdout, r.Stderr)
		}
	}
	id2 := startGoneCreator(t)
	r = testutil.Run(t, "", "ls", "shm", "-o", "id,command", "--raw", "-n")
	if !strings.Contains(r.Stdout, strconv.Itoa(id2)+" (exited)") {
		t.Errorf("a gone creator is not shown as such: %q", r.Stdout)
	}
}

// startGoneCreator makes a segment from a process that then exits.
func startGoneCreator(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("ipcmk", "-M", "4096").Output()
	if err != nil {
		t.Skipf("ipcmk: %v", err)
	}
	f := strings.Fields(string(out))
	id, _ := strconv.Atoi(f[len(f)-1])
	t.Cleanup(func() { exec.Command("ipcrm", "-m", strconv.Itoa(id)).Run() })
	return id
}

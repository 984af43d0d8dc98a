package metrics

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// TestPrometheus runs Debian's Prometheus server and node_exporter on
// loopback ports, with ipcctl's figures reaching Prometheus both ways:
// node_exporter's textfile collector reading what `ipcctl metrics --out`
// wrote (job "node"), and `ipcctl serve` (job "ipcctl"). Everything runs
// in this package's private IPC namespace, so the figures are those of
// the objects makeObjects created; they are read back through
// Prometheus' HTTP query API. docs/alerts.yml is loaded too: every rule
// must evaluate without error, and the orphaned-segment alert must be
// pending on the orphan the test made.
func TestPrometheus(t *testing.T) {
	nstest.Require(t)
	prom := lookTool(t, "prometheus")
	nodeExporter := lookTool(t, "prometheus-node-exporter")
	o := makeObjects(t)
	dir := t.TempDir()

	// The textfile route: a file node_exporter re-reads at every scrape.
	textDir := filepath.Join(dir, "textfile")
	if err := os.Mkdir(textDir, 0o755); err != nil {
		t.Fatal(err)
	}
	ipcctl(t, "metrics", "--per-object", "--out", filepath.Join(textDir, "ipcctl.prom"))
	nodeAddr := freeAddr(t)
	daemon(t, "node_exporter", nodeExporter, "--web.listen-address="+nodeAddr,
		"--collector.disable-defaults", "--collector.textfile", "--collector.textfile.directory="+textDir)

	serveAddr := startServe(t, "--per-object")

	alerts, err := filepath.Abs("../../docs/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: node
    static_configs: [{targets: [%q]}]
  - job_name: ipcctl
    static_configs: [{targets: [%q]}]
`, alerts, nodeAddr, serveAddr)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	promAddr := freeAddr(t)
	daemon(t, "prometheus", prom, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	api := "http://" + promAddr + "/api/v1/"

	// Both targets up, each having delivered a scrape with ipcctl figures.
	waitFor(t, 25*time.Second, "both targets scraped", func() bool {
		v := query(t, api, `count(ipcctl_shm_segments) by (job)`)
		return len(v) == 2
	})

	for _, job := range []string{"node", "ipcctl"} {
		for _, tc := range []struct {
			expr string
			want float64
		}{
			{`ipcctl_shm_segments`, 4},
			{`ipcctl_shm_bytes`, shmIdleSize + shmOrphanSize + shmHeldSize + shmDestSize},
			{`ipcctl_shm_orphaned_segments`, 2},
			{`ipcctl_shm_orphaned_bytes`, shmOrphanSize + shmIdleSize},
			{`ipcctl_shm_dest_segments`, 1},
			{fmt.Sprintf(`ipcctl_shm_segment_size_bytes{id="%d"}`, o.shmOrphan), shmOrphanSize},
			{fmt.Sprintf(`ipcctl_shm_segment_attached_processes{id="%d"}`, o.shmHeld), 1},
			{`ipcctl_sem_waiters{wait="increase"}`, 1},
			{fmt.Sprintf(`ipcctl_sem_set_semaphores{id="%d"}`, o.sem), 2},
			{`ipcctl_msg_messages`, msgBodies},
			{fmt.Sprintf(`ipcctl_msg_queue_bytes{id="%d"}`, o.msg), msgBytes},
			{`ipcctl_pshm_object_size_bytes{name="/frames"}`, pshmSize},
			{`ipcctl_psem_semaphore_waiters{name="/lock"}`, 1},
			{`ipcctl_mq_queue_messages{name="/q"}`, mqMessages},
			{`ipcctl_shm_segments / ipcctl_shm_segments_limit`, 4 / limitOf(t, "SHMMNI")},
			{`min(ipcctl_scrape_collector_success)`, 1},
		} {
			expr := jobAll(tc.expr, job)
			v := query(t, api, expr)
			if len(v) != 1 {
				t.Errorf("%s: %d series, want 1", expr, len(v))
				continue
			}
			if v[0] != tc.want {
				t.Errorf("%s = %v, want %v", expr, v[0], tc.want)
			}
		}
	}
	// serve's own process is scraped too.
	if v := query(t, api, `process_start_time_seconds{job="ipcctl"}`); len(v) != 1 {
		t.Errorf("process_start_time_seconds of serve: %v", v)
	}

	// Every query of the Grafana dashboard runs and returns series:
	// those about IPC on any kernel, those about huge pages, THP and
	// meminfo wherever the kernel has the file they are read from. rate()
	// needs two samples of a series: wait for a second scrape first.
	waitFor(t, 10*time.Second, "a second scrape of each job", func() bool {
		return len(query(t, api, `count_over_time(ipcctl_shm_segments[5m]) >= 2`)) == 2
	})
	for _, e := range dashboardExprs(t) {
		if strings.HasPrefix(e, "label_values(") {
			e = strings.TrimSuffix(strings.TrimPrefix(e, "label_values("), ", instance)")
		}
		e = strings.ReplaceAll(e, "$instance", ".*")
		var r struct {
			Status string
			Data   struct{ Result []json.RawMessage }
		}
		if !get(t, api+"query?query="+url.QueryEscape(e), &r) || r.Status != "success" {
			t.Errorf("dashboard query %q failed", e)
			continue
		}
		if len(r.Data.Result) == 0 {
			if why := kernelLacks(e); why != "" {
				t.Logf("dashboard query %q returned nothing: this kernel has %s", e, why)
				continue
			}
			t.Errorf("dashboard query %q returned nothing", e)
		}
	}

	// The suggested alert rules: evaluated against these series without
	// error, and the orphan alert waiting out its "for".
	waitFor(t, 10*time.Second, "the alert rules evaluated", func() bool {
		var r struct {
			Data struct {
				Groups []struct {
					Rules []struct {
						Name, Health, LastError string
					}
				}
			}
		}
		get(t, api+"rules", &r)
		n := 0
		for _, g := range r.Data.Groups {
			for _, rule := range g.Rules {
				if rule.Health == "err" {
					t.Fatalf("rule %s: %s", rule.Name, rule.LastError)
				}
				if rule.Health == "ok" {
					n++
				}
			}
		}
		return n == 17
	})
	waitFor(t, 10*time.Second, "SysvShmOrphaned pending for both jobs", func() bool {
		var r struct {
			Data struct {
				Alerts []struct {
					Labels map[string]string
					State  string
				}
			}
		}
		get(t, api+"alerts", &r)
		jobs := map[string]bool{}
		for _, a := range r.Data.Alerts {
			if a.Labels["alertname"] == "SysvShmOrphaned" && a.State == "pending" {
				jobs[a.Labels["job"]] = true
			}
		}
		return jobs["node"] && jobs["ipcctl"]
	})
}

// withJob adds a job matcher to a selector.
func withJob(sel, job string) string {
	if i := strings.IndexByte(sel, '{'); i >= 0 {
		return sel[:i+1] + `job="` + job + `",` + sel[i+1:]
	}
	return sel + `{job="` + job + `"}`
}

// jobAll adds the job matcher to every ipcctl_ selector of expr.
func jobAll(expr, job string) string {
	var b strings.Builder
	for {
		i := strings.Index(expr, "ipcctl_")
		if i < 0 {
			b.WriteString(expr)
			return b.String()
		}
		b.WriteString(expr[:i])
		expr = expr[i:]
		j := strings.IndexFunc(expr, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') })
		if j < 0 {
			j = len(expr)
		}
		name := expr[:j]
		expr = expr[j:]
		if strings.HasPrefix(expr, "{") {
			k := strings.IndexByte(expr, '}')
			b.WriteString(withJob(name+expr[:k+1], job))
			expr = expr[k+1:]
		} else {
			b.WriteString(withJob(name, job))
		}
	}
}

// limitOf reads one limit from `ipcctl limits --json`.
func limitOf(t *testing.T, resource string) float64 {
	t.Helper()
	var lim struct{ Limits []limitRow }
	decodeJSON(t, ipcctl(t, "limits", "--json"), &lim)
	for _, l := range lim.Limits {
		if l.Resource == resource {
			return num(t, l.Limit)
		}
	}
	t.Fatalf("no %s in limits", resource)
	return 0
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// daemon starts a server in the test's namespaces, its output kept for
// the log, and kills it when the test ends.
func daemon(t *testing.T, name, path string, args ...string) {
	t.Helper()
	logFile, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("%s output:\n%s", name, b)
		}
		logFile.Close()
	})
}

// startServe runs `ipcctl serve` on a free loopback port and returns the
// address it printed. At the end of the test it is stopped with SIGTERM
// and must exit 0.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t), append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	if !lines.Scan() {
		cmd.Process.Kill()
		t.Fatalf("serve printed nothing: %v", cmd.Wait())
	}
	first := lines.Text()
	addr, ok := strings.CutPrefix(first, "ipcctl serve: listening on http://")
	addr, ok2 := strings.CutSuffix(addr, "/metrics")
	if !ok || !ok2 {
		cmd.Process.Kill()
		t.Fatalf("serve said %q", first)
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stderr); rest <- string(b) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		// Read stderr to its end (serve exits) before Wait, which closes
		// the pipe: waiting first lost the last line under load.
		select {
		case msg := <-rest:
			if err := cmd.Wait(); err != nil {
				t.Errorf("serve after SIGTERM: %v", err)
			}
			if !strings.HasSuffix(msg, "ipcctl serve: stopped\n") {
				t.Errorf("serve's stderr after SIGTERM: %q", msg)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Error("serve did not stop on SIGTERM")
		}
	})
	return addr
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out after %v waiting for %s", limit, what)
}

// get decodes a Prometheus API answer; a server not up yet is an empty answer.
func get(t *testing.T, u string, v any) bool {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 400 || resp.StatusCode == 422 {
			t.Fatalf("%s: %s", u, b)
		}
		return false
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return true
}

// query runs an instant query and returns the value of each series.
func query(t *testing.T, api, expr string) []float64 {
	t.Helper()
	var r struct {
		Data struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if !get(t, api+"query?query="+url.QueryEscape(expr), &r) {
		return nil
	}
	var out []float64
	for _, s := range r.Data.Result {
		str, _ := s.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			t.Fatalf("%s: value %v", expr, s.Value)
		}
		out = append(out, v)
	}
	return out
}

package metrics

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// lsRow is one object of `ipcctl ls --json`, the fields compared here.
type lsRow struct {
	ID        *int         `json:"id"`
	Name      string       `json:"name"`
	Size      json.Number  `json:"size"`
	Nattch    json.Number  `json:"nattch"`
	Status    *string      `json:"status"`
	NSems     json.Number  `json:"nsems"`
	UsedBytes *json.Number `json:"used_bytes"`
	Messages  *json.Number `json:"messages"`
	Waiters   *json.Number `json:"waiters"`
}

type limitRow struct {
	Resource string       `json:"resource"`
	Used     *json.Number `json:"used"`
	Limit    *json.Number `json:"limit"`
}

func num(t *testing.T, n *json.Number) float64 {
	t.Helper()
	if n == nil {
		t.Fatal("null where a number was expected")
	}
	// Through uint64 where it fits, as the collector converts: limits
	// near 2^64 must round the same way.
	if u, err := strconv.ParseUint(n.String(), 10, 64); err == nil {
		return float64(u)
	}
	f, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestMetricsMatchLsAndLimits compares every aggregate and per-object
// figure with what `ipcctl ls --json` and `ipcctl limits --json` report
// for the same objects, and with the figures the objects were made with.
func TestMetricsMatchLsAndLimits(t *testing.T) {
	nstest.Require(t)
	o := makeObjects(t)
	m := parseText(t, ipcctl(t, "metrics", "--per-object"))
	var ls map[string][]lsRow
	decodeJSON(t, ipcctl(t, "ls", "shm", "sem", "msg", "pshm", "psem", "mq", "--json"), &ls)
	var lim struct{ Limits []limitRow }
	decodeJSON(t, ipcctl(t, "limits", "--json"), &lim)
	limit := map[string]limitRow{}
	for _, l := range lim.Limits {
		limit[l.Resource] = l
	}
	page := float64(os.Getpagesize())

	check := func(series string, want float64, why string) {
		t.Helper()
		got, ok := m[series]
		if !ok {
			t.Errorf("%s: missing (want %v: %s)", series, want, why)
		} else if got != want {
			t.Errorf("%s = %v, want %v (%s)", series, got, want, why)
		}
	}
	sum := func(kind string, field func(lsRow) float64) (total float64) {
		for _, r := range ls[kind] {
			total += field(r)
		}
		return total
	}
	count := func(kind string, pred func(lsRow) bool) (n float64) {
		for _, r := range ls[kind] {
			if pred(r) {
				n++
			}
		}
		return n
	}
	f := func(n json.Number) float64 { return num(t, &n) }

	// System V shared memory.
	check("ipcctl_shm_segments", float64(len(ls["shm"])), "ls shm")
	check("ipcctl_shm_segments", 4, "made four")
	check("ipcctl_shm_bytes", sum("shm", func(r lsRow) float64 { return f(r.Size) }), "sum of ls shm size")
	check("ipcctl_shm_bytes", shmIdleSize+shmOrphanSize+shmHeldSize+shmDestSize, "made sizes")
	check("ipcctl_shm_unattached_segments", count("shm", func(r lsRow) bool { return f(r.Nattch) == 0 }), "ls shm nattch 0")
	check("ipcctl_shm_dest_segments", count("shm", func(r lsRow) bool { return r.Status != nil && strings.Contains(*r.Status, "dest") }), "ls shm status dest")
	check("ipcctl_shm_dest_segments", 1, "one removed while attached")
	check("ipcctl_shm_orphaned_segments", 2, "python's, and ipcmk's: never attached, its creator gone")
	check("ipcctl_shm_orphaned_bytes", shmOrphanSize+shmIdleSize, "python's and ipcmk's segments")
	check("ipcctl_shm_segments_limit", num(t, limit["SHMMNI"].Limit), "limits SHMMNI")
	check("ipcctl_shm_segments", num(t, limit["SHMMNI"].Used), "limits SHMMNI used")
	check("ipcctl_shm_bytes", num(t, limit["SHMBYTES"].Used), "limits SHMBYTES")
	check("ipcctl_shm_charged_bytes", num(t, limit["SHMALL"].Used)*page, "limits SHMALL used, in bytes")
	check("ipcctl_shm_limit_bytes", num(t, limit["SHMALL"].Limit)*page, "limits SHMALL, in bytes")
	if l := limit["SHMRSS"]; l.Used != nil {
		check("ipcctl_shm_resident_bytes", num(t, l.Used), "limits SHMRSS")
		check("ipcctl_shm_swapped_bytes", num(t, limit["SHMSWAP"].Used), "limits SHMSWAP")
	}
	// byID is the per-object series of family name for System V id
	// (whatever its key and owner labels).
	byID := func(name string, id int) string {
		for k := range m {
			if strings.HasPrefix(k, name+`{id="`+strconv.Itoa(id)+`",`) {
				return k
			}
		}
		return name + `{id="` + strconv.Itoa(id) + `"}`
	}
	for _, r := range ls["shm"] {
		check(byID("ipcctl_shm_segment_size_bytes", *r.ID), f(r.Size), "ls shm size")
		check(byID("ipcctl_shm_segment_attached_processes", *r.ID), f(r.Nattch), "ls shm nattch")
	}
	check(byID("ipcctl_shm_segment_attached_processes", o.shmHeld), 1, "held by attach --hold")
	check(byID("ipcctl_shm_segment_size_bytes", o.shmOrphan), shmOrphanSize, "made by python")

	// System V semaphores.
	check("ipcctl_sem_sets", float64(len(ls["sem"])), "ls sem")
	check("ipcctl_sem_semaphores", sum("sem", func(r lsRow) float64 { return f(r.NSems) }), "sum of ls sem nsems")
	check("ipcctl_sem_sets_limit", num(t, limit["SEMMNI"].Limit), "limits SEMMNI")
	check("ipcctl_sem_semaphores_limit", num(t, limit["SEMMNS"].Limit), "limits SEMMNS")
	check("ipcctl_sem_semaphores", num(t, limit["SEMMNS"].Used), "limits SEMMNS used")
	check(`ipcctl_sem_waiters{wait="increase"}`, float64(semNcnt(t, o.sem, 0)), "ipcs -s -i ncount")
	check(`ipcctl_sem_waiters{wait="increase"}`, 1, "one process in semop")
	check(`ipcctl_sem_waiters{wait="zero"}`, 0, "nobody waits for zero")
	check("ipcctl_sem_semaphores_with_waiters", 1, "semaphore 0")

	// System V message queues.
	check("ipcctl_msg_queues", float64(len(ls["msg"])), "ls msg")
	check("ipcctl_msg_queues_limit", num(t, limit["MSGMNI"].Limit), "limits MSGMNI")
	check("ipcctl_msg_messages", sum("msg", func(r lsRow) float64 { return num(t, r.Messages) }), "ls msg messages")
	check("ipcctl_msg_messages", num(t, limit["MSGHDRS"].Used), "limits MSGHDRS")
	check("ipcctl_msg_messages", msgBodies, "python sent three")
	check("ipcctl_msg_bytes", num(t, limit["MSGBYTES"].Used), "limits MSGBYTES")
	check("ipcctl_msg_bytes", msgBytes, "100 + 20 + 1")
	check(fmt.Sprintf(`ipcctl_msg_queue_bytes{id="%d",key="%s",owner="root"}`, o.msg, msgKey(t, o.msg)), msgBytes, "python's queue")
	check(byID("ipcctl_msg_queue_messages", o.msg), msgBodies, "python's queue")
	check("ipcctl_msg_fullest_queue_ratio", msgBytes/16384.0, "121 of the default 16384 bytes")

	// POSIX.
	check("ipcctl_pshm_objects", float64(len(ls["pshm"])), "ls pshm")
	check("ipcctl_pshm_bytes", sum("pshm", func(r lsRow) float64 { return f(r.Size) }), "ls pshm size")
	check(`ipcctl_pshm_object_size_bytes{name="/frames",owner="root"}`, pshmSize, "written by the test")
	check("ipcctl_psem_semaphores", float64(len(ls["psem"])), "ls psem")
	check("ipcctl_psem_waiters", sum("psem", func(r lsRow) float64 { return num(t, r.Waiters) }), "ls psem waiters")
	check(`ipcctl_psem_semaphore_waiters{name="/lock",owner="root"}`, 1, "one process in sem_wait")
	check("ipcctl_mq_queues", float64(len(ls["mq"])), "ls mq")
	check("ipcctl_mq_queues", num(t, limit["QUEUES_MAX"].Used), "limits QUEUES_MAX used")
	check("ipcctl_mq_queues_limit", num(t, limit["QUEUES_MAX"].Limit), "limits QUEUES_MAX")
	check("ipcctl_mq_messages", sum("mq", func(r lsRow) float64 { return num(t, r.Messages) }), "ls mq messages")
	check("ipcctl_mq_bytes", sum("mq", func(r lsRow) float64 { return num(t, r.UsedBytes) }), "ls mq used_bytes")
	check(`ipcctl_mq_queue_messages{name="/q",owner="root"}`, mqMessages, "sent twice")
	check(`ipcctl_mq_queue_bytes{name="/q",owner="root"}`, qsize(t, "/dev/mqueue/q"), "QSIZE of /dev/mqueue/q")
	check("ipcctl_devshm_bytes", num(t, limit["DEVSHM_BYTES"].Used), "limits DEVSHM_BYTES used")
	check("ipcctl_devshm_limit_bytes", num(t, limit["DEVSHM_BYTES"].Limit), "limits DEVSHM_BYTES")
	check("ipcctl_devshm_inodes", num(t, limit["DEVSHM_INODES"].Used), "limits DEVSHM_INODES used")
	check("ipcctl_devshm_inodes_limit", num(t, limit["DEVSHM_INODES"].Limit), "limits DEVSHM_INODES")

	// (The memory collectors' values: TestMemoryMetricsMatchKernel.)
	for _, a := range []string{"limits", "shm", "sem", "msg", "pshm", "psem", "mq", "devshm", "hugepages", "thp", "meminfo", "vmstat"} {
		check(`ipcctl_scrape_collector_success{collector="`+a+`"}`, 1, "nothing broken")
	}
}

// msgKey is the key of queue id as ipcs prints it.
func msgKey(t *testing.T, id int) string {
	t.Helper()
	out, err := exec.Command("ipcs", "-q").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[1] == strconv.Itoa(id) {
			return f[0]
		}
	}
	t.Fatalf("queue %d not in ipcs -q", id)
	return ""
}

// qsize reads QSIZE of a POSIX queue from its mqueue file.
func qsize(t *testing.T, path string) float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(strings.ReplaceAll(string(b), ":", " "))
	if len(f) < 2 || f[0] != "QSIZE" {
		t.Fatalf("%s: %q", path, b)
	}
	return float64(atoi(t, f[1]))
}

// TestPromtoolCheckMetrics lints the whole output, per-object series
// included, with Prometheus' own promtool: no warnings.
func TestPromtoolCheckMetrics(t *testing.T) {
	nstest.Require(t)
	promtool := lookTool(t, "promtool")
	makeObjects(t)
	text := ipcctl(t, "metrics", "--per-object")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	// promtool does fail on a lint problem: the check can fail.
	cmd = exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader("# HELP ipcctl_bad_count x\n# TYPE ipcctl_bad_count counter\nipcctl_bad_count 1\n")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "_total") {
		t.Errorf("promtool accepted a counter without _total: %v %s", err, out)
	}
}

// lookTool finds a Prometheus tool on PATH or where scripts/test-deps.sh
// unpacks Debian's packages, or skips.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	dir := os.Getenv("IPCCTL_TEST_TOOLS")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Skipf("%s not found: not on PATH, and no cache directory: %v", name, err)
		}
		dir = filepath.Join(cache, "ipcctl-test-tools")
	}
	p := filepath.Join(dir, "usr", "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not found on PATH or in %s (Debian prometheus / prometheus-node-exporter: scripts/test-deps.sh unpacks them there)", name, dir)
	}
	return p
}

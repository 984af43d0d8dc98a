package metrics

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/names"
	"github.com/ipcctl/ipcctl/internal/testutil/golden"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// durationLine matches the figures of a scrape that change from run to run.
var durationLine = regexp.MustCompile(`(?m)^(ipcctl_scrape_collector_duration_seconds\{[^}]*\}|ipcctl_collect_timestamp_seconds) .*$`)

// fixtureCollector reads testdata/fs, naming uid N "uN" whatever this
// machine's /etc/passwd says.
func fixtureCollector(t *testing.T, opts Options) *Collector {
	t.Helper()
	if os.Getpagesize() != 4096 {
		t.Skip("the fixture's expected figures count SHMALL in 4 KiB pages")
	}
	c := New(ipc.New(procfs.FS("testdata/fs")), opts)
	c.names = func() *names.Names { return names.NewUsers(func(uid string) (string, error) { return "u" + uid, nil }) }
	return c
}

func scrapeText(t *testing.T, c *Collector) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteText(&buf, NewRegistry(c)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// samples maps each sample's series (name and labels, as printed) to its value.
func samples(t *testing.T, text string) map[string]float64 {
	t.Helper()
	m := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		m[line[:i]] = v
	}
	return m
}

func TestFixtureGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"default", Options{}},
		{"per-object", Options{PerObject: true}},
		{"per-object-cap", Options{PerObject: true, PerObjectLimit: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := durationLine.ReplaceAllString(scrapeText(t, fixtureCollector(t, tc.opts)), "$1 VARIES")
			golden.Check(t, filepath.Join("testdata", "golden", tc.name+".prom"), []byte(text))
		})
	}
}

// TestFixtureValues checks figures against the fixture files, worked out
// by hand from testdata/fs.
func TestFixtureValues(t *testing.T) {
	before := float64(time.Now().Unix())
	got := samples(t, scrapeText(t, fixtureCollector(t, Options{PerObject: true})))
	if ts := got["ipcctl_collect_timestamp_seconds"]; ts < before || ts > float64(time.Now().Unix()+1) {
		t.Errorf("collect timestamp %v, want the time of the scrape (%v)", ts, before)
	}
	for series, want := range map[string]float64{
		// proc/sysvipc/shm has five segments. 0: nattch 0, creator
		// 27464 not in proc/, never attached: orphaned. 1: attached,
		// creator 100 is in proc/. 2 and 4: nattch 0, neither cpid nor
		// lpid in proc/: orphaned. 3: perms 1600, SHM_DEST, still attached.
		"ipcctl_shm_segments":            5,
		"ipcctl_shm_bytes":               4096 + 1048576 + 65536 + 5000 + 12288,
		"ipcctl_shm_charged_bytes":       4096 + 1048576 + 65536 + 8192 + 12288, // 5000 takes two pages
		"ipcctl_shm_resident_bytes":      4096 + 65536 + 4096,
		"ipcctl_shm_swapped_bytes":       8192 + 12288,
		"ipcctl_shm_unattached_segments": 3,
		"ipcctl_shm_dest_segments":       1,
		"ipcctl_shm_orphaned_segments":   3,
		"ipcctl_shm_orphaned_bytes":      4096 + 65536 + 12288,
		// proc/sys/kernel and fs/mqueue.
		"ipcctl_shm_segments_limit":   4096,
		"ipcctl_shm_limit_bytes":      18446744073692774399 * 4096,
		"ipcctl_sem_sets_limit":       32000,
		"ipcctl_sem_semaphores_limit": 1024000000,
		"ipcctl_msg_queues_limit":     32000,
		"ipcctl_mq_queues_limit":      256,
		// proc/sysvipc/sem and msg.
		"ipcctl_sem_sets":       2,
		"ipcctl_sem_semaphores": 17,
		"ipcctl_msg_queues":     2,
		"ipcctl_msg_messages":   2,
		"ipcctl_msg_bytes":      11,
		// dev/shm: data (1000 bytes), frames (70000); sem.lock (value 3,
		// 2 waiters), sem.free (value 1), sem.bad (7 bytes: invalid).
		"ipcctl_pshm_objects":                 2,
		"ipcctl_pshm_bytes":                   71000,
		"ipcctl_psem_semaphores":              3,
		"ipcctl_psem_bytes":                   32 + 32 + 7,
		"ipcctl_psem_waiters":                 2,
		"ipcctl_psem_semaphores_with_waiters": 1,
		// dev/mqueue: events (QSIZE 129), idle.
		"ipcctl_mq_queues": 2,
		"ipcctl_mq_bytes":  129,
		// Per object.
		`ipcctl_shm_segment_size_bytes{id="1",key="0x028d43e3",owner="u1000"}`:         1048576,
		`ipcctl_shm_segment_attached_processes{id="3",key="0x00000000",owner="u1000"}`: 1,
		`ipcctl_sem_set_semaphores{id="1",key="0x7758e03e",owner="u1000"}`:             16,
		`ipcctl_msg_queue_bytes{id="2",key="0x00001234",owner="u1000"}`:                11,
		`ipcctl_msg_queue_messages{id="2",key="0x00001234",owner="u1000"}`:             2,
		`ipcctl_psem_semaphore_value{name="/lock",owner="u0"}`:                         3,
		`ipcctl_psem_semaphore_waiters{name="/lock",owner="u0"}`:                       2,
		`ipcctl_mq_queue_bytes{name="/events",owner="u0"}`:                             129,
		`ipcctl_per_object_omitted{kind="shm"}`:                                        0,
		// sys/ of a two-node machine (pkg/procfs/testdata/numa2).
		`ipcctl_hugepages_pages{page_size="2097152"}`:               512,
		`ipcctl_hugepages_free_pages{page_size="2097152"}`:          500,
		`ipcctl_hugepages_reserved_pages{page_size="2097152"}`:      10,
		`ipcctl_hugepages_surplus_pages{page_size="2097152"}`:       12,
		`ipcctl_hugepages_pool_min_pages{page_size="2097152"}`:      512 - 12,
		`ipcctl_hugepages_pool_max_pages{page_size="2097152"}`:      512 - 12 + 64,
		`ipcctl_hugepages_node_pages{node="1",page_size="2097152"}`: 256,
		`ipcctl_hugepages_pages{page_size="1073741824"}`:            2,
		`ipcctl_thp_enabled{mode="madvise"}`:                        0,
		`ipcctl_thp_enabled{mode="always"}`:                         1,
		`ipcctl_thp_size_enabled{mode="inherit",page_size="65536"}`: 1,
		`ipcctl_memory_anon_huge_pages_bytes`:                       532480 * 1024,
		`ipcctl_thp_events_total{event="thp_fault_alloc"}`:          1200,
		`ipcctl_scrape_collector_success{collector="shm"}`:          1,
	} {
		if v, ok := got[series]; !ok {
			t.Errorf("%s missing", series)
		} else if v != want {
			t.Errorf("%s = %v, want %v", series, v, want)
		}
	}
	// A fixture holds no figures that only system calls give.
	for _, series := range []string{"ipcctl_sem_waiters{wait=\"increase\"}", "ipcctl_msg_fullest_queue_ratio", "ipcctl_devshm_bytes"} {
		if _, ok := got[series]; ok {
			t.Errorf("%s exported from a fixture tree", series)
		}
	}
}

// TestLint runs the checks of `promtool check metrics` (client_golang's
// promlint) over everything the collector exports.
func TestLint(t *testing.T) {
	text := scrapeText(t, fixtureCollector(t, Options{PerObject: true}))
	problems, err := promlint.New(strings.NewReader(text)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

// TestFamilies checks each family's declaration: counters end in _total
// and nothing else does, and every family has help.
func TestFamilies(t *testing.T) {
	fams := Families()
	if len(fams) < 50 {
		t.Fatalf("only %d families", len(fams))
	}
	for _, f := range fams {
		if strings.HasSuffix(f.Name, "_total") != (f.Type == "counter") {
			t.Errorf("%s is a %s", f.Name, f.Type)
		}
		if !strings.HasPrefix(f.Name, "ipcctl_") || len(f.Help) < 20 {
			t.Errorf("%s: name or help %q", f.Name, f.Help)
		}
	}
}

// TestAreaFailure breaks one file: that area reports success 0 and its
// error, and every other area is still exported.
func TestAreaFailure(t *testing.T) {
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS("testdata/fs")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "proc/sysvipc/shm"), []byte("key shmid\nnot numbers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "proc/sys/kernel/sem"), []byte("250 32000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	failed := map[string]error{}
	c := New(ipc.New(procfs.FS(root)), Options{OnError: func(area string, err error) {
		mu.Lock()
		defer mu.Unlock()
		failed[area] = err
	}})
	got := samples(t, scrapeText(t, c))
	if len(failed) != 2 || failed["shm"] == nil || failed["limits"] == nil {
		t.Errorf("failed areas: %v, want shm and limits", failed)
	}
	for _, a := range Areas() {
		want := 1.0
		if a == "shm" || a == "limits" {
			want = 0
		}
		if v, ok := got[`ipcctl_scrape_collector_success{collector="`+a+`"}`]; !ok || v != want {
			t.Errorf("success of %s = %v (present %v), want %v", a, v, ok, want)
		}
		if _, ok := got[`ipcctl_scrape_collector_duration_seconds{collector="`+a+`"}`]; !ok {
			t.Errorf("no duration for %s", a)
		}
	}
	if _, ok := got["ipcctl_shm_segments"]; ok {
		t.Error("shm figures from an unparsable file")
	}
	if got["ipcctl_sem_sets"] != 2 || got["ipcctl_msg_queues"] != 2 || got[`ipcctl_hugepages_pages{page_size="2097152"}`] != 512 {
		t.Error("the other areas are missing")
	}
}

// TestDoc keeps docs/metrics.md, the reference of every family, in step
// with the code (go test -update rewrites it).
func TestDoc(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteDoc(&buf); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "../../docs/metrics.md", buf.Bytes())
}

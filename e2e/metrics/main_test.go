// Package metrics checks `ipcctl metrics` and `ipcctl serve` end to end
// in its own private user + IPC + mount namespace (so the counts are this
// package's objects alone): values against `ls --json` and `limits
// --json`, promtool's lint, and a real Prometheus scraping both the
// textfile route (node_exporter) and serve.
package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

func TestMain(m *testing.M) { nstest.Main(m) }

// objects are what makeObjects created, with the figures they were
// made to have.
type objects struct {
	shmIdle, shmOrphan, shmHeld, shmDest int // ids
	sem, msg                             int
}

const (
	shmIdleSize   = 65536 // ipcmk: creator gone, never attached (lpid 0): orphaned
	shmOrphanSize = 12288 // python: created, attached, detached, exited
	shmHeldSize   = 4096  // held by `ipcctl attach --hold`
	shmDestSize   = 5000  // held, then removed: marked dest
	msgBodies     = 3     // 100 + 20 + 1 bytes
	msgBytes      = 121
	pshmSize      = 70000
	mqMessages    = 2
)

// makeObjects creates one object of each kind with known figures, using
// other tools than ipcctl where there are some (util-linux ipcmk and
// ipcrm, Python's sysv_ipc), and processes that hold them: an attached
// segment, a process blocked in semop, one blocked in sem_wait. All of it
// goes away when the test ends.
func makeObjects(t *testing.T) objects {
	t.Helper()
	for _, tool := range []string{"ipcmk", "ipcrm", "ipcs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("util-linux %s not installed", tool)
		}
	}
	var o objects
	o.shmIdle = ipcmk(t, "-M", strconv.Itoa(shmIdleSize))
	o.shmOrphan = atoi(t, python(t, fmt.Sprintf(`m = sysv_ipc.SharedMemory(None, sysv_ipc.IPC_CREX, size=%d)
m.detach()
print(m.id)`, shmOrphanSize)))
	o.shmHeld = ipcmk(t, "-M", strconv.Itoa(shmHeldSize))
	o.shmDest = ipcmk(t, "-M", strconv.Itoa(shmDestSize))
	for _, id := range []int{o.shmIdle, o.shmOrphan, o.shmHeld, o.shmDest} {
		t.Cleanup(func() { exec.Command("ipcrm", "-m", strconv.Itoa(id)).Run() })
	}
	start(t, "attach", "shm", strconv.Itoa(o.shmHeld), "--hold")
	start(t, "attach", "shm", strconv.Itoa(o.shmDest), "--hold")
	eventually(t, "both holders attached", func() bool {
		return nattch(t, o.shmHeld) == 1 && nattch(t, o.shmDest) == 1
	})
	if out, err := exec.Command("ipcrm", "-m", strconv.Itoa(o.shmDest)).CombinedOutput(); err != nil {
		t.Fatalf("ipcrm: %v %s", err, out)
	}

	o.sem = ipcmk(t, "-S", "2")
	t.Cleanup(func() { exec.Command("ipcrm", "-s", strconv.Itoa(o.sem)).Run() })
	start(t, "sem-op", strconv.Itoa(o.sem), "0:-1") // value 0: waits for an increase
	eventually(t, "the semop waiter (ipcs -s -i)", func() bool { return semNcnt(t, o.sem, 0) == 1 })

	o.msg = atoi(t, python(t, `q = sysv_ipc.MessageQueue(None, sysv_ipc.IPC_CREX)
for body in (b"a" * 100, b"b" * 20, b"c"):
    q.send(body)
print(q.id)`))
	t.Cleanup(func() { exec.Command("ipcrm", "-q", strconv.Itoa(o.msg)).Run() })

	// POSIX: a /dev/shm file is a shared memory object, whoever made it.
	if err := os.WriteFile("/dev/shm/frames", make([]byte, pshmSize), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm/frames") })
	ipcctl(t, "create", "psem", "/lock", "--value", "0")
	t.Cleanup(func() { os.Remove("/dev/shm/sem.lock") })
	start(t, "sem-op", "/lock", "wait")
	eventually(t, "the sem_wait waiter", func() bool {
		return strings.Contains(ipcctl(t, "ls", "psem", "-o", "name,waiters", "--raw", "-n"), "/lock 1")
	})
	ipcctl(t, "create", "mq", "/q")
	t.Cleanup(func() { os.Remove("/dev/mqueue/q") })
	for range mqMessages {
		ipcctl(t, "mq-send", "/q", "hello")
	}
	return o
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

// ipcmk runs util-linux ipcmk and returns the id it printed.
func ipcmk(t *testing.T, args ...string) int {
	t.Helper()
	out, err := exec.Command("ipcmk", args...).Output()
	if err != nil {
		t.Fatalf("ipcmk %v: %v", args, err)
	}
	f := strings.Fields(string(out))
	return atoi(t, f[len(f)-1])
}

// python runs a script with Python's sysv_ipc, or skips.
func python(t *testing.T, src string) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import sysv_ipc").Run(); err != nil {
		t.Skipf("python3-sysv-ipc not installed: %v", err)
	}
	out, err := exec.Command(py, "-c", "import sysv_ipc\n"+src).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// ipcctl runs the binary and fails the test unless it exits 0.
func ipcctl(t *testing.T, args ...string) string {
	t.Helper()
	r := testutil.Run(t, "", args...)
	if r.Code != 0 {
		t.Fatalf("ipcctl %v: exit %d: %s", args, r.Code, r.Stderr)
	}
	return r.Stdout
}

// start runs ipcctl in the background until the test ends.
func start(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// nattch reads a segment's attach count from /proc/sysvipc/shm.
func nattch(t *testing.T, id int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sysvipc/shm")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	head := strings.Fields(lines[0])
	col := func(name string) int {
		for i, h := range head {
			if h == name {
				return i
			}
		}
		t.Fatalf("no %s column in /proc/sysvipc/shm", name)
		return 0
	}
	idCol, nCol := col("shmid"), col("nattch")
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > nCol && f[idCol] == strconv.Itoa(id) {
			return atoi(t, f[nCol])
		}
	}
	return -1
}

// semNcnt reads semncnt of one semaphore from util-linux `ipcs -s -i`.
func semNcnt(t *testing.T, id, num int) int {
	t.Helper()
	out, err := exec.Command("ipcs", "-s", "-i", strconv.Itoa(id)).Output()
	if err != nil {
		t.Fatalf("ipcs -s -i %d: %v", id, err)
	}
	// semnum value ncount zcount pid
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 5 && f[0] == strconv.Itoa(num) {
			return atoi(t, f[2])
		}
	}
	t.Fatalf("semaphore %d not in ipcs -s -i:\n%s", num, out)
	return 0
}

// parseText maps each sample of the exposition text to its value, by
// series as printed (name{labels}).
func parseText(t *testing.T, text string) map[string]float64 {
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

// decodeJSON decodes with numbers kept exact (limits near 2^64).
func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
}

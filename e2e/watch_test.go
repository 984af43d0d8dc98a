package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// ls --watch on a real terminal (tmux): the segment made meanwhile shows
// marked +, the one removed shows marked -, and SIGINT (C-c) ends it
// cleanly (exit 0, back from the alternate screen).
func TestWatchOnATerminal(t *testing.T) {
	nstest.Require(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (scripts/test-deps.sh installs it as root)")
	}
	dir := t.TempDir()
	exit := filepath.Join(dir, "exit")
	tmux := func(args ...string) string {
		cmd := exec.Command("tmux", append([]string{"-S", filepath.Join(dir, "sock")}, args...)...)
		cmd.Env = append(os.Environ(), "TERM=xterm", "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	old := newShm(t, 4096, 0o600)
	tmux("new-session", "-d", "-x", "120", "-y", "40", testutil.Binary(t)+" ls shm --watch=0.2s; echo exit=$? >"+exit+"; sleep 60")
	t.Cleanup(func() { exec.Command("tmux", "-S", filepath.Join(dir, "sock"), "kill-server").Run() })
	screen := func(want string) string {
		re := regexp.MustCompile("(?m)" + want)
		var s string
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			if s = tmux("capture-pane", "-p"); re.MatchString(s) {
				return s
			}
		}
		t.Fatalf("the screen never showed %q:\n%s", want, s)
		return ""
	}
	screen("^Every 200ms: ipcctl ls shm")
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 8192, unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.SysvShmCtl(id, unix.IPC_RMID, nil) })
	screen(`^\+ 0x00000000 +` + strconv.Itoa(id) + ` root .* 8K `)
	screen(`^  0x00000000 +` + strconv.Itoa(old) + ` root .* 4K `)
	unix.SysvShmCtl(old, unix.IPC_RMID, nil)
	screen(`^- 0x00000000 +` + strconv.Itoa(old) + ` `)
	unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	tmux("send-keys", "C-c")
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(exit); err == nil {
			if string(b) != "exit=0\n" {
				t.Errorf("after C-c: %q", b)
			}
			if s := tmux("capture-pane", "-p"); strings.Contains(s, "Every 200ms") {
				t.Errorf("the alternate screen was not left:\n%s", s)
			}
			return
		}
	}
	t.Fatal("ls --watch did not end on C-c")
}

// Piped, ls --watch writes one JSON document per line per interval, and
// ends cleanly on SIGINT.
func TestWatchPipedIsJSONLines(t *testing.T) {
	nstest.Require(t)
	newShm(t, 4096, 0o600)
	cmd := exec.Command(testutil.Binary(t), "ls", "shm", "msg", "--watch=0.1s")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 1<<20)
	for i := 0; i < 3; i++ {
		if !lines.Scan() {
			t.Fatalf("line %d: %v", i, lines.Err())
		}
		var doc map[string][]map[string]any
		if err := json.Unmarshal(lines.Bytes(), &doc); err != nil || len(doc["shm"]) == 0 || doc["msg"] == nil {
			t.Errorf("line %d: %v %s", i, err, lines.Bytes())
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	go func() {
		for lines.Scan() {
		}
	}()
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGINT: %v", err)
	}
}

// watcher is an `ipcctl ... --watch` with stdout piped: one JSON
// document per line, read as they come.
type watcher struct {
	cmd   *exec.Cmd
	lines chan []byte
}

func startWatch(t *testing.T, args ...string) *watcher {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &watcher{cmd: cmd, lines: make(chan []byte, 1000)}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			w.lines <- slices.Clone(sc.Bytes())
		}
		close(w.lines)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return w
}

// waitFor reads lines until one satisfies ok (each must be JSON), and
// fails after 10 s or at the end of the output.
func (w *watcher) waitFor(t *testing.T, what string, ok func(line []byte) bool) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	var last []byte
	for n := 0; ; n++ {
		select {
		case line, open := <-w.lines:
			if !open {
				t.Fatalf("the output ended after %d lines without %s; last: %s", n, what, last)
			}
			if !json.Valid(line) {
				t.Fatalf("line %d is not JSON: %s", n, line)
			}
			if ok(line) {
				return
			}
			last = line
		case <-timeout:
			t.Fatalf("no line with %s in 10 s (%d lines); last: %s", what, n, last)
		}
	}
}

// interrupt sends SIGINT, as C-c would, and expects exit 0.
func (w *watcher) interrupt(t *testing.T) {
	t.Helper()
	w.cmd.Process.Signal(syscall.SIGINT)
	go func() {
		for range w.lines {
		}
	}()
	if err := w.cmd.Wait(); err != nil {
		t.Errorf("after SIGINT: %v", err)
	}
}

// Piped, show --watch prints the object again each interval: a mode
// changed and an attach made meanwhile, through the kernel directly,
// show up in a later line.
func TestShowWatchPipedFollowsTheObject(t *testing.T) {
	nstest.Require(t)
	id := newShm(t, 4096, 0o600)
	w := startWatch(t, "show", "shm", strconv.Itoa(id), "--watch=0.1s")
	type record struct {
		ID     int    `json:"id"`
		Mode   string `json:"mode"`
		Nattch int    `json:"nattch"`
	}
	decode := func(line []byte) record {
		var r record
		if err := json.Unmarshal(line, &r); err != nil || r.ID != id {
			t.Fatalf("not segment %d's record: %v %s", id, err, line)
		}
		return r
	}
	w.waitFor(t, "the segment as made", func(line []byte) bool {
		r := decode(line)
		if r.Mode != "0600" || r.Nattch != 0 {
			t.Fatalf("first line: %+v, want mode 0600, nattch 0", r)
		}
		return true
	})
	var ds unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &ds); err != nil {
		t.Fatal(err)
	}
	ds.Perm.Mode = 0o644
	if _, err := unix.SysvShmCtl(id, unix.IPC_SET, &ds); err != nil {
		t.Fatalf("shmctl IPC_SET: %v", err)
	}
	mem, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.SysvShmDetach(mem)
	w.waitFor(t, "mode 0644 and nattch 1", func(line []byte) bool {
		r := decode(line)
		return r.Mode == "0644" && r.Nattch == 1
	})
	w.interrupt(t)
}

// Piped, limits --watch reads the counts again each interval: a segment
// made meanwhile raises SHMMNI's and SHMBYTES' used figures.
func TestLimitsWatchPipedFollowsUse(t *testing.T) {
	nstest.Require(t)
	w := startWatch(t, "limits", "--watch=0.1s")
	used := func(line []byte) map[string]int64 {
		var doc struct {
			Limits []struct {
				Resource string `json:"resource"`
				Used     *int64 `json:"used"`
			} `json:"limits"`
		}
		if err := json.Unmarshal(line, &doc); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		m := map[string]int64{}
		for _, l := range doc.Limits {
			if l.Used != nil {
				m[l.Resource] = *l.Used
			}
		}
		if _, ok := m["SHMMNI"]; !ok {
			t.Fatalf("no SHMMNI used figure: %s", line)
		}
		return m
	}
	var before map[string]int64
	w.waitFor(t, "a first document", func(line []byte) bool { before = used(line); return true })
	newShm(t, 8192, 0o600)
	w.waitFor(t, "one segment more", func(line []byte) bool {
		now := used(line)
		return now["SHMMNI"] == before["SHMMNI"]+1 && now["SHMBYTES"] == before["SHMBYTES"]+8192
	})
	w.interrupt(t)
}

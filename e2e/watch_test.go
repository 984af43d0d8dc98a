package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

package procfs

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// Kernel tests (the child PID namespace) run in private namespaces.
func TestMain(m *testing.M) { nstest.Main(m) }

func TestPidGoneFixture(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/proc/123", 0o755); err != nil {
		t.Fatal(err)
	}
	f := FS(dir)
	for _, tc := range []struct {
		pid  int
		gone bool
	}{
		{123, false}, // there
		{456, true},  // not there
		{0, false},   // not visible from the reader's PID namespace: unknown, not gone
		{-1, false},
	} {
		if got := f.PidGone(tc.pid); got != tc.gone {
			t.Errorf("PidGone(%d) = %v, want %v", tc.pid, got, tc.gone)
		}
	}
}

const pidnsChild = "PROCFS_PIDNS_CHILD_SHMID"

// TestPidGoneFromChildPidNamespace: from a child PID namespace (its own
// /proc), the creator of a segment made outside shows as pid 0 and is
// alive: not gone. A process that exited in there is gone.
func TestPidGoneFromChildPidNamespace(t *testing.T) {
	nstest.Require(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) not installed")
	}
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.SysvShmCtl(id, unix.IPC_RMID, nil) })
	exe, _ := os.Executable()
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc", exe, "-test.run=^TestPidGoneChild$", "-test.v")
	// The child runs the test binary again, as it is (nstest: already inside).
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "IPCCTL_NSTEST_INSIDE=") {
			env = append(env, e)
		}
	}
	cmd.Env = append(env, "IPCCTL_NSTEST_SKIP=the parent test set up the namespaces", pidnsChild+"="+strconv.Itoa(id))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestPidGoneChild") {
		t.Fatalf("child PID namespace: %v\n%s", err, out)
	}
}

// TestPidGoneChild runs inside the child PID namespace of the test above.
func TestPidGoneChild(t *testing.T) {
	idStr := os.Getenv(pidnsChild)
	if idStr == "" {
		t.Skip("runs only in the child PID namespace of TestPidGoneFromChildPidNamespace")
	}
	segs, err := DefaultFS.SysvShm()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range segs {
		if fmt.Sprint(s.ID) == idStr {
			found = true
			if s.CPID != 0 {
				t.Errorf("creator pid %d seen from the child namespace, want 0 (not visible)", s.CPID)
			}
			if DefaultFS.PidGone(s.CPID) {
				t.Errorf("PidGone(%d): the creator is alive outside this namespace", s.CPID)
			}
		}
	}
	if !found {
		t.Fatalf("segment %s not in /proc/sysvipc/shm", idStr)
	}
	if DefaultFS.PidGone(os.Getpid()) {
		t.Errorf("PidGone(self %d)", os.Getpid())
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	if !DefaultFS.PidGone(dead.Process.Pid) {
		t.Errorf("PidGone(%d) of a process that exited = false", dead.Process.Pid)
	}
}

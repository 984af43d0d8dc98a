package nstest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { Main(m) }

// The namespace must be private: its own empty IPC namespace, its own
// /dev/shm and /dev/mqueue, and working device nodes.
func TestInsidePrivateNamespaces(t *testing.T) {
	Require(t)
	self, _ := os.Readlink("/proc/self/ns/ipc")
	host, _ := os.Readlink("/proc/1/ns/ipc")
	if self == host {
		t.Fatalf("IPC namespace %s is the host's", self)
	}
	for _, f := range []string{"shm", "sem", "msg"} {
		b, err := os.ReadFile("/proc/sysvipc/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "\n"); n != 1 {
			t.Errorf("/proc/sysvipc/%s has %d lines in a fresh namespace, want only the header", f, n)
		}
	}
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tmpfs /dev/shm tmpfs", "mqueue /dev/mqueue mqueue"} {
		if !strings.Contains(string(mounts), want) {
			t.Errorf("no %q in /proc/self/mounts", want)
		}
	}
	if err := os.WriteFile("/dev/null", []byte("x"), 0); err != nil {
		t.Errorf("/dev/null: %v", err)
	}
	// Temp files (decoys, symlink targets) live on a tmpfs of the
	// namespace's own, not in a host directory.
	var st unix.Statfs_t
	if err := unix.Statfs(os.TempDir(), &st); err != nil || st.Type != unix.TMPFS_MAGIC {
		t.Errorf("TMPDIR %s: statfs type %#x, err %v; want a private tmpfs", os.TempDir(), st.Type, err)
	}
	if hostMounts, err := os.ReadFile("/proc/1/mounts"); err == nil && strings.Contains(string(hostMounts), " "+os.TempDir()+" ") {
		t.Errorf("TMPDIR %s is a mount the host sees", os.TempDir())
	}
	if out, err := exec.Command("ipcs", "-m").CombinedOutput(); err == nil && strings.Count(string(out), "0x") != 0 {
		t.Errorf("ipcs sees segments in a fresh namespace:\n%s", out)
	}
}

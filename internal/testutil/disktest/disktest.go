// Package disktest gives tests a disk-backed directory and fincore's view
// of the page cache. It imports nothing of ipcctl, so any package's own
// tests can use it.
package disktest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TempDir returns a new temp dir (mode 0755, removed after the test)
// on a disk-backed filesystem: pages of tmpfs files never leave the page
// cache, so residency and eviction tests need a real one. It skips t when
// there is none.
func TempDir(t testing.TB) string {
	t.Helper()
	for _, base := range []string{os.TempDir(), "/var/tmp"} {
		var st unix.Statfs_t
		if unix.Statfs(base, &st) != nil || st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC {
			continue
		}
		dir, err := os.MkdirTemp(base, "ipcctl-test-")
		if err != nil {
			continue
		}
		os.Chmod(dir, 0o755)
		t.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	t.Skip("no disk-backed temp directory")
	return ""
}

// FincoreBytes asks util-linux fincore how many bytes of path are in the
// page cache (skipping t when fincore is missing): a second path to the
// kernel's answer.
func FincoreBytes(t testing.TB, path string) uint64 {
	t.Helper()
	if _, err := exec.LookPath("fincore"); err != nil {
		t.Skip("fincore (util-linux) not installed")
	}
	out, err := exec.Command("fincore", "--bytes", "--raw", "--noheadings", "--output", "RES", path).Output()
	if err != nil {
		t.Fatalf("fincore %s: %v", path, err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("fincore said %q", out)
	}
	return v
}

// FincorePages asks fincore for the PAGES column of path: its resident pages.
func FincorePages(t testing.TB, path string) uint64 {
	t.Helper()
	if _, err := exec.LookPath("fincore"); err != nil {
		t.Skip("fincore (util-linux) not installed")
	}
	out, err := exec.Command("fincore", "--raw", "--noheadings", "--output", "PAGES", path).Output()
	if err != nil {
		t.Fatalf("fincore %s: %v", path, err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("fincore said %q", out)
	}
	return v
}

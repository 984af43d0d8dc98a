package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// TestDevNullReadWriteIsASink: /dev/null opened read-write on the
// standard descriptors — what systemd's StandardOutput=null and Python's
// subprocess.DEVNULL give — is a fine place for output: every verb that
// prints succeeds, as it does with >/dev/null.
func TestDevNullReadWriteIsASink(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	ipcctlOK(t, "create", "pshm", "/e2e-sink", "--size", "4K")
	t.Cleanup(func() { posixClient().PshmRemove("/e2e-sink") })
	for _, args := range [][]string{
		{"--version"},
		{"ls"},
		{"ls", "--json"},
		{"limits"},
		{"key", dir, "1"},
		{"show", "pshm", "/e2e-sink"},
		{"attach", "pshm", "/e2e-sink", "--read"},
		{"attach", "pshm", "/e2e-sink", "--hexdump"},
		{"mmap", "residency", "-r", dir},
	} {
		for _, redirect := range []string{`1<>/dev/null`, `1<>/dev/null 2<>/dev/null 0<>/dev/null`, `>/dev/null`} {
			cmd := exec.Command("sh", append([]string{"-c", `exec "$0" "$@" ` + redirect, testutil.Binary(t)}, args...)...)
			if r := testutil.RunCmd(t, cmd); r.Code != 0 {
				t.Errorf("ipcctl %v %s: exit %d %q, want 0", args, redirect, r.Code, r.Stderr)
			}
		}
	}
}

// TestLostOutputFails: a verb whose only result is what it prints fails
// when that cannot be written (stdout on /dev/full).
func TestLostOutputFails(t *testing.T) {
	nstest.Require(t)
	cmd := exec.Command("sh", "-c", `exec "$0" key "$1" 1 >/dev/full`, testutil.Binary(t), t.TempDir())
	if r := testutil.RunCmd(t, cmd); r.Code != 1 || !strings.Contains(r.Stderr, "no space left") {
		t.Errorf("key >/dev/full: exit %d %q, want 1", r.Code, r.Stderr)
	}
	// Help and --version are written by cobra, which drops write errors.
	for _, args := range []string{"--help", "ls --help", "rm -h", "--version"} {
		cmd := exec.Command("sh", "-c", `exec "$0" `+args+` >/dev/full`, testutil.Binary(t))
		if r := testutil.RunCmd(t, cmd); r.Code != 1 || !strings.Contains(r.Stderr, "no space left") {
			t.Errorf("%s >/dev/full: exit %d %q, want 1", args, r.Code, r.Stderr)
		}
	}
}

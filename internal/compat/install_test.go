package compat

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
)

// TestInstallLinks runs scripts/install-links.sh into temporary
// directories: links made and re-made, foreign files and the system's
// directories refused without a write.
func TestInstallLinks(t *testing.T) {
	bin := testutil.Binary(t)
	script, err := filepath.Abs("../../scripts/install-links.sh")
	if err != nil {
		t.Fatal(err)
	}
	run := func(bindir string, env ...string) (string, error) {
		cmd := exec.Command(script, bin, bindir)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	dir := filepath.Join(t.TempDir(), "bin")
	for i := 0; i < 2; i++ { // a second run replaces its own links
		if out, err := run(dir); err != nil {
			t.Fatalf("install #%d: %v\n%s", i+1, err, out)
		}
	}
	for _, n := range Names {
		if target, err := os.Readlink(filepath.Join(dir, n)); err != nil || target != "ipcctl" {
			t.Errorf("%s -> %q, %v; want ipcctl", n, target, err)
		}
	}
	// the links work: ipcs -V through the installed link
	out, err := exec.Command(filepath.Join(dir, "ipcs"), "-V").Output()
	if err != nil || !strings.HasPrefix(string(out), "ipcs from util-linux ") {
		t.Errorf("installed ipcs -V = %q, %v", out, err)
	}

	foreign := filepath.Join(t.TempDir(), "bin")
	os.MkdirAll(foreign, 0o755)
	if err := os.WriteFile(filepath.Join(foreign, "lsipc"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := run(foreign); err == nil || !strings.Contains(out, "not a link to ipcctl") {
		t.Errorf("install over a foreign lsipc: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(foreign, "lsipc")); string(b) != "#!/bin/sh\n" {
		t.Errorf("foreign lsipc changed: %q", b)
	}
	if _, err := os.Lstat(filepath.Join(foreign, "ipcs")); err == nil {
		t.Error("links made although one was refused")
	}

	// a system directory (here a stand-in named by SYSTEM_BINDIRS) is refused
	system := filepath.Join(t.TempDir(), "usrbin")
	os.MkdirAll(system, 0o755)
	if out, err := run(system, "SYSTEM_BINDIRS="+system); err == nil || !strings.Contains(out, "system's own tools") {
		t.Errorf("install into a system dir: %v\n%s", err, out)
	}
	if entries, _ := os.ReadDir(system); len(entries) != 0 {
		t.Errorf("system dir written: %v", entries)
	}
	if out, err := run(system, "SYSTEM_BINDIRS="+system, "FORCE=1"); err != nil {
		t.Errorf("FORCE=1: %v\n%s", err, out)
	}
}

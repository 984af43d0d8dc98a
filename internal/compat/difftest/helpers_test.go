package difftest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ipcctl/ipcctl/internal/compat"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// ulDir is where Debian installs util-linux's IPC tools.
const ulDir = "/usr/bin"

// baseEnv is the environment of both sides of every comparison: the
// same locale, time zone (one with a half-hour offset, to see ISO
// offsets) and width.
func baseEnv() []string {
	return []string{
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C",
		"TZ=Asia/Kolkata",
		"COLUMNS=80",
		"HOME=/",
	}
}

var (
	linksOnce sync.Once
	linksDir  string
	linksErr  error
)

// tools finds the system's util-linux (skipping with the reason when it
// is missing or not 2.38) and returns it with a directory of symlinks
// ipcs, ipcrm, ipcmk, lsipc → the ipcctl binary under test.
func tools(t *testing.T) (ul, ours func(name string) string) {
	t.Helper()
	nstest.Require(t)
	for _, n := range compat.Names {
		if _, err := os.Stat(filepath.Join(ulDir, n)); err != nil {
			t.Skipf("util-linux %s not installed (%v): nothing to compare with (apt-get install util-linux)", n, err)
		}
	}
	out, err := exec.Command(filepath.Join(ulDir, "ipcs"), "-V").Output()
	if err != nil || !strings.Contains(string(out), "util-linux 2.38") {
		t.Skipf("system util-linux is %q, the front-ends reproduce 2.38.x", strings.TrimSpace(string(out)))
	}
	bin := testutil.Binary(t)
	linksOnce.Do(func() {
		// a copy of the binary in a directory anyone may enter, so that
		// the cases run as uid 1000 can execute it too
		linksDir, linksErr = os.MkdirTemp("", "compat-links-")
		if linksErr == nil {
			linksErr = os.Chmod(linksDir, 0o755)
		}
		if linksErr == nil {
			linksErr = copyFile(bin, filepath.Join(linksDir, "ipcctl"))
		}
		for _, n := range compat.Names {
			if linksErr == nil {
				linksErr = os.Symlink("ipcctl", filepath.Join(linksDir, n))
			}
		}
	})
	if linksErr != nil {
		t.Fatal(linksErr)
	}
	return func(n string) string { return filepath.Join(ulDir, n) },
		func(n string) string { return filepath.Join(linksDir, n) }
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}

// result is one run of a tool.
type result struct {
	Stdout, Stderr string
	Code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// runTool runs path with argv[0] set to argv0 (so getopt's messages,
// which show argv[0] in full, are comparable).
// tester is the part of testing.TB that runTool uses.
type tester interface {
	Helper()
	Fatalf(format string, args ...any)
}

func runTool(t tester, path, argv0 string, args []string, env []string) result {
	t.Helper()
	return runToolAs(t, 0, path, argv0, args, env)
}

// runToolAs is runTool as uid:uid (0: as root).
func runToolAs(t tester, uid int, path, argv0 string, args []string, env []string) result {
	t.Helper()
	return runToolUG(t, uid, uid, path, argv0, args, env)
}

// runToolUG is runTool as uid:gid (0: as root).
func runToolUG(t tester, uid, gid int, path, argv0 string, args []string, env []string) result {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Args[0] = argv0
	cmd.Env = env
	if uid != 0 || gid != 0 {
		nstest.AsUser(cmd, uint32(uid), uint32(gid))
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s %q: %v", path, args, err)
	}
	return result{out.String(), errOut.String(), code}
}

// firstDiff shows where two outputs part.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  util-linux: %q\n  ipcctl:     %q", i+1, x, y)
		}
	}
	return "(same lines)"
}

// compare runs util-linux's and ipcctl's NAME with args and fails t
// unless stdout, stderr and the exit status are identical.
func compare(t *testing.T, ul, ours func(string) string, name string, args ...string) (result, result) {
	t.Helper()
	return compareAs(t, 0, ul, ours, name, args...)
}

// compareAs is compare with both tools run as uid:uid.
func compareAs(t *testing.T, uid int, ul, ours func(string) string, name string, args ...string) (result, result) {
	t.Helper()
	a := runToolAs(t, uid, ul(name), name, args, baseEnv())
	b := runToolAs(t, uid, ours(name), name, args, baseEnv())
	if a != b {
		what := "stdout " + firstDiff(a.Stdout, b.Stdout)
		if a.Stdout == b.Stdout {
			what = "stderr " + firstDiff(a.Stderr, b.Stderr)
		}
		if a.Stdout == b.Stdout && a.Stderr == b.Stderr {
			what = fmt.Sprintf("exit %d vs %d", a.Code, b.Code)
		}
		t.Errorf("%s %s: differs from util-linux: %s\n=== util-linux:\n%s\n=== ipcctl:\n%s", name, strings.Join(args, " "), what, a, b)
	}
	return a, b
}

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// sysvIDs lists the ids of /proc/sysvipc/KIND, a path independent of ipcctl.
func sysvIDs(t *testing.T, kind string) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/sysvipc/" + kind)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Fields(l); len(f) > 1 {
			ids = append(ids, f[1])
		}
	}
	return ids
}

// shell runs `ipcctl ARGS REDIRECT` through sh, so stdout can be
// /dev/full or closed.
func shell(t *testing.T, redirect string, args ...string) testutil.Result {
	t.Helper()
	cmd := exec.Command("sh", append([]string{"-c", `exec "$0" "$@" ` + redirect, testutil.Binary(t)}, args...)...)
	return testutil.RunCmd(t, cmd)
}

// create cannot lose what it made: a private object whose id cannot be
// written is removed again (or, with stdout on /dev/null or closed, not
// made at all); a keyed or named one stays, and stderr says what exists.
func TestCreateNeverLosesWhatItMade(t *testing.T) {
	nstest.Require(t)
	for _, kind := range []string{"shm", "sem", "msg"} {
		args := map[string][]string{"shm": {"--size", "4K"}, "sem": {"--nsems", "1"}, "msg": nil}[kind]
		before := len(sysvIDs(t, kind))
		for _, tc := range []struct{ redirect, stderr string }{
			{">/dev/full", "removed again"},
			{">&-", "nothing was made"},
			{">/dev/null", "nothing was made"},
			{"1<>/dev/null", "nothing was made"},
		} {
			r := shell(t, tc.redirect, append([]string{"create", kind}, args...)...)
			if r.Code != 1 || !strings.Contains(r.Stderr, tc.stderr) {
				t.Errorf("create %s %s: exit %d %q, want 1 and %q", kind, tc.redirect, r.Code, r.Stderr, tc.stderr)
			}
			if n := len(sysvIDs(t, kind)); n != before {
				t.Errorf("create %s %s left %d objects, had %d", kind, tc.redirect, n, before)
			}
		}
		key := map[string]string{"shm": "0x7e0f0001", "sem": "0x7e0f0002", "msg": "0x7e0f0003"}[kind]
		r := shell(t, ">/dev/full", append([]string{"create", kind, "--key", key}, args...)...)
		if r.Code != 1 || !strings.Contains(r.Stderr, "exists, with key "+key) {
			t.Errorf("create %s --key %s >/dev/full: exit %d %q", kind, key, r.Code, r.Stderr)
		}
		if n := len(sysvIDs(t, kind)); n != before+1 {
			t.Errorf("create %s --key >/dev/full: %d objects, want the keyed one kept", kind, n)
		}
		ipcctlOK(t, "rm", kind, "--key", key)
	}
	r := shell(t, ">/dev/full", "create", "pshm", "/e2e-full", "--size", "1K")
	t.Cleanup(func() { os.Remove("/dev/shm/e2e-full") })
	if _, err := os.Stat("/dev/shm/e2e-full"); r.Code != 1 || !strings.Contains(r.Stderr, "pshm /e2e-full exists") || err != nil {
		t.Errorf("create pshm >/dev/full: exit %d %q, file: %v", r.Code, r.Stderr, err)
	}
}

// Several targets that all failed for one reason exit with that reason
// (two permission errors: 4), not "partial" (8).
func TestRmAllFailedForOneReason(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps only one uid")
	}
	a, b := newShm(t, 4096, 0o600), newShm(t, 4096, 0o600)
	r := asUser1000(t)("rm", "shm", strconv.Itoa(a), strconv.Itoa(b))
	if r.Code != 4 || strings.Count(r.Stderr, "ipcctl: rm shm ") != 2 {
		t.Errorf("rm of two root segments as uid 1000: exit %d %q, want 4 naming both", r.Code, r.Stderr)
	}
	r = asUser1000(t)("rm", "shm", strconv.Itoa(a), "2147483000")
	if r.Code != 1 {
		t.Errorf("rm failing for two reasons: exit %d %q, want 1", r.Code, r.Stderr)
	}
}

// onTerminal runs `ipcctl ARGS` on a real pseudo-terminal cols wide and
// returns what it wrote there.
func onTerminal(t *testing.T, cols uint16, args ...string) string {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t), args...)
	cmd.Env = append(os.Environ(), "TERM=xterm")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: cols, Rows: 60})
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer f.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&out, f); close(done) }() // ends with EIO when the child exits
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return strings.ReplaceAll(out.String(), "\r\n", "\n")
}

// A name any local user can give a POSIX object never reaches root's
// terminal as escape sequences: ls and show print \xNN instead. JSON
// loses nothing: two names that differ only in bytes that are not UTF-8
// stay different, and Python gives back the bytes to name them again.
func TestNamesFromTheSystemAreSafeAndLossless(t *testing.T) {
	nstest.Require(t)
	names := []string{"e2e-\x1b]0;PWNED\x07", "e2e-\x1b[2J", "e2e-caf\xe9", "e2e-caf\xe8", "e2e-\xc2\x9b31m"}
	for _, n := range names {
		if err := os.WriteFile("/dev/shm/"+n, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove("/dev/shm/" + n) })
	}
	for _, args := range [][]string{{"ls", "pshm"}, {"show", "pshm", "/" + names[0]}, {"ls", "pshm", "--raw"}, {"ls", "pshm", "--export"}} {
		out := onTerminal(t, 120, args...)
		if strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "\xc2\x9b") {
			t.Errorf("ipcctl %q wrote control characters to the terminal: %q", args, out)
		}
		if !strings.Contains(out, `\x1b`) {
			t.Errorf("ipcctl %q does not show the escape as \\x1b: %q", args, out)
		}
	}
	out := onTerminal(t, 120, "ls", "pshm")
	if !strings.Contains(out, `/e2e-caf\xe9`) || !strings.Contains(out, `/e2e-caf\xe8`) {
		t.Errorf("names that are not UTF-8 look the same: %q", out)
	}

	js := testutil.Run(t, "", "ls", "pshm", "--json")
	if !json.Valid([]byte(js.Stdout)) || !strings.Contains(js.Stdout, `"/e2e-caf\udce9"`) || !strings.Contains(js.Stdout, `"/e2e-caf\udce8"`) || !strings.Contains(js.Stdout, `\u001b]0;PWNED\u0007`) {
		t.Fatalf("ls pshm --json:\n%s", js.Stdout)
	}
	// Python reads the JSON and names each object again (os.fsencode turns
	// the lone surrogates back into bytes): show finds every one.
	py := `import json, os, subprocess, sys
for o in json.loads(sys.stdin.read())["pshm"]:
    if not o["name"].startswith("/e2e-"):
        continue
    r = subprocess.run([sys.argv[1], "show", "pshm", o["name"], "-o", "name,size", "--raw", "-n"], capture_output=True)
    print(r.returncode, r.stdout.decode("ascii", "backslashreplace").strip())
`
	cmd := exec.Command("python3", "-c", py, testutil.Binary(t))
	cmd.Stdin = strings.NewReader(js.Stdout)
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	if lines := strings.Split(strings.TrimSpace(string(got)), "\n"); len(lines) != len(names) {
		t.Errorf("python named %d objects back, want %d:\n%s", len(lines), len(names), got)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(got)), "\n") {
		if !strings.HasPrefix(l, "0 /e2e-") || !strings.HasSuffix(l, " 1") {
			t.Errorf("python: %s", l)
		}
	}
	// The same name in the form a tool writes lone surrogates (WTF-8).
	if r := testutil.Run(t, "", "show", "pshm", "/e2e-caf\xed\xb3\xa9", "-o", "size", "--raw", "-n"); r.Code != 0 || r.Stdout != "1\n" {
		t.Errorf("show of the surrogate form: exit %d %q %q", r.Code, r.Stdout, r.Stderr)
	}

	// Messages name objects too: a failure, and what rm and prune say
	// of each object they remove.
	for _, args := range [][]string{
		{"show", "pshm", "/" + names[0] + "gone"},
		{"rm", "--all", "pshm", "--yes", "-v"},
	} {
		r := testutil.Run(t, "", args...)
		if strings.ContainsAny(r.Stderr, "\x1b\x07") || !strings.Contains(r.Stderr, `e2e-\x1b]0;PWNED\x07`) {
			t.Errorf("ipcctl %q: exit %d, stderr %q", args, r.Code, r.Stderr)
		}
	}
	name := "e2e-\x1b]0;PRUNE\x07"
	if err := os.WriteFile("/dev/shm/"+name, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm/" + name) })
	r := testutil.Run(t, "", "prune", "pshm", "--yes", "-v", "--ignore-unreadable")
	if strings.ContainsAny(r.Stderr, "\x1b\x07") || !strings.Contains(r.Stderr, `removed pshm /e2e-\x1b]0;PRUNE\x07`) {
		t.Errorf("prune: exit %d, stderr %q", r.Code, r.Stderr)
	}
}

// On a narrow terminal nothing that identifies or counts is cut: keys,
// ids, numbers stay whole, free text wraps; --wide keeps lines whole.
func TestNarrowTerminalNeverCuts(t *testing.T) {
	nstest.Require(t)
	id := newShm(t, 4096, 0o600)
	out := onTerminal(t, 40, "ls", "shm", "-o", "+uid,gid,cuid,cgid,atime,dtime")
	if !strings.Contains(out, "0x00000000 "+strconv.Itoa(id)) && !strings.Contains(out, " "+strconv.Itoa(id)+" ") {
		t.Errorf("narrow ls cut the id %d:\n%s", id, out)
	}
	if strings.Contains(out, "…") {
		t.Errorf("narrow ls cut something:\n%s", out)
	}
	lim := onTerminal(t, 60, "limits")
	shmmax := strings.TrimSpace(readFile(t, "/proc/sys/kernel/shmall"))
	if !strings.Contains(lim, shmmax) {
		t.Errorf("narrow limits cut SHMALL %s:\n%s", shmmax, lim)
	}
	widest := func(s string) int {
		n := 0
		for _, l := range strings.Split(s, "\n") {
			n = max(n, len([]rune(l)))
			if strings.HasSuffix(l, " ") {
				t.Errorf("line with trailing spaces: %q", l)
			}
		}
		return n
	}
	wide := onTerminal(t, 60, "limits", "--wide")
	if !strings.Contains(wide, "Max size of shared memory segment (bytes)") || strings.Contains(lim, "Max size of shared memory segment (bytes)") {
		t.Errorf("limits should wrap its descriptions at 60 columns, and not with --wide:\n%s\n%s", lim, wide)
	}
	if widest(lim) >= widest(wide) {
		t.Errorf("narrow limits is %d wide, no narrower than --wide's %d", widest(lim), widest(wide))
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

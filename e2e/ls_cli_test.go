package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// lsJSONOf runs ipcctl with args and decodes its JSON, failing on any error output.
func lsJSONOf(t *testing.T, args ...string) map[string][]map[string]any {
	t.Helper()
	r := testutil.Run(t, "", args...)
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("ipcctl %v: exit %d, stderr %q", args, r.Code, r.Stderr)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("ipcctl %v: not JSON: %v\n%s", args, err, r.Stdout)
	}
	return got
}

func ids(rows []map[string]any) []float64 {
	out := []float64{}
	for _, r := range rows {
		out = append(out, r["id"].(float64))
	}
	return out
}

// Every run is checked for exit code, stdout and stderr: an empty listing
// is a success, a usage error prints nothing on stdout.
func TestLsEmptyNamespace(t *testing.T) {
	nstest.Require(t)
	r := testutil.Run(t, "", "ls")
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.Code, r.Stderr)
	}
	for _, title := range []string{"Shared Memory Segments", "Semaphore Arrays", "Message Queues"} {
		if !strings.Contains(r.Stdout, "------ "+title+" ------") {
			t.Errorf("no %q table in\n%s", title, r.Stdout)
		}
	}
	got := lsJSONOf(t, "ls", "--json")
	for _, kind := range []string{"shm", "sem", "msg"} {
		if rows, ok := got[kind]; !ok || rows == nil || len(rows) != 0 {
			t.Errorf("ls --json in an empty namespace: %s is %v, want []", kind, rows)
		}
	}
	for _, args := range [][]string{{"ls", "--raw", "-n"}, {"ls", "-n"}} {
		if r := testutil.Run(t, "", args...); r.Code != 0 || r.Stdout != "" {
			t.Errorf("%v in an empty namespace: exit %d %q, want no output", args, r.Code, r.Stdout)
		}
	}
}

func TestLsFilters(t *testing.T) {
	nstest.Require(t)
	if _, err := exec.LookPath("ipcmk"); err != nil {
		t.Skip("ipcmk not installed")
	}
	// This ipcmk cannot choose a key: make the keyed segment with x/sys.
	keyedID, err := unix.SysvShmGet(0xc0ffee, 4096, unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	keyed := strconv.Itoa(keyedID)
	other := ipcmk(t, "-M", "8192")
	sem := ipcmk(t, "-S", "1")
	t.Cleanup(func() { exec.Command("ipcrm", "-m", keyed, "-m", other, "-s", sem).Run() })

	// The creator pid, read through /proc: the second path.
	cpid := ""
	b, err := os.ReadFile("/proc/sysvipc/shm")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Fields(l); len(f) > 4 && f[1] == other {
			cpid = f[4]
		}
	}
	if cpid == "" {
		t.Fatalf("shm %s not in /proc/sysvipc/shm:\n%s", other, b)
	}

	got := lsJSONOf(t, "ls", "--key", "0xc0ffee", "--json")
	if len(got["shm"]) != 1 || got["shm"][0]["id"] != mustNum(t, keyed) || len(got["sem"]) != 0 || len(got["msg"]) != 0 {
		t.Errorf("--key 0xc0ffee: %v", got)
	}
	got = lsJSONOf(t, "ls", "shm", "--key", "12648430", "--json") // the same key in decimal
	if len(got["shm"]) != 1 || got["shm"][0]["key"] != "0x00c0ffee" {
		t.Errorf("--key 12648430: %v", got)
	}
	got = lsJSONOf(t, "ls", "shm", "--creator-pid", cpid, "--json")
	if len(got["shm"]) != 1 || got["shm"][0]["id"] != mustNum(t, other) || got["shm"][0]["cpid"] != mustNum(t, cpid) {
		t.Errorf("--creator-pid %s: %v", cpid, got)
	}
	// --creator-pid is a shm attribute: other kinds have no match.
	got = lsJSONOf(t, "ls", "--creator-pid", cpid, "--json")
	if len(got["shm"]) != 1 || len(got["sem"]) != 0 || len(got["msg"]) != 0 {
		t.Errorf("--creator-pid over every kind: %v", got)
	}
	got = lsJSONOf(t, "ls", "--owner", "root", "--json")
	if len(got["shm"]) != 2 || len(got["sem"]) != 1 {
		t.Errorf("--owner root: %v", got)
	}
	got = lsJSONOf(t, "ls", "--owner", "0", "--json")
	if len(ids(got["shm"])) != 2 {
		t.Errorf("--owner 0: %v", got)
	}
	// No match is an empty listing, not an error.
	got = lsJSONOf(t, "ls", "--owner", "4000000", "--json")
	if len(got["shm"])+len(got["sem"])+len(got["msg"]) != 0 {
		t.Errorf("--owner 4000000: %v", got)
	}
	r := testutil.Run(t, "", "ls", "shm", "--key", "0x7777", "--raw")
	if r.Code != 0 || r.Stderr != "" || strings.Count(r.Stdout, "\n") != 1 {
		t.Errorf("no match: exit %d stdout %q stderr %q, want the header line only", r.Code, r.Stdout, r.Stderr)
	}
}

func TestLsUsageErrors(t *testing.T) {
	nstest.Require(t)
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"ls", "shm", "nosuchkind"}, `unknown kind "nosuchkind" (valid: shm, sem, msg`},
		{[]string{"ls", "SHM"}, `unknown kind "SHM"`},
		{[]string{"ls", "--key", "4294967296"}, "invalid key"},
		{[]string{"ls", "--key", "-2147483649"}, "invalid key"},
		{[]string{"ls", "--creator-pid", "0"}, "invalid pid"},
		{[]string{"ls", "--creator-pid", "99999999999"}, "invalid pid"},
		{[]string{"ls", "--owner", "no-such-user-here"}, "no-such-user-here"},
		{[]string{"ls", "--owner", "4294967296"}, "4294967296"},
		{[]string{"ls", "sem", "-o", "+rss"}, `unknown column "rss"`},
		{[]string{"ls", "--json", "--export"}, "none of the others can be"},
		{[]string{"ls", "--output"}, "flag needs an argument"},
	} {
		r := testutil.Run(t, "", tc.args...)
		if r.Code != 2 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, "ipcctl: ") ||
			!strings.Contains(r.Stderr, tc.err) || !strings.Contains(r.Stderr, "--help' for usage.") {
			t.Errorf("ipcctl %v: exit %d stdout %q stderr %q; want exit 2, no stdout, %q and a usage hint",
				tc.args, r.Code, r.Stdout, r.Stderr, tc.err)
		}
	}
}

func TestVersionAndCompletion(t *testing.T) {
	r := testutil.Run(t, "", "--version")
	if r.Code != 0 || r.Stderr != "" || !strings.HasPrefix(r.Stdout, "ipcctl ") || strings.Count(r.Stdout, "\n") != 1 {
		t.Errorf("--version: exit %d stdout %q stderr %q", r.Code, r.Stdout, r.Stderr)
	}
	for shell, marker := range map[string]string{
		"bash": "__start_ipcctl",
		"zsh":  "#compdef ipcctl",
		"fish": "complete -c ipcctl",
	} {
		r := testutil.Run(t, "", "completion", shell)
		if r.Code != 0 || r.Stderr != "" || !strings.Contains(r.Stdout, marker) {
			t.Errorf("completion %s: exit %d, stderr %q, stdout lacks %q", shell, r.Code, r.Stderr, marker)
		}
	}
	// What the completion scripts call back: kinds for ls, values for --time-format.
	r = testutil.Run(t, "", "__complete", "ls", "")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "shm\tSystem V shared memory segments\nsem\t") {
		t.Errorf("__complete ls: exit %d\n%s", r.Code, r.Stdout)
	}
	r = testutil.Run(t, "", "__complete", "ls", "--time-format", "")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "short\nfull\niso\n") {
		t.Errorf("__complete ls --time-format: exit %d\n%s", r.Code, r.Stdout)
	}
}

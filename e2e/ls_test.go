package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// ipcmk makes an object with util-linux, a second path independent of ipcctl.
func ipcmk(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ipcmk", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ipcmk %v: %v\n%s", args, err, out)
	}
	f := strings.Fields(string(out))
	return f[len(f)-1]
}

func TestLsJSONSeesObjectsMadeByIpcmk(t *testing.T) {
	nstest.Require(t)
	if _, err := exec.LookPath("ipcmk"); err != nil {
		t.Skip("ipcmk not installed")
	}
	shmID := ipcmk(t, "-M", "8192", "-p", "0640")
	semID := ipcmk(t, "-S", "2")
	t.Cleanup(func() { exec.Command("ipcrm", "-m", shmID, "-s", semID).Run() })

	r := testutil.Run(t, "", "ls", "shm", "sem", "msg", "--json")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Stdout)
	}
	if len(got["shm"]) != 1 || len(got["sem"]) != 1 || got["msg"] == nil || len(got["msg"]) != 0 {
		t.Fatalf("want 1 shm, 1 sem, [] msg; got %s", r.Stdout)
	}
	shm := got["shm"][0]
	if shm["size"] != float64(8192) || shm["perms"] != "rw-r-----" || shm["id"] != mustNum(t, shmID) {
		t.Errorf("shm row = %v", shm)
	}
	if got["sem"][0]["nsems"] != float64(2) {
		t.Errorf("sem row = %v", got["sem"][0])
	}
}

func mustNum(t *testing.T, s string) float64 {
	t.Helper()
	var v float64
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestExitCodes(t *testing.T) {
	nstest.Require(t)
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"ls"}, 0, ""},
		{[]string{"ls", "nosuchkind"}, 2, `unknown kind "nosuchkind"`},
		{[]string{"ls", "shm", "-o", "nosuchcol"}, 2, `unknown column "nosuchcol"`},
		{[]string{"ls", "--json", "--raw"}, 2, "none of the others can be"},
		{[]string{"ls", "--key", "0x100000000"}, 2, "invalid key"},
		{[]string{"ls", "--time-format", "weird"}, 2, "invalid --time-format"},
		{[]string{"nosuchverb"}, 2, "unknown command"},
		{[]string{"ls", "--output"}, 2, "flag needs an argument"},
		{[]string{"--version"}, 0, ""},
	} {
		r := testutil.Run(t, "", tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stderr, tc.err) {
			t.Errorf("ipcctl %v: exit %d stderr %q; want exit %d and %q", tc.args, r.Code, r.Stderr, tc.code, tc.err)
		}
		if tc.code == 2 && !strings.HasPrefix(r.Stderr, "ipcctl: ") {
			t.Errorf("ipcctl %v: stderr %q does not start with \"ipcctl: \"", tc.args, r.Stderr)
		}
	}
}

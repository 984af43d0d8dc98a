package e2e

import (
	"encoding/json"
	"github.com/ipcctl/ipcctl/internal/testutil/decoy"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/cbuild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// posixc is the C helper of pkg/ipc's interop tests (glibc shm_open,
// sem_open, mq_open).
func posixc(t *testing.T) string {
	t.Helper()
	return cbuild.Build(t, "../pkg/ipc/testdata/posixc.c", "-lrt", "-pthread")
}

func runPosixc(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(posixc(t), args...).CombinedOutput(); err != nil {
		t.Fatalf("posixc %v: %v %s", args, err, out)
	}
}

func lsJSON(t *testing.T, args ...string) map[string][]map[string]any {
	t.Helper()
	r := testutil.Run(t, "", append([]string{"ls"}, append(args, "--json")...)...)
	if r.Code != 0 {
		t.Fatalf("ls %v: exit %d: %s", args, r.Code, r.Stderr)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Stdout)
	}
	return got
}

func byName(rows []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range rows {
		out[r["name"].(string)] = r
	}
	return out
}

func TestLsPosixSeesObjectsMadeByC(t *testing.T) {
	nstest.Require(t)
	runPosixc(t, "shmwrite", "/e2e-shm", "twelve bytes")
	runPosixc(t, "semcreate", "/e2e-sem", "7")
	runPosixc(t, "mqcreate", "/e2e-q", "5", "100")
	runPosixc(t, "mqsend", "/e2e-q", "3", "hello")
	t.Cleanup(func() {
		os.Remove("/dev/shm/e2e-shm")
		os.Remove("/dev/shm/sem.e2e-sem")
		exec.Command("rm", "-f", "/dev/mqueue/e2e-q").Run()
	})
	got := lsJSON(t, "pshm", "psem", "mq", "-o", "+mode,uid")
	got["psem"] = lsJSON(t, "psem", "-o", "+reason")["psem"]
	shm := byName(got["pshm"])["/e2e-shm"]
	if shm == nil || shm["size"] != float64(12) || shm["mode"] != "0644" || shm["uid"] != float64(0) {
		t.Errorf("pshm = %v", got["pshm"])
	}
	sem := byName(got["psem"])["/e2e-sem"]
	if sem == nil || sem["value"] != float64(7) || sem["waiters"] != float64(0) || sem["status"] != "ok" || sem["perms"] != "rw-r-----" || sem["reason"] != nil {
		t.Errorf("psem = %v", got["psem"])
	}
	if _, ok := byName(got["pshm"])["/sem.e2e-sem"]; ok {
		t.Errorf("a semaphore listed as shared memory")
	}
	q := byName(got["mq"])["/e2e-q"]
	if q == nil || q["maxmsg"] != float64(5) || q["msgsize"] != float64(100) || q["messages"] != float64(1) || q["used_bytes"] != float64(5) || q["notify_pid"] != float64(0) {
		t.Errorf("mq = %v", got["mq"])
	}
	// Filters: --owner matches by uid; --key is System V only.
	if got := lsJSON(t, "pshm", "psem", "mq", "--owner", "4242"); len(got["pshm"])+len(got["psem"])+len(got["mq"]) != 0 {
		t.Errorf("--owner 4242 kept %v", got)
	}
	if got := lsJSON(t, "pshm", "--owner", "0"); len(got["pshm"]) != 1 {
		t.Errorf("--owner 0 dropped %v", got)
	}
	// A filter a named kind cannot have is a usage error, not an empty answer.
	if r := testutil.Run(t, "", "ls", "psem", "--key", "1"); r.Code != 2 || r.Stdout != "" || !strings.Contains(r.Stderr, "--key applies to shm, sem, msg only, not psem") {
		t.Errorf("ls psem --key 1: exit %d %q %q", r.Code, r.Stdout, r.Stderr)
	}
}

func TestLsPosixRobust(t *testing.T) {
	nstest.Require(t)
	for n, b := range map[string]string{"sem.e2e-empty": "", "sem.e2e-junk": strings.Repeat("\xff", 32)} {
		os.WriteFile("/dev/shm/"+n, []byte(b), 0o644)
		t.Cleanup(func() { os.Remove("/dev/shm/" + n) })
	}
	os.Mkdir("/dev/shm/e2e-dir", 0o755)
	os.Symlink(decoy.File(t), "/dev/shm/e2e-link")
	t.Cleanup(func() { os.Remove("/dev/shm/e2e-dir"); os.Remove("/dev/shm/e2e-link") })
	got := lsJSON(t, "pshm", "psem")
	sems := byName(got["psem"])
	for _, n := range []string{"/e2e-empty", "/e2e-junk"} {
		if s := sems[n]; s == nil || s["status"] != "invalid" || s["value"] != nil {
			t.Errorf("%s: %v", n, s)
		}
	}
	shms := byName(got["pshm"])
	if shms["/e2e-dir"] != nil || shms["/e2e-link"] != nil {
		t.Errorf("directory or symlink listed: %v", got["pshm"])
	}
}

func TestLsPosixUnreadableObjectsListed(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("namespace maps no ordinary uid")
	}
	runPosixc(t, "semcreate", "/e2e-private", "1")
	runPosixc(t, "mqcreate", "/e2e-private", "2", "10")
	os.Chmod("/dev/shm/sem.e2e-private", 0o600)
	os.Chmod("/dev/mqueue/e2e-private", 0o600)
	t.Cleanup(func() { os.Remove("/dev/shm/sem.e2e-private"); os.Remove("/dev/mqueue/e2e-private") })
	// The binary may sit in a 0700 temporary directory: give uid 1000 a copy it can run.
	dir, err := os.MkdirTemp("", "ipcctl-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin, err := os.ReadFile(testutil.Binary(t))
	if err != nil {
		t.Fatal(err)
	}
	exe := dir + "/ipcctl"
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	cmd := exec.Command(exe, "ls", "psem", "mq", "--json")
	nstest.AsUser(cmd, 1000, 1000)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("as uid 1000: %v", err)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if s := byName(got["psem"])["/e2e-private"]; s == nil || s["status"] != "unreadable" || s["value"] != nil {
		t.Errorf("psem = %v", got["psem"])
	}
	if q := byName(got["mq"])["/e2e-private"]; q == nil || q["maxmsg"] != nil || q["used_bytes"] != nil || q["perms"] != "rw-------" {
		t.Errorf("mq = %v", got["mq"])
	}
}

func TestLsMqUnmounted(t *testing.T) {
	nstest.Require(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not installed")
	}
	// A child mount namespace without /dev/mqueue leaves this one alone.
	run := func(args string) (int, string) {
		cmd := exec.Command("unshare", "--mount", "sh", "-c", "umount /dev/mqueue && exec "+testutil.Binary(t)+" "+args)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := run("ls mq"); code != 7 || !strings.Contains(out, "not mounted") {
		t.Errorf("ls mq: exit %d %q, want 7 and a mount hint", code, out)
	}
	if code, out := run("ls pshm psem"); code != 0 {
		t.Errorf("ls pshm psem: exit %d %q", code, out)
	}
	if code, out := run("ls"); code != 0 || !strings.Contains(out, "(skipped)") {
		t.Errorf("ls: exit %d %q, want 0 with mq skipped", code, out)
	}
	// --mount mounts it, in that child namespace only: the queue made
	// there is listed, and /proc/self/mounts shows the new mount.
	script := "umount /dev/mqueue && B=" + testutil.Binary(t) + `
$B ls mq --mount --json
$B create mq /e2e-mounted >/dev/null
$B ls mq -o name --raw -n
grep -c ' /dev/mqueue mqueue ' /proc/self/mounts
$B ls mq --mount -n`
	out, err := exec.Command("unshare", "--mount", "sh", "-ec", script).CombinedOutput()
	want := "ipcctl: mounted the mqueue filesystem on /dev/mqueue\n{\n  \"mq\": []\n}\n/e2e-mounted\n1\n/e2e-mounted root rw------- 10 8K 0 0B 0\n"
	if err != nil || string(out) != want {
		t.Errorf("ls mq --mount: %v\ngot:\n%s\nwant:\n%s", err, out, want)
	}
	// Without the privilege to mount: permission denied, nothing mounted.
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps only one uid (tests not started as root)")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv not installed")
	}
	script = "umount /dev/mqueue; code=0; setpriv --reuid 1000 --regid 1000 --clear-groups " + userReadableBinary(t) +
		" ls mq --mount || code=$?; echo exit=$code; grep -c ' /dev/mqueue mqueue ' /proc/self/mounts || true"
	out, _ = exec.Command("unshare", "--mount", "sh", "-c", script).CombinedOutput()
	if !strings.Contains(string(out), "exit=4\n0\n") || !strings.Contains(string(out), "ls --mount:") {
		t.Errorf("ls mq --mount as uid 1000: %s, want exit 4 and no mount", out)
	}
}

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// semHelperC sets and reads semaphores with semctl from C: a second path,
// independent of ipcctl's own wrappers. It also makes a POSIX queue.
const semHelperC = `
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <unistd.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; };

int main(int argc, char **argv) {
	if (argc >= 3 && strcmp(argv[1], "setall") == 0) {
		int id = atoi(argv[2]), n = argc - 3;
		unsigned short vals[256];
		for (int i = 0; i < n; i++) vals[i] = (unsigned short)atoi(argv[3 + i]);
		union semun arg = { .array = vals };
		if (semctl(id, 0, SETALL, arg) < 0) { perror("semctl SETALL"); return 1; }
		printf("%d\n", (int)getpid());
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "getall") == 0) {
		int id = atoi(argv[2]), n = atoi(argv[3]);
		unsigned short vals[256];
		union semun arg = { .array = vals };
		if (semctl(id, 0, GETALL, arg) < 0) { perror("semctl GETALL"); return 1; }
		for (int i = 0; i < n; i++)
			printf("%d %d %d %d\n", vals[i], semctl(id, i, GETNCNT), semctl(id, i, GETZCNT), semctl(id, i, GETPID));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "mq") == 0) {
		mqd_t q = mq_open(argv[2], O_CREAT | O_RDWR, 0600, NULL);
		if (q == (mqd_t)-1) { perror("mq_open"); return 1; }
		return 0;
	}
	fprintf(stderr, "usage: semhelper setall ID V... | getall ID N | mq /NAME\n");
	return 2;
}
`

func semHelper(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "semhelper.c"), filepath.Join(dir, "semhelper")
	if err := os.WriteFile(src, []byte(semHelperC), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-O0", "-o", bin, src, "-lrt").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

// mk makes an object with ipcmk and removes it when the test ends: the
// tests of this package share one IPC namespace.
func mk(t *testing.T, args ...string) string {
	t.Helper()
	id := ipcmk(t, args...)
	flag := map[string]string{"-M": "-m", "-S": "-s", "-Q": "-q"}[args[0]]
	t.Cleanup(func() { exec.Command("ipcrm", flag, id).Run() })
	return id
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// sysvPython runs the system python with sysv_ipc, a second path to the objects.
func sysvPython(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if exec.Command(py, "-c", "import sysv_ipc").Run() != nil {
		t.Skip("python3 sysv_ipc not installed")
	}
	return py
}

func showJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	r := testutil.Run(t, "", append([]string{"show"}, append(args, "--json")...)...)
	if r.Code != 0 {
		t.Fatalf("show %v: exit %d: %s", args, r.Code, r.Stderr)
	}
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(r.Stdout))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("show %v: not JSON: %v\n%s", args, err, r.Stdout)
	}
	return got
}

// procRow finds the row of id in a /proc/sysvipc file, by header name.
func procRow(t *testing.T, file, idCol, id string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("/proc/sysvipc/" + file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	head := strings.Fields(lines[0])
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		row := map[string]string{}
		for i, h := range head {
			row[h] = f[i]
		}
		if row[idCol] == id {
			return row
		}
	}
	t.Fatalf("no %s %s in /proc/sysvipc/%s", idCol, id, file)
	return nil
}

func num(v any) string { return fmt.Sprint(v) }

func TestShowSemMatchesSemctl(t *testing.T) {
	nstest.Require(t)
	helper := semHelper(t)
	py := sysvPython(t)
	id := mk(t, "-S", "3", "-p", "0600")
	key := procRow(t, "sem", "semid", id)["key"]

	pid := strings.TrimSpace(run(t, helper, "setall", id, "0", "7", "32767"))
	// A second process waits on semaphore 0 (value 0): ncnt becomes 1.
	waiter := exec.Command(py, "-c", fmt.Sprintf("import sysv_ipc; sysv_ipc.Semaphore(%s).acquire()", key))
	if err := waiter.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { waiter.Process.Kill(); waiter.Wait() })
	var fromC []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		fromC = strings.Split(strings.TrimSpace(run(t, helper, "getall", id, "3")), "\n")
		if strings.Fields(fromC[0])[1] == "1" || time.Now().After(deadline) {
			break
		}
	}

	got := showJSON(t, "sem", id)
	sems, _ := got["semaphores"].([]any)
	if num(got["id"]) != id || num(got["nsems"]) != "3" || len(sems) != 3 {
		t.Fatalf("show sem %s = %v", id, got)
	}
	for i, line := range fromC {
		f := strings.Fields(line) // value ncnt zcnt pid, as semctl reports them
		s := sems[i].(map[string]any)
		want := map[string]string{"semnum": strconv.Itoa(i), "value": f[0], "ncnt": f[1], "zcnt": f[2], "pid": f[3]}
		for k, v := range want {
			if num(s[k]) != v {
				t.Errorf("semaphore %d: %s = %v, semctl says %s", i, k, s[k], v)
			}
		}
	}
	if num(sems[2].(map[string]any)["pid"]) != pid || num(sems[0].(map[string]any)["ncnt"]) != "1" {
		t.Errorf("want pid %s (the SETALL process) and one waiter on semaphore 0; got %v", pid, sems)
	}

	// The human view shows the same values in its semaphore table.
	r := testutil.Run(t, "", "show", "sem", id)
	if r.Code != 0 || !regexp.MustCompile(`(?m)^\s+2\s+32767\s+0\s+0\s+`+pid+`$`).MatchString(r.Stdout) {
		t.Errorf("show sem %s: exit %d\n%s", id, r.Code, r.Stdout)
	}
}

func TestShowShmAgreesWithProc(t *testing.T) {
	nstest.Require(t)
	py := sysvPython(t)
	id := mk(t, "-M", "10000", "-p", "0640")
	key := procRow(t, "shm", "shmid", id)["key"]
	// Another process holds the segment attached (sysv_ipc attaches on open).
	holder := exec.Command(py, "-c", fmt.Sprintf(
		"import sys, sysv_ipc; m = sysv_ipc.SharedMemory(%s); sys.stdin.read()", key))
	stdin, _ := holder.StdinPipe()
	var out bytes.Buffer
	holder.Stdout = &out
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); holder.Wait() })
	for deadline := time.Now().Add(10 * time.Second); procRow(t, "shm", "shmid", id)["nattch"] == "0"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("python never attached: %s", out.String())
		}
	}

	row := procRow(t, "shm", "shmid", id)
	got := showJSON(t, "shm", id)
	if num(got["size"]) != row["size"] || num(got["nattch"]) != row["nattch"] || num(got["cpid"]) != row["cpid"] ||
		num(got["lpid"]) != row["lpid"] || row["nattch"] == "0" || got["perms"] != "rw-r-----" || got["dest"] != false {
		t.Errorf("show shm %s = %v\n/proc says %v", id, got, row)
	}
	byKey := showJSON(t, "shm", "--key", key)
	if num(byKey["id"]) != id {
		t.Errorf("show shm --key %s gave id %v, want %s", key, byKey["id"], id)
	}

	// Removed while attached: the kernel marks it dest and makes its key private.
	run(t, "ipcrm", "-m", id)
	got = showJSON(t, "shm", id)
	if got["dest"] != true || got["status"] != "dest" || got["key"] != "0x00000000" {
		t.Errorf("show shm %s after ipcrm = %v, want dest and key 0", id, got)
	}
	if r := testutil.Run(t, "", "show", "shm", "--key", key); r.Code != 3 {
		t.Errorf("show shm --key %s after ipcrm: exit %d, want 3 (%s)", key, r.Code, r.Stderr)
	}
}

func TestShowMsgQBytes(t *testing.T) {
	nstest.Require(t)
	id := mk(t, "-Q")
	msgmnb := strings.TrimSpace(run(t, "cat", "/proc/sys/kernel/msgmnb"))
	if got := showJSON(t, "msg", id); num(got["qbytes"]) != msgmnb {
		t.Errorf("show msg %s qbytes = %v, want msgmnb %s", id, got["qbytes"], msgmnb)
	}
	// ls fills qbytes only when the column is asked for.
	r := testutil.Run(t, "", "ls", "msg", "-o", "id,qbytes", "--raw", "-n")
	if r.Code != 0 || strings.TrimSpace(r.Stdout) != id+" "+msgmnb {
		t.Errorf("ls msg -o id,qbytes: exit %d %q, want %q", r.Code, r.Stdout, id+" "+msgmnb)
	}
}

func TestLimitsAgreesWithProcAndIpcs(t *testing.T) {
	nstest.Require(t)
	helper := semHelper(t)
	py := sysvPython(t)
	before := limitsUsed(t)
	mk(t, "-M", "1")
	mk(t, "-M", "5000")
	mk(t, "-S", "4")
	mk(t, "-S", "1")
	q := mk(t, "-Q")
	key := procRow(t, "msg", "msqid", q)["key"]
	run(t, py, "-c", fmt.Sprintf("import sysv_ipc; q = sysv_ipc.MessageQueue(%s); q.send(b'hello'); q.send(b'world!')", key))
	run(t, helper, "mq", "/limits-test")
	t.Cleanup(func() { os.Remove("/dev/mqueue/limits-test") })
	used, limit := limitsJSON(t)

	proc := func(file string) string { return strings.TrimSpace(run(t, "cat", file)) }
	sem := strings.Fields(proc("/proc/sys/kernel/sem"))
	wantLimit := map[string]string{
		"SHMMAX": proc("/proc/sys/kernel/shmmax"), "SHMALL": proc("/proc/sys/kernel/shmall"),
		"SHMMNI": proc("/proc/sys/kernel/shmmni"), "SHMMIN": "1",
		"MSGMAX": proc("/proc/sys/kernel/msgmax"), "MSGMNB": proc("/proc/sys/kernel/msgmnb"),
		"MSGMNI": proc("/proc/sys/kernel/msgmni"),
		"SEMMSL": sem[0], "SEMMNS": sem[1], "SEMOPM": sem[2], "SEMMNI": sem[3], "SEMVMX": "32767",
		"QUEUES_MAX": proc("/proc/sys/fs/mqueue/queues_max"), "MSG_MAX": proc("/proc/sys/fs/mqueue/msg_max"),
		"MSGSIZE_MAX":     proc("/proc/sys/fs/mqueue/msgsize_max"),
		"MSG_DEFAULT":     proc("/proc/sys/fs/mqueue/msg_default"),
		"MSGSIZE_DEFAULT": proc("/proc/sys/fs/mqueue/msgsize_default"),
		"MSGHDRS":         "null", "SHMBYTES": "null",
	}
	for k, v := range wantLimit {
		if limit[k] != v {
			t.Errorf("limit %s = %s, /proc says %s", k, limit[k], v)
		}
	}

	// Usage against ipcs -u (which asks the kernel with *_INFO).
	ipcsU := run(t, "ipcs", "-u")
	field := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(ipcsU)
		if m == nil {
			t.Fatalf("ipcs -u has no %q:\n%s", re, ipcsU)
		}
		return m[1]
	}
	wantUsed := map[string]string{
		"SHMMNI":   field(`segments allocated (\d+)`),
		"SHMALL":   field(`pages allocated (\d+)`),
		"SEMMNI":   field(`used arrays = (\d+)`),
		"SEMMNS":   field(`allocated semaphores = (\d+)`),
		"MSGMNI":   field(`allocated queues = (\d+)`),
		"MSGHDRS":  field(`used headers = (\d+)`),
		"MSGBYTES": field(`used space = (\d+) bytes`),
		"SHMMAX":   "null",
	}
	for k, v := range wantUsed {
		if used[k] != v {
			t.Errorf("used %s = %s, want %s (ipcs -u:\n%s)", k, used[k], v, ipcsU)
		}
	}
	// And what was made: 2 segments of 1 + 2 pages (5001 bytes), 5
	// semaphores in 2 sets, 2 messages of 11 bytes, one POSIX queue.
	delta := map[string]uint64{"SHMMNI": 2, "SHMBYTES": 5001, "SEMMNI": 2, "SEMMNS": 5,
		"MSGMNI": 1, "MSGHDRS": 2, "MSGBYTES": 11, "QUEUES_MAX": 1}
	if os.Getpagesize() == 4096 {
		delta["SHMALL"] = 3
	}
	for k, d := range delta {
		if after := mustUint(t, used[k]); after-mustUint(t, before[k]) != d {
			t.Errorf("used %s went from %s to %s, want +%d", k, before[k], used[k], d)
		}
	}
}

// limitsJSON runs `limits --json` and returns used and limit by resource,
// as JSON number text or "null".
func limitsJSON(t *testing.T) (used, limit map[string]string) {
	t.Helper()
	used, limit = map[string]string{}, map[string]string{}
	for res, f := range limitsFigures(t) {
		used[res], limit[res] = f.Used, f.Limit
	}
	return used, limit
}

// limitFigures are one row of `limits --json`, as JSON number text or "null".
type limitFigures struct{ Used, Limit, Free string }

// limitsFigures runs `limits --json` with args and returns its rows by resource.
func limitsFigures(t *testing.T, args ...string) map[string]limitFigures {
	t.Helper()
	r := testutil.Run(t, "", append([]string{"limits", "--json"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("limits --json: exit %d: %s", r.Code, r.Stderr)
	}
	var doc struct {
		Limits []struct {
			Resource          string
			Used, Limit, Free *json.Number
		}
	}
	dec := json.NewDecoder(strings.NewReader(r.Stdout))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Stdout)
	}
	text := func(n *json.Number) string {
		if n == nil {
			return "null"
		}
		return n.String()
	}
	out := map[string]limitFigures{}
	for _, l := range doc.Limits {
		out[l.Resource] = limitFigures{text(l.Used), text(l.Limit), text(l.Free)}
	}
	return out
}

func limitsUsed(t *testing.T) map[string]string {
	used, _ := limitsJSON(t)
	return used
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("not a count: %q", s)
	}
	return v
}

func TestShowExitCodes(t *testing.T) {
	nstest.Require(t)
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"show", "shm", "42"}, 3, "ipcctl: show shm 42: not found\n"},
		{[]string{"show", "sem", "7"}, 3, "ipcctl: show sem 7: not found\n"},
		{[]string{"show", "msg", "--key", "0x7777"}, 3, "ipcctl: show msg --key 0x00007777: not found\n"},
		{[]string{"show", "shm", "4294967296"}, 2, `invalid id "4294967296"`},
		{[]string{"show", "shm", "--key", "0x100000000"}, 2, "invalid key"},
		{[]string{"show", "pshmx", "1"}, 2, `unknown kind "pshmx"`},
		{[]string{"show", "pshm", "1"}, 2, `invalid POSIX name "1": must start with /`},
		{[]string{"show", "shm"}, 2, "want KIND and ID"},
		{[]string{"limits", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"limits", "-o", "nosuch"}, 2, `unknown column "nosuch"`},
	} {
		r := testutil.Run(t, "", tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stderr, tc.err) {
			t.Errorf("ipcctl %v: exit %d stderr %q; want exit %d and %q", tc.args, r.Code, r.Stderr, tc.code, tc.err)
		}
	}
}

// An ordinary user sees the set's fields (from /proc) but may not read
// its values: "semaphores" is null, not an empty or made-up array. A
// queue's qbytes needs no permission (MSG_STAT_ANY, like /proc, shows
// every queue): it is the capacity root's IPC_STAT sees.
func TestShowWithoutReadPermission(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("namespace maps no ordinary uid")
	}
	semID := mk(t, "-S", "2", "-p", "0600")
	msgID := mk(t, "-Q", "-p", "0600")
	for _, tc := range []struct{ kind, id, field string }{{"sem", semID, "semaphores"}, {"msg", msgID, "qbytes"}} {
		cmd := exec.Command(testutil.Binary(t), "show", tc.kind, tc.id, "--json")
		nstest.AsUser(cmd, 1000, 1000)
		out, err := cmd.Output()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				t.Fatalf("show %s %s as uid 1000: %v: %s", tc.kind, tc.id, err, ee.Stderr)
			}
			t.Skipf("cannot run the binary as uid 1000: %v", err)
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		want := any(nil)
		if tc.kind == "msg" {
			id, _ := strconv.Atoi(tc.id)
			want = float64(msgStat(t, id).Qbytes) // root's IPC_STAT, a second path
		}
		if v, ok := got[tc.field]; !ok || v != want || num(got["id"]) != tc.id {
			t.Errorf("show %s %s as uid 1000: %s = %v (present %v), want %v\n%s", tc.kind, tc.id, tc.field, v, ok, want, out)
		}
	}
	// People are told why, not shown a lone "-".
	cmd := exec.Command(testutil.Binary(t), "show", "sem", semID)
	nstest.AsUser(cmd, 1000, 1000)
	if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), "------ Semaphores ------\n- (permission denied)\n") {
		t.Errorf("show sem as uid 1000: %v\n%s", err, out)
	}
}

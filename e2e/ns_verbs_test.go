package e2e

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// Every verb that changes or reads one object, run with --ns PID, must act
// in the container and never on the caller's object of the same System V
// id or POSIX name. Each test below gives the container and the test's own
// namespace twins: the same ids (through kernel.*_next_id on both sides),
// keys and names, with different sizes or contents. What changed is then
// read outside ipcctl: the container's own report (its /proc/sysvipc,
// /dev/shm and /dev/mqueue), its files through /proc/PID/root, and the
// test's /proc/sysvipc and /dev/shm directly.

// twinID is the ids both namespaces give their twins: distinctive, and
// far from the low indexes other tests' objects take.
const twinID = 7*32768 + 4321

// parseSysv splits the text of a /proc/sysvipc file into rows by id,
// each a map from the header's column names.
func parseSysv(text, kind string) map[int]map[string]string {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Scan()
	head := strings.Fields(sc.Text())
	idCol := map[string]string{"shm": "shmid", "sem": "semid", "msg": "msqid"}[kind]
	rows := map[int]map[string]string{}
	for sc.Scan() {
		vals := strings.Fields(sc.Text())
		row := map[string]string{}
		for i, h := range head {
			if i < len(vals) {
				row[h] = vals[i]
			}
		}
		if id, err := strconv.Atoi(row[idCol]); err == nil {
			rows[id] = row
		}
	}
	return rows
}

// ourSysv is the test's own /proc/sysvipc/KIND, by id.
func ourSysv(t *testing.T, kind string) map[int]map[string]string {
	t.Helper()
	b, err := os.ReadFile("/proc/sysvipc/" + kind)
	if err != nil {
		t.Fatal(err)
	}
	return parseSysv(string(b), kind)
}

// twin makes an object of kind (shm, sem or msg) with id and key in the
// container, then one with the same id and key in the test's namespace:
// arg is the size (shm) or nsems (sem) in the container; ours gets ourArg.
func twin(t *testing.T, ct *nschild.Child, kind string, id int, key int32, arg, ourArg int) {
	t.Helper()
	containerSysv(t, ct, kind, id, key, arg)
	ourSysvObject(t, kind, id, key, ourArg)
}

// containerSysv makes an object of kind with id and key in the container.
func containerSysv(t *testing.T, ct *nschild.Child, kind string, id int, key int32, arg int) {
	t.Helper()
	action := fmt.Sprintf("%s %#x %d", kind, key, arg)
	if kind == "msg" {
		action = fmt.Sprintf("msg %#x", key)
	}
	rep := ct.Do(t, fmt.Sprintf("sysctl kernel/%s_next_id %d", kind, id), action)
	if ids := rep.IDs[kind]; len(ids) == 0 || ids[len(ids)-1] != id {
		t.Fatalf("the container's %s got ids %v, want %d last", kind, ids, id)
	}
}

// ourSysvObject makes an object of kind with id and key in the test's
// namespace, removed when the test ends.
func ourSysvObject(t *testing.T, kind string, id int, key int32, arg int) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/sys/kernel/%s_next_id", kind), []byte(strconv.Itoa(id)), 0); err != nil {
		t.Fatal(err)
	}
	var nr, a2, a3, ctl uintptr
	switch kind {
	case "shm":
		nr, a2, a3, ctl = unix.SYS_SHMGET, uintptr(arg), unix.IPC_CREAT|unix.IPC_EXCL|0o600, unix.SYS_SHMCTL
	case "sem":
		nr, a2, a3, ctl = unix.SYS_SEMGET, uintptr(arg), unix.IPC_CREAT|unix.IPC_EXCL|0o600, unix.SYS_SEMCTL
	case "msg":
		nr, a2, ctl = unix.SYS_MSGGET, unix.IPC_CREAT|unix.IPC_EXCL|0o600, unix.SYS_MSGCTL
	}
	r, _, e := unix.Syscall(nr, uintptr(key), a2, a3)
	if e != 0 {
		t.Fatalf("our %s with key %#x: %v", kind, key, e)
	}
	if kind == "sem" {
		t.Cleanup(func() { unix.Syscall6(ctl, r, 0, ipcRMID, 0, 0, 0) })
	} else {
		t.Cleanup(func() { unix.Syscall(ctl, r, ipcRMID, 0) })
	}
	if int(r) != id {
		t.Fatalf("our %s got id %d, not %d", kind, r, id)
	}
}

// inContainer is the path of a file of the container's mount namespace.
func inContainer(ct *nschild.Child, path string) string {
	return fmt.Sprintf("/proc/%d/root%s", ct.PID, path)
}

// System V: rm (by id and by key), set, attach, show, sem-op, mq-send and
// mq-recv with --ns change the container's object of an id, and leave the
// test's own object of that id and key alone.
func TestNsVerbsSysVSameIDs(t *testing.T) {
	nstest.Require(t)
	ct := nschild.Start(t, nschild.Spec{Container: true})
	pid := strconv.Itoa(ct.PID)
	shmRm, shmKey, shmSet, shmAt, ourKeyed := twinID, twinID+1, twinID+2, twinID+3, twinID+4
	const keyBase, rmKey = int32(0x6e730000), int32(0x6e7300aa)
	for i, id := range []int{shmRm, shmSet, shmAt} {
		twin(t, ct, "shm", id, keyBase+int32(i), 8192, 4096)
	}
	// rm --key: the key names shmKey in the container, ourKeyed here,
	// where shmKey has another key. A lookup in the wrong namespace
	// finds no such id in the container, or the wrong key.
	containerSysv(t, ct, "shm", shmKey, rmKey, 8192)
	ourSysvObject(t, "shm", shmKey, keyBase+9, 4096)
	ourSysvObject(t, "shm", ourKeyed, rmKey, 4096)
	twin(t, ct, "sem", twinID, keyBase, 2, 2)
	twin(t, ct, "msg", twinID, keyBase, 0, 0)
	msgSendRaw(t, twinID, 1, "ours")
	s := strconv.Itoa

	// rm --ns removes the container's segment by id, and by key.
	ipcctlOK(t, "rm", "--ns", pid, "shm", s(shmRm))
	ipcctlOK(t, "rm", "--ns", pid, "shm", "--key", fmt.Sprintf("%#x", rmKey))
	// set --ns changes the container's mode.
	ipcctlOK(t, "set", "--ns", pid, "shm", s(shmSet), "--mode", "0640")
	// attach --ns writes into the container's segment (its atime and lpid
	// say it was attached).
	ipcctlOK(t, "attach", "--ns", pid, "shm", s(shmAt), "--write", "hello")
	// sem-op --ns operates on the container's set (its otime says so).
	ipcctlOK(t, "sem-op", "--ns", pid, s(twinID), "0:+3")
	// mq-send --ns queues on the container's queue.
	ipcctlOK(t, "mq-send", "--ns", pid, s(twinID), "hello!")

	rep := ct.Do(t)
	ctShm, ctSem, ctMsg := parseSysv(rep.SysvIPC["shm"], "shm"), parseSysv(rep.SysvIPC["sem"], "sem"), parseSysv(rep.SysvIPC["msg"], "msg")
	ourShm, ourSem, ourMsg := ourSysv(t, "shm"), ourSysv(t, "sem"), ourSysv(t, "msg")
	for _, id := range []int{shmRm, shmKey} {
		if _, ok := ctShm[id]; ok {
			t.Errorf("rm --ns: the container still has shm %d:\n%s", id, rep.SysvIPC["shm"])
		}
		if _, ok := ourShm[id]; !ok {
			t.Errorf("rm --ns removed our shm %d", id)
		}
	}
	if _, ok := ourShm[ourKeyed]; !ok {
		t.Errorf("rm --ns --key removed our shm %d of that key", ourKeyed)
	}
	if got := ctShm[shmSet]["perms"]; got != "640" {
		t.Errorf("set --ns: the container's shm %d has perms %q, want 640", shmSet, got)
	}
	if got := ourShm[shmSet]["perms"]; got != "600" {
		t.Errorf("set --ns changed our shm %d: perms %q", shmSet, got)
	}
	if row := ctShm[shmAt]; row["atime"] == "0" || row["lpid"] == "0" {
		t.Errorf("attach --ns: the container's shm %d was never attached: %v", shmAt, row)
	}
	if row := ourShm[shmAt]; row["atime"] != "0" || row["lpid"] != "0" {
		t.Errorf("attach --ns attached our shm %d: %v", shmAt, row)
	}
	if b := shmBytes(t, shmAt); strings.Trim(string(b), "\x00") != "" {
		t.Errorf("attach --ns wrote into our shm %d: %q", shmAt, strings.Trim(string(b), "\x00"))
	}
	if got := ctSem[twinID]["otime"]; got == "0" || got == "" {
		t.Errorf("sem-op --ns: the container's sem %d has otime %q", twinID, got)
	}
	if got := ourSem[twinID]["otime"]; got != "0" {
		t.Errorf("sem-op --ns operated on our sem %d: otime %q", twinID, got)
	}
	if v := semVals(t, twinID, 2); !slices.Equal(v, []int{0, 0}) {
		t.Errorf("sem-op --ns: our sem %d values %v", twinID, v)
	}
	if row := ctMsg[twinID]; row["qnum"] != "1" || row["cbytes"] != "6" {
		t.Errorf("mq-send --ns: the container's msg %d: %v, want 1 message of 6 bytes", twinID, row)
	}
	if row := ourMsg[twinID]; row["qnum"] != "1" || row["cbytes"] != "4" {
		t.Errorf("mq-send --ns: our msg %d: %v, want only our own message", twinID, row)
	}

	// show --ns reads the container's segment: its size, its mode.
	var rec map[string]any
	r := ipcctlOK(t, "show", "--ns", pid, "shm", s(shmSet), "--json")
	if err := json.Unmarshal([]byte(r.Stdout), &rec); err != nil {
		t.Fatalf("show --ns: %v\n%s", err, r.Stdout)
	}
	if rec["size"] != float64(8192) || rec["id"] != float64(shmSet) {
		t.Errorf("show --ns shm %d: %v, want the container's 8192-byte segment", shmSet, rec)
	}

	// mq-recv --ns takes the container's message, not ours.
	if r := ipcctlOK(t, "mq-recv", "--ns", pid, s(twinID), "--nowait"); r.Stdout != "hello!" {
		t.Errorf("mq-recv --ns got %q, want the container's message", r.Stdout)
	}
	if row := parseSysv(ct.Do(t).SysvIPC["msg"], "msg")[twinID]; row["qnum"] != "0" {
		t.Errorf("mq-recv --ns left the container's queue %v", row)
	}
	if _, body := msgRecvRaw(t, twinID); body != "ours" {
		t.Errorf("our queue holds %q, want our own message", body)
	}
}

// POSIX: show, attach, set, sem-op, mq-send, mq-recv, create and rm with
// --ns find a /NAME in the container's /dev/shm and /dev/mqueue, never the
// test's object of the same name.
func TestNsVerbsPosixSameNames(t *testing.T) {
	nstest.Require(t)
	ct := nschild.Start(t, nschild.Spec{Container: true, ShmSize: "3m",
		Do: []string{"pshm twin 8192", "psem twin 1", "mq twin"}})
	pid := strconv.Itoa(ct.PID)
	newPshm(t, "/twin", 100, 0o600)
	newPshm(t, "/oursonly", 100, 0o600)
	newPsem(t, "/twin", 5)
	newMq(t, "/twin", 4, 64, 0o600)

	var rec map[string]any
	r := ipcctlOK(t, "show", "--ns", pid, "pshm", "/twin", "--json")
	if err := json.Unmarshal([]byte(r.Stdout), &rec); err != nil {
		t.Fatalf("show --ns: %v\n%s", err, r.Stdout)
	}
	if rec["size"] != float64(8192) {
		t.Errorf("show --ns pshm /twin: size %v, want the container's 8192", rec["size"])
	}

	ipcctlOK(t, "attach", "--ns", pid, "pshm", "/twin", "--write", "hello")
	if b, err := os.ReadFile(inContainer(ct, "/dev/shm/twin")); err != nil || !strings.HasPrefix(string(b), "hello") {
		t.Errorf("attach --ns: the container's /dev/shm/twin begins %q (%v)", b[:min(len(b), 8)], err)
	}
	if b, _ := os.ReadFile("/dev/shm/twin"); strings.Trim(string(b), "\x00") != "" || len(b) != 100 {
		t.Errorf("attach --ns wrote into our /dev/shm/twin: %q", strings.Trim(string(b), "\x00"))
	}

	ipcctlOK(t, "set", "--ns", pid, "pshm", "/twin", "--mode", "0640")
	if fi, err := os.Stat(inContainer(ct, "/dev/shm/twin")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("set --ns: the container's /dev/shm/twin: %v %v, want mode 0640", fi, err)
	}
	if fi, err := os.Stat("/dev/shm/twin"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("set --ns changed our /dev/shm/twin: %v %v", fi, err)
	}

	ipcctlOK(t, "sem-op", "--ns", pid, "/twin", "post")
	if v := containerSemValue(t, ct, "twin"); v != 2 {
		t.Errorf("sem-op --ns post: the container's /twin is %d, want 2", v)
	}
	if v, _ := semFile(t, "/twin"); v != 5 {
		t.Errorf("sem-op --ns post changed our /twin to %d", v)
	}

	ipcctlOK(t, "mq-send", "--ns", pid, "/twin", "hi")
	if q := mqQsize(t, inContainer(ct, "/dev/mqueue/twin")); q != 2 {
		t.Errorf("mq-send --ns: the container's queue holds %d bytes, want 2", q)
	}
	if q, _ := mqFile(t, "/twin"); q != 0 {
		t.Errorf("mq-send --ns sent to our queue: %d bytes", q)
	}
	mqPut(t, "/twin", "ours", 0)
	if r := ipcctlOK(t, "mq-recv", "--ns", pid, "/twin", "--nowait"); r.Stdout != "hi" {
		t.Errorf("mq-recv --ns got %q, want the container's message", r.Stdout)
	}
	if q := mqQsize(t, inContainer(ct, "/dev/mqueue/twin")); q != 0 {
		t.Errorf("mq-recv --ns left %d bytes in the container's queue", q)
	}
	if body, _ := mqTake(t, "/twin"); body != "ours" {
		t.Errorf("our queue holds %q, want our own message", body)
	}

	// create --ns: a name only the container has is taken (exit 5); one
	// only we have is free there, and the new object is the container's.
	if r := testutil.Run(t, "", "create", "--ns", pid, "pshm", "/twin", "--size", "4K"); r.Code != 5 {
		t.Errorf("create --ns pshm /twin (the container has it): exit %d %s", r.Code, r.Stderr)
	}
	// What a misdirected create would make here is ours to remove: make
	// sure nothing of that name or key is here already.
	const key = "0x6e73ff01"
	if _, err := os.Lstat("/dev/shm/fresh"); err == nil {
		t.Fatal("/dev/shm/fresh exists before the test")
	}
	for _, row := range ourSysv(t, "shm") {
		if row["key"] == fmt.Sprint(0x6e73ff01) {
			t.Fatalf("a segment of key %s exists before the test: %v", key, row)
		}
	}
	ipcctlOK(t, "create", "--ns", pid, "pshm", "/oursonly", "--size", "4K")
	t.Cleanup(func() { os.Remove("/dev/shm/fresh") })
	ipcctlOK(t, "create", "--ns", pid, "pshm", "/fresh", "--size", "4K")
	idText := strings.TrimSpace(ipcctlOK(t, "create", "--ns", pid, "shm", "--size", "4K", "--key", key).Stdout)
	rep := ct.Do(t)
	for _, name := range []string{"oursonly", "fresh"} {
		if !slices.Contains(rep.DevShm, name) {
			t.Errorf("create --ns pshm /%s: the container's /dev/shm has %v", name, rep.DevShm)
		}
	}
	if fi, err := os.Stat("/dev/shm/oursonly"); err != nil || fi.Size() != 100 {
		t.Errorf("create --ns pshm /oursonly touched ours: %v %v", fi, err)
	}
	if _, err := os.Stat("/dev/shm/fresh"); err == nil {
		t.Error("create --ns pshm /fresh made it in our /dev/shm")
	}
	id, _ := strconv.Atoi(idText)
	if row, ok := parseSysv(rep.SysvIPC["shm"], "shm")[id]; !ok || row["key"] != fmt.Sprint(0x6e73ff01) {
		t.Errorf("create --ns shm printed %q; the container's /proc/sysvipc/shm:\n%s", idText, rep.SysvIPC["shm"])
	}
	for _, row := range ourSysv(t, "shm") {
		if row["key"] == fmt.Sprint(0x6e73ff01) {
			t.Errorf("create --ns shm made a segment of key %s in our namespace: %v", key, row)
			unix.Syscall(unix.SYS_SHMCTL, uintptr(atoi(row["shmid"])), ipcRMID, 0)
		}
	}

	// rm --ns takes the container's names; ours stay.
	ipcctlOK(t, "rm", "--ns", pid, "pshm", "/twin")
	ipcctlOK(t, "rm", "--ns", pid, "psem", "/twin")
	ipcctlOK(t, "rm", "--ns", pid, "mq", "/twin")
	rep = ct.Do(t)
	if slices.Contains(rep.DevShm, "twin") || slices.Contains(rep.DevShm, "sem.twin") || slices.Contains(rep.Mqueue, "twin") {
		t.Errorf("rm --ns: the container still has /dev/shm %v, /dev/mqueue %v", rep.DevShm, rep.Mqueue)
	}
	for _, path := range []string{"/dev/shm/twin", "/dev/shm/sem.twin", "/dev/mqueue/twin"} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("rm --ns removed our %s: %v", path, err)
		}
	}
}

// prune --ns removes the container's unheld POSIX objects and leaves the
// test's of the same name, just as unheld.
func TestNsPruneSameNames(t *testing.T) {
	nstest.Require(t)
	ct := nschild.Start(t, nschild.Spec{Container: true, ShmSize: "3m", Do: []string{"pshm orphan 10", "pshm held 10", "open held"}})
	newPshm(t, "/orphan", 10, 0o600)
	r := ipcctlOK(t, "prune", "--ns", strconv.Itoa(ct.PID), "pshm", "--yes", "--ignore-unreadable", "-v")
	if !strings.Contains(r.Stderr, "removed pshm /orphan") {
		t.Errorf("prune --ns says %q", r.Stderr)
	}
	if rep := ct.Do(t); !slices.Equal(rep.DevShm, []string{"held"}) {
		t.Errorf("prune --ns: the container's /dev/shm has %v, want only the held object", rep.DevShm)
	}
	if _, err := os.Stat("/dev/shm/orphan"); err != nil {
		t.Errorf("prune --ns removed our /dev/shm/orphan: %v", err)
	}
}

// containerSemValue is the value of the container's glibc semaphore NAME,
// read from its /dev/shm/sem.NAME through /proc/PID/root.
func containerSemValue(t *testing.T, ct *nschild.Child, name string) uint32 {
	t.Helper()
	b, err := os.ReadFile(inContainer(ct, "/dev/shm/sem."+name))
	if err != nil || len(b) != 32 {
		t.Fatalf("the container's sem.%s: %d bytes, %v", name, len(b), err)
	}
	return uint32(binary.NativeEndian.Uint64(b)) // sem_t: value in the low half, waiters in the high
}

// mqQsize is QSIZE of a /dev/mqueue file at path.
func mqQsize(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, f := range strings.Fields(string(b)) {
		if v, ok := strings.CutPrefix(f, "QSIZE:"); ok {
			return atoi(v)
		}
	}
	t.Fatalf("%s has no QSIZE: %q", path, b)
	return 0
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

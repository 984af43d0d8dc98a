package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// newKeyed makes a semaphore set and a message queue with the given keys
// (sysv_ipc opens them by key), returning their ids.
func newKeyed(t *testing.T, semKey, msgKey int) (semID, msgID int) {
	t.Helper()
	r, _, e := unix.Syscall(unix.SYS_SEMGET, uintptr(semKey), 1, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if e != 0 {
		t.Fatalf("semget: %v", e)
	}
	semID = int(r)
	t.Cleanup(func() { unix.Syscall6(unix.SYS_SEMCTL, uintptr(semID), 0, ipcRMID, 0, 0, 0) })
	r, _, e = unix.Syscall(unix.SYS_MSGGET, uintptr(msgKey), unix.IPC_CREAT|unix.IPC_EXCL|0o600, 0)
	if e != 0 {
		t.Fatalf("msgget: %v", e)
	}
	msgID = int(r)
	t.Cleanup(func() { unix.Syscall(unix.SYS_MSGCTL, uintptr(msgID), ipcRMID, 0) })
	return semID, msgID
}

const pythonPeer = `
import json, sys, sysv_ipc
shmid, semkey, msgkey = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
m = sysv_ipc.attach(shmid)
seen_shm = m.read(11).decode()
m.write(b"from python", 100)
m.detach()
s = sysv_ipc.Semaphore(semkey)
seen_sem = s.value
s.release()
q = sysv_ipc.MessageQueue(msgkey)
body, mtype = q.receive(block=False)
q.send(b"py\xff\x00bin", type=77)
print(json.dumps({"shm": seen_shm, "sem": seen_sem, "msg": body.decode(), "type": mtype}))
`

// TestInteropPythonSysvIPC: Python's sysv_ipc reads what ipcctl wrote and
// set, and messages go both ways.
func TestInteropPythonSysvIPC(t *testing.T) {
	nstest.Require(t)
	if err := exec.Command("/usr/bin/python3", "-c", "import sysv_ipc").Run(); err != nil {
		t.Skip("Python sysv_ipc missing (/usr/bin/python3 with python3-sysv-ipc; scripts/test-deps.sh installs it as root)")
	}
	shm := newShm(t, 4096, 0o600)
	semID, msgID := newKeyed(t, 0x1c0ffee1, 0x1c0ffee2)
	mustRun(t, "", "attach", "shm", strconv.Itoa(shm), "--write", "from ipcctl")
	mustRun(t, "", "sem-op", strconv.Itoa(semID), "--set", "0=5")
	mustRun(t, "", "mq-send", strconv.Itoa(msgID), "--type", "12", "héllo from ipcctl")

	out, err := exec.Command("/usr/bin/python3", "-c", pythonPeer, strconv.Itoa(shm), strconv.Itoa(0x1c0ffee1), strconv.Itoa(0x1c0ffee2)).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var py struct {
		Shm  string
		Sem  int
		Msg  string
		Type int
	}
	if err := json.Unmarshal(out, &py); err != nil {
		t.Fatalf("python said %s: %v", out, err)
	}
	if py.Shm != "from ipcctl" || py.Sem != 5 || py.Msg != "héllo from ipcctl" || py.Type != 12 {
		t.Errorf("python saw %+v", py)
	}
	if got := mustRun(t, "", "attach", "shm", strconv.Itoa(shm), "--read", "--offset", "100", "--length", "11"); got != "from python" {
		t.Errorf("ipcctl read %q where python wrote", got)
	}
	if got := mustRun(t, "", "sem-op", strconv.Itoa(semID), "--get", "-o", "value", "--raw", "-n"); got != "6\n" {
		t.Errorf("after python's release ipcctl sees %q, want 6", got)
	}
	if got := mustRun(t, "", "mq-recv", strconv.Itoa(msgID), "--nowait", "--json"); got != `{"type":77,"size":7,"encoding":"base64","body":"cHn/AGJpbg=="}`+"\n" {
		t.Errorf("message from python: %s", got)
	}
}

const cPeer = `
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/sem.h>
#include <sys/msg.h>

struct msg { long mtype; char text[256]; };

int main(int argc, char **argv) {
	int shmid = atoi(argv[1]), semid = atoi(argv[2]), msqid = atoi(argv[3]);
	char *p = shmat(shmid, NULL, 0);
	if (p == (void *)-1) { perror("shmat"); return 1; }
	printf("shm=%.11s\n", p);
	memcpy(p + 200, "from C", 6);
	shmdt(p);
	printf("sem=%d,%d\n", semctl(semid, 0, GETVAL), semctl(semid, 1, GETVAL));
	struct sembuf op = {1, 2, 0};
	if (semop(semid, &op, 1) < 0) { perror("semop"); return 1; }
	struct msg m;
	ssize_t n = msgrcv(msqid, &m, sizeof m.text, 0, IPC_NOWAIT);
	if (n < 0) { perror("msgrcv"); return 1; }
	printf("msg=%ld:%.*s\n", m.mtype, (int)n, m.text);
	m.mtype = 88;
	memcpy(m.text, "from C", 6);
	if (msgsnd(msqid, &m, 6, IPC_NOWAIT) < 0) { perror("msgsnd"); return 1; }
	return 0;
}
`

// TestInteropC: a C program using the libc calls sees what ipcctl did,
// and ipcctl sees what it did.
func TestInteropC(t *testing.T) {
	nstest.Require(t)
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed: the C interop test needs it")
	}
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "peer.c"), filepath.Join(dir, "peer")
	os.WriteFile(src, []byte(cPeer), 0o600)
	if out, err := exec.Command(gcc, "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	shm, sem, msg := newShm(t, 4096, 0o600), newSem(t, 2, 0o600), newMsg(t, 0o600)
	s := strconv.Itoa
	mustRun(t, "", "attach", "shm", s(shm), "--write", "from ipcctl")
	mustRun(t, "", "sem-op", s(sem), "--set-all", "7,1")
	mustRun(t, "", "mq-send", s(msg), "--type", "3", "to C")
	out, err := exec.Command(bin, s(shm), s(sem), s(msg)).CombinedOutput()
	if err != nil {
		t.Fatalf("C peer: %v\n%s", err, out)
	}
	if string(out) != "shm=from ipcctl\nsem=7,1\nmsg=3:to C\n" {
		t.Errorf("C saw:\n%s", out)
	}
	if got := mustRun(t, "", "attach", "shm", s(shm), "--read", "--offset", "200", "--length", "6"); got != "from C" {
		t.Errorf("ipcctl read %q where C wrote", got)
	}
	if got := mustRun(t, "", "sem-op", s(sem), "--get", "-o", "value", "--raw", "-n"); got != "7\n3\n" {
		t.Errorf("after C's semop ipcctl sees %q", got)
	}
	if got := mustRun(t, "", "mq-recv", s(msg), "--type", "88", "--nowait"); got != "from C" {
		t.Errorf("message from C: %q", got)
	}
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := testutil.Run(t, stdin, args...)
	if r.Code != 0 {
		t.Fatalf("ipcctl %s: exit %d: %s", strings.Join(args, " "), r.Code, r.Stderr)
	}
	return r.Stdout
}

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

func TestMqSendRecvTypes(t *testing.T) {
	nstest.Require(t)
	id := newMsg(t, 0o600)
	sid := strconv.Itoa(id)
	send := func(typ, body string) {
		t.Helper()
		if r := testutil.Run(t, "", "mq-send", sid, body, "--type", typ); r.Code != 0 {
			t.Fatalf("mq-send %s: exit %d %s", typ, r.Code, r.Stderr)
		}
	}
	recv := func(args ...string) testutil.Result {
		return testutil.Run(t, "", append([]string{"mq-recv", sid, "--nowait"}, args...)...)
	}
	for _, m := range [][2]string{{"5", "five"}, {"3", "three"}, {"9223372036854775807", "max"}, {"1", "one"}} {
		send(m[0], m[1])
	}
	// The raw second path sees what mq-send sent, in order.
	if ds := msgStat(t, id); ds.Qnum != 4 || ds.Cbytes != 4+5+3+3 {
		t.Fatalf("queue: %d messages %d bytes", ds.Qnum, ds.Cbytes)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--type", "3"}, "three"},
		{[]string{"--type", "-4"}, "one"},                // lowest type <= 4
		{[]string{"--type", "5", "--except"}, "max"},     // first not of type 5
		{[]string{}, "five"},                             // first of any type
		{[]string{"--type", "-9223372036854775807"}, ""}, // queue now empty
	} {
		r := recv(tc.args...)
		if tc.want == "" {
			if r.Code != 6 {
				t.Errorf("%v on an empty queue: exit %d %q, want 6", tc.args, r.Code, r.Stderr)
			}
			continue
		}
		if r.Code != 0 || r.Stdout != tc.want {
			t.Errorf("mq-recv %v = %q exit %d %s; want %q", tc.args, r.Stdout, r.Code, r.Stderr, tc.want)
		}
	}

	// Bodies from stdin and --in, binary, reach a raw msgrcv intact.
	if r := testutil.Run(t, "a\x00b\xff", "mq-send", sid, "--type", "7"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if typ, body := msgRecvRaw(t, id); typ != 7 || body != "a\x00b\xff" {
		t.Errorf("stdin message = %d %q", typ, body)
	}
	in := filepath.Join(t.TempDir(), "in")
	os.WriteFile(in, []byte("from a file"), 0o600)
	if r := testutil.Run(t, "", "mq-send", sid, "--in", in); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if typ, body := msgRecvRaw(t, id); typ != 1 || body != "from a file" {
		t.Errorf("--in message = %d %q", typ, body)
	}
	// And mq-recv reads what a raw msgsnd sent.
	msgSendRaw(t, id, 42, "raw")
	if r := recv("--json"); r.Stdout != `{"type":42,"size":3,"encoding":"text","body":"raw"}`+"\n" {
		t.Errorf("--json = %q %s", r.Stdout, r.Stderr)
	}
}

func TestMqRecvSizesPeekAndDrain(t *testing.T) {
	nstest.Require(t)
	id := newMsg(t, 0o600)
	sid := strconv.Itoa(id)
	msgSendRaw(t, id, 2, "0123456789")

	// Too long without --noerror: error names the flags, message stays.
	r := testutil.Run(t, "", "mq-recv", sid, "--max-size", "4")
	if r.Code != 1 || !strings.Contains(r.Stderr, "--max-size") || !strings.Contains(r.Stderr, "--noerror") || !strings.Contains(r.Stderr, "stays in the queue") {
		t.Errorf("oversized: exit %d %q", r.Code, r.Stderr)
	}
	if ds := msgStat(t, id); ds.Qnum != 1 {
		t.Fatalf("oversized message left the queue (%d messages)", ds.Qnum)
	}
	// --peek copies without removing; an index past the end exits 6.
	r = testutil.Run(t, "", "mq-recv", sid, "--peek", "0", "--json")
	if r.Code == 7 {
		t.Logf("MSG_COPY unsupported here: %s", r.Stderr)
	} else {
		if r.Code != 0 || r.Stdout != `{"type":2,"size":10,"encoding":"text","body":"0123456789"}`+"\n" {
			t.Errorf("--peek 0: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
		}
		if ds := msgStat(t, id); ds.Qnum != 1 {
			t.Errorf("--peek removed the message")
		}
		if r := testutil.Run(t, "", "mq-recv", sid, "--peek", "1"); r.Code != 6 || !strings.Contains(r.Stderr, "no message number 1") {
			t.Errorf("--peek 1: exit %d %q", r.Code, r.Stderr)
		}
		if r := testutil.Run(t, "", "mq-recv", sid, "--peek", "0", "--max-size", "3"); r.Code != 1 || msgStat(t, id).Qnum != 1 {
			t.Errorf("--peek of an oversized message: exit %d %q", r.Code, r.Stderr)
		}
	}
	// --noerror truncates (and the message is consumed).
	if r := testutil.Run(t, "", "mq-recv", sid, "--max-size", "4", "--noerror"); r.Code != 0 || r.Stdout != "0123" {
		t.Errorf("--noerror: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}

	// The default --max-size is kernel.msgmax: a msgmax-sized message fits.
	b, _ := os.ReadFile("/proc/sys/kernel/msgmax")
	msgmax, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	big := strings.Repeat("m", msgmax)
	if r := testutil.Run(t, big, "mq-send", sid); r.Code != 0 {
		t.Fatalf("msgmax-sized send: %s", r.Stderr)
	}
	if r := testutil.Run(t, "", "mq-recv", sid); r.Code != 0 || r.Stdout != big {
		t.Errorf("msgmax-sized receive: exit %d, %d bytes %s", r.Code, len(r.Stdout), r.Stderr)
	}
	if r := testutil.Run(t, big+"!", "mq-send", sid); r.Code != 2 || !strings.Contains(r.Stderr, "msgmax") {
		t.Errorf("a message over msgmax: exit %d %q", r.Code, r.Stderr)
	}

	// --count and --all drain; --all on an empty queue is fine.
	for i := 1; i <= 5; i++ {
		msgSendRaw(t, id, int64(i), "m"+strconv.Itoa(i))
	}
	if r := testutil.Run(t, "", "mq-recv", sid, "--count", "2"); r.Code != 0 || r.Stdout != "m1m2" {
		t.Errorf("--count 2: exit %d %q", r.Code, r.Stdout)
	}
	r = testutil.Run(t, "", "mq-recv", sid, "--all", "--json")
	var types []int64
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		var m struct{ Type int64 }
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("--all --json line %q: %v", line, err)
		}
		types = append(types, m.Type)
	}
	if r.Code != 0 || len(types) != 3 || types[0] != 3 || types[2] != 5 || msgStat(t, id).Qnum != 0 {
		t.Errorf("--all: exit %d types %v: %s", r.Code, types, r.Stderr)
	}
	if r := testutil.Run(t, "", "mq-recv", sid, "--all"); r.Code != 0 || r.Stdout != "" {
		t.Errorf("--all on an empty queue: exit %d %q", r.Code, r.Stderr)
	}
	if r := testutil.Run(t, "", "mq-recv", sid, "--count", "2", "--nowait"); r.Code != 6 {
		t.Errorf("--count 2 --nowait on an empty queue: exit %d", r.Code)
	}
	// --json of a binary body is base64.
	msgSendRaw(t, id, 3, "\xff\x00")
	if r := testutil.Run(t, "", "mq-recv", sid, "--json"); r.Stdout != `{"type":3,"size":2,"encoding":"base64","body":"/wA="}`+"\n" {
		t.Errorf("binary --json = %q", r.Stdout)
	}
}

func TestMqSendFullAndTimeouts(t *testing.T) {
	nstest.Require(t)
	id := newMsg(t, 0o600)
	sid := strconv.Itoa(id)
	msgSetQbytes(t, id, 10)
	if r := testutil.Run(t, "", "mq-send", sid, "12345678"); r.Code != 0 {
		t.Fatal(r.Stderr)
	}
	if r := testutil.Run(t, "", "mq-send", sid, "abc", "--nowait"); r.Code != 6 || !strings.Contains(r.Stderr, "full") {
		t.Errorf("--nowait on a full queue: exit %d %q", r.Code, r.Stderr)
	}
	if r := testutil.Run(t, "", "mq-send", sid, "0123456789A"); r.Code != 2 || !strings.Contains(r.Stderr, "qbytes 10") {
		t.Errorf("message over qbytes: exit %d %q", r.Code, r.Stderr)
	}
	// A blocked sender is let through when a receiver makes room.
	sender := startIpcctl(t, "", "mq-send", sid, "abc", "--type", "4")
	time.Sleep(100 * time.Millisecond)
	if !sender.running() {
		t.Fatalf("mq-send did not wait on a full queue: %s", sender.stderr.String())
	}
	if r := testutil.Run(t, "", "mq-recv", sid); r.Stdout != "12345678" {
		t.Fatalf("mq-recv = %q %s", r.Stdout, r.Stderr)
	}
	if code := sender.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("woken sender: exit %d %s", code, sender.stderr.String())
	}
	if typ, body := msgRecvRaw(t, id); typ != 4 || body != "abc" {
		t.Errorf("sent after waiting: %d %q", typ, body)
	}

	if code, stderr := runSeenBlocked(t, inSyscall(t, unix.SYS_MSGRCV), "mq-recv", sid, "--timeout", "1s"); code != 6 || !strings.Contains(stderr, "timed out") {
		t.Errorf("--timeout: exit %d %q", code, stderr)
	}
}

// TestMqRecvBlockAndWake: a second process blocked in mq-recv, unmoved by
// a signal aimed at its msgrcv, is woken by mq-send; so is a timed one.
func TestMqRecvBlockAndWake(t *testing.T) {
	nstest.Require(t)
	id := newMsg(t, 0o600)
	sid := strconv.Itoa(id)
	for _, args := range [][]string{{"--type", "8"}, {"--type", "8", "--timeout", "60s"}} {
		recv := startIpcctl(t, "", append([]string{"mq-recv", sid}, args...)...)
		if len(args) == 2 {
			signalThreadIn(t, recv.cmd.Process.Pid, unix.SYS_MSGRCV, syscall.SIGWINCH)
		} else {
			time.Sleep(100 * time.Millisecond)
		}
		msgSendRaw(t, id, 2, "other type")
		time.Sleep(50 * time.Millisecond)
		if !recv.running() {
			t.Fatalf("%v ended early: %s", args, recv.stderr.String())
		}
		if r := testutil.Run(t, "", "mq-send", sid, "wake up", "--type", "8"); r.Code != 0 {
			t.Fatal(r.Stderr)
		}
		if code := recv.wait(t, 10*time.Second); code != 0 || recv.stdout.String() != "wake up" {
			t.Errorf("%v: exit %d %q %s", args, code, recv.stdout.String(), recv.stderr.String())
		}
		msgRecvRaw(t, id)
	}

	// A queue removed under a waiting receiver: not found, not a bogus error.
	gone := startIpcctl(t, "", "mq-recv", sid, "--type", "8")
	signalThreadIn(t, gone.cmd.Process.Pid, unix.SYS_MSGRCV, 0) // signal 0: just wait until it waits in msgrcv
	unix.Syscall(unix.SYS_MSGCTL, uintptr(id), ipcRMID, 0)
	if code := gone.wait(t, 10*time.Second); code != 3 || !strings.Contains(gone.stderr.String(), "removed") {
		t.Errorf("queue removed while waiting: exit %d %q, want 3", code, gone.stderr.String())
	}
}

// TestMqRecvOutputFailureKeepsMessage: when the output cannot be written
// the message goes back on the queue and the error names its type and size.
func TestMqRecvOutputFailureKeepsMessage(t *testing.T) {
	nstest.Require(t)
	id := newMsg(t, 0o600)
	sid := strconv.Itoa(id)
	withBrokenOutput(t, []string{"mq-recv", sid}, func() { msgSendRaw(t, id, 6, "precious") }, func(name string, code int, msg string) {
		if code != 1 || !strings.Contains(msg, "type 6") || !strings.Contains(msg, "8 bytes") || !strings.Contains(msg, "put back") {
			t.Errorf("%s: exit %d %q; want 1 naming type 6, 8 bytes, put back", name, code, msg)
		}
		if ds := msgStat(t, id); ds.Qnum != 1 {
			t.Fatalf("%s: the message was lost (queue has %d)", name, ds.Qnum)
		}
		if typ, body := msgRecvRaw(t, id); typ != 6 || body != "precious" {
			t.Errorf("%s: message back on the queue is %d %q", name, typ, body)
		}
	})
}

// A --out that cannot be created is a plain failure (1), never "not
// found" (3): the queue exists, and keeps its message.
func TestMqRecvBadOutIsNotNotFound(t *testing.T) {
	nstest.Require(t)
	id := newMsg(t, 0o600)
	msgSendRaw(t, id, 1, "keep me")
	r := testutil.Run(t, "", "mq-recv", strconv.Itoa(id), "--out", "/nonexistent-dir/x")
	if r.Code != 1 {
		t.Errorf("mq-recv --out /nonexistent-dir/x: exit %d %q, want 1", r.Code, r.Stderr)
	}
	if n := msgStat(t, id).Qnum; n != 1 {
		t.Errorf("queue has %d messages, want 1", n)
	}
	if r := testutil.Run(t, "", "show", "shm", "999999"); r.Code != 3 {
		t.Errorf("show shm 999999: exit %d, want 3", r.Code)
	}
}

// mq-send --timeout on a full System V queue waits in msgsnd (seen
// blocked, never timed), then exits 6 and sends nothing; a receive during
// the wait lets it through.
func TestMqSendTimeout(t *testing.T) {
	nstest.Require(t)
	id := newMsg(t, 0o600)
	sid := strconv.Itoa(id)
	msgSetQbytes(t, id, 8)
	msgSendRaw(t, id, 1, "12345678") // full
	code, stderr := runSeenBlocked(t, inSyscall(t, unix.SYS_MSGSND), "mq-send", sid, "late", "--timeout", "1s")
	if code != 6 || !strings.Contains(stderr, "timed out") {
		t.Errorf("mq-send --timeout on a full queue: exit %d %q, want 6", code, stderr)
	}
	if ds := msgStat(t, id); ds.Qnum != 1 {
		t.Errorf("the timed-out message was sent: %d messages", ds.Qnum)
	}
	sender := startIpcctl(t, "", "mq-send", sid, "abc", "--type", "4", "--timeout", "60s")
	signalThreadIn(t, sender.cmd.Process.Pid, unix.SYS_MSGSND, syscall.SIGWINCH) // a stray signal does not end the wait
	msgRecvRaw(t, id)
	if code := sender.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("woken sender: exit %d %s", code, sender.stderr.String())
	}
	if typ, body := msgRecvRaw(t, id); typ != 4 || body != "abc" {
		t.Errorf("sent after waiting: %d %q", typ, body)
	}
}

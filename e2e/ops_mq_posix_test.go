package e2e

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"golang.org/x/sys/unix"
)

func TestMqSendPosix(t *testing.T) {
	nstest.Require(t)
	newMq(t, "/e2e-snd", 3, 8, 0o600)
	in := filepath.Join(t.TempDir(), "in")
	os.WriteFile(in, []byte{0, 0xff, 'f'}, 0o600)

	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-snd", "low"), 0)
	expectRun(t, testutil.Run(t, "stdin", "mq-send", "/e2e-snd", "--priority", "32767"), 0)
	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-snd", "--in", in, "--priority", "5"), 0)
	if q, _ := mqFile(t, "/e2e-snd"); q != 3+5+3 || mqCurMsgs(t, "/e2e-snd") != 3 {
		t.Fatalf("after 3 sends: QSIZE %d, curmsgs %d", q, mqCurMsgs(t, "/e2e-snd"))
	}
	// Full: --nowait and --timeout exit 6, nothing added.
	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-snd", "x", "--nowait"), 6, "full")
	code, stderr := runSeenBlocked(t, inSyscall(t, unix.SYS_MQ_TIMEDSEND), "mq-send", "/e2e-snd", "x", "--timeout", "1s")
	expectRun(t, testutil.Result{Code: code, Stderr: stderr}, 6, "timed out")
	for _, want := range []struct {
		body string
		prio uint32
	}{{"stdin", 32767}, {"\x00\xfff", 5}, {"low", 0}} {
		if body, prio := mqTake(t, "/e2e-snd"); body != want.body || prio != want.prio {
			t.Errorf("received %q priority %d, want %q %d", body, prio, want.body, want.prio)
		}
	}

	// Too long for msgsize: a usage-style error naming both sizes, nothing sent.
	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-snd", "123456789"), 2, "9 bytes", "msgsize (8 bytes)", "nothing sent")
	expectRun(t, testutil.Run(t, strings.Repeat("y", 100), "mq-send", "/e2e-snd"), 2, "more than 8 bytes", "msgsize (8 bytes)")
	if n := mqCurMsgs(t, "/e2e-snd"); n != 0 {
		t.Errorf("a refused send queued %d message(s)", n)
	}
	// Exactly msgsize, and an empty message, are fine.
	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-snd", "12345678"), 0)
	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-snd", ""), 0)
	if q, _ := mqFile(t, "/e2e-snd"); q != 8 {
		t.Errorf("QSIZE %d, want 8", q)
	}

	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-snd", "x", "--priority", "32768"), 2, "invalid --priority")
	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-snd", "x", "--type", "3"), 2, "--type is for System V")
	expectRun(t, testutil.Run(t, "", "mq-send", "1", "x", "--priority", "3"), 2, "--priority is for POSIX")
	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-nosuch", "x"), 3, "not found")
	expectRun(t, testutil.Run(t, "", "mq-send", "/a/b", "x"), 2, "invalid POSIX name")
}

// TestMqSendPosixBlocks: a sender blocked on a full queue goes through
// when a receiver makes room.
func TestMqSendPosixBlocks(t *testing.T) {
	nstest.Require(t)
	newMq(t, "/e2e-full", 1, 8, 0o600)
	mqPut(t, "/e2e-full", "first", 0)
	s := startIpcctl(t, "", "mq-send", "/e2e-full", "second", "--priority", "2")
	signalThreadIn(t, s.cmd.Process.Pid, unix.SYS_MQ_TIMEDSEND, 0) // wait until it waits in mq_timedsend
	if body, _ := mqTake(t, "/e2e-full"); body != "first" {
		t.Fatalf("took %q", body)
	}
	if code := s.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("woken sender: exit %d %s", code, s.stderr.String())
	}
	if body, prio := mqTake(t, "/e2e-full"); body != "second" || prio != 2 {
		t.Errorf("sent after waiting: %q %d", body, prio)
	}
}

func TestMqRecvPosix(t *testing.T) {
	nstest.Require(t)
	newMq(t, "/e2e-rcv", 10, 16, 0o600)
	mqPut(t, "/e2e-rcv", "p1", 1)
	mqPut(t, "/e2e-rcv", "p9", 9)
	mqPut(t, "/e2e-rcv", "\xff\x00", 9)
	mqPut(t, "/e2e-rcv", "p0", 0)

	if r := testutil.Run(t, "", "mq-recv", "/e2e-rcv"); r.Code != 0 || r.Stdout != "p9" {
		t.Errorf("mq-recv = %q %s", r.Stdout, r.Stderr)
	}
	r := testutil.Run(t, "", "mq-recv", "/e2e-rcv", "--json", "--count", "2")
	want := `{"priority":9,"size":2,"encoding":"base64","body":"/wA="}` + "\n" +
		`{"priority":1,"size":2,"encoding":"text","body":"p1"}` + "\n"
	if r.Code != 0 || r.Stdout != want {
		t.Errorf("--json --count 2 = %q, want %q (%s)", r.Stdout, want, r.Stderr)
	}
	out := filepath.Join(t.TempDir(), "out")
	if r := testutil.Run(t, "", "mq-recv", "/e2e-rcv", "--out", out); r.Code != 0 || r.Stdout != "" {
		t.Errorf("--out: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != "p0" {
		t.Errorf("--out file = %q", got)
	}
	if q, _ := mqFile(t, "/e2e-rcv"); q != 0 || mqCurMsgs(t, "/e2e-rcv") != 0 {
		t.Errorf("queue not empty: QSIZE %d", q)
	}

	// Empty: --nowait and --timeout exit 6, --all exits 0 with nothing.
	expectRun(t, testutil.Run(t, "", "mq-recv", "/e2e-rcv", "--nowait"), 6, "no message")
	expectRun(t, testutil.Run(t, "", "mq-recv", "/e2e-rcv", "--timeout", "200ms"), 6, "timed out")
	if r := testutil.Run(t, "", "mq-recv", "/e2e-rcv", "--all"); r.Code != 0 || r.Stdout != "" {
		t.Errorf("--all on an empty queue: exit %d %q %s", r.Code, r.Stdout, r.Stderr)
	}
	for i := 0; i < 5; i++ {
		mqPut(t, "/e2e-rcv", fmt.Sprint(i), uint32(i))
	}
	if r := testutil.Run(t, "", "mq-recv", "/e2e-rcv", "--all"); r.Code != 0 || r.Stdout != "43210" {
		t.Errorf("--all = %q %s", r.Stdout, r.Stderr)
	}
	if n := mqCurMsgs(t, "/e2e-rcv"); n != 0 {
		t.Errorf("--all left %d", n)
	}
	// --timeout bounds the wait for all the messages asked for.
	mqPut(t, "/e2e-rcv", "only", 0)
	expectRun(t, testutil.Run(t, "", "mq-recv", "/e2e-rcv", "--count", "2", "--timeout", "200ms"), 6, "timed out")

	for _, args := range [][]string{{"--type", "1"}, {"--peek", "0"}, {"--except"}, {"--noerror"}, {"--max-size", "1K"}} {
		expectRun(t, testutil.Run(t, "", append([]string{"mq-recv", "/e2e-rcv"}, args...)...), 2, "is for System V")
	}
	expectRun(t, testutil.Run(t, "", "mq-recv", "1", "--wait-notify"), 2, "--wait-notify is for POSIX")
	expectRun(t, testutil.Run(t, "", "mq-recv", "/e2e-nosuch"), 3, "not found")
}

// TestMqRecvPosixBlocks: a blocked receiver is not ended by a signal at
// its mq_timedreceive and gets the next message; a queue removed while
// it waits stays usable by those that have it open.
func TestMqRecvPosixBlocks(t *testing.T) {
	nstest.Require(t)
	newMq(t, "/e2e-wait", 4, 16, 0o600)
	for _, args := range [][]string{nil, {"--timeout", "60s"}} {
		r := startIpcctl(t, "", append([]string{"mq-recv", "/e2e-wait", "--json"}, args...)...)
		signalThreadIn(t, r.cmd.Process.Pid, unix.SYS_MQ_TIMEDRECEIVE, syscall.SIGWINCH)
		mqPut(t, "/e2e-wait", "wake", 3)
		if code := r.wait(t, 10*time.Second); code != 0 || r.stdout.String() != `{"priority":3,"size":4,"encoding":"text","body":"wake"}`+"\n" {
			t.Errorf("%v: exit %d %q %s", args, code, r.stdout.String(), r.stderr.String())
		}
	}

	held, err := posixClient().MqOpen("/e2e-wait", unix.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	r := startIpcctl(t, "", "mq-recv", "/e2e-wait")
	timed := startIpcctl(t, "", "mq-recv", "/e2e-wait", "--timeout", "2s")
	signalThreadIn(t, r.cmd.Process.Pid, unix.SYS_MQ_TIMEDRECEIVE, 0)
	signalThreadIn(t, timed.cmd.Process.Pid, unix.SYS_MQ_TIMEDRECEIVE, 0)
	if err := posixClient().MqRemove("/e2e-wait"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/dev/mqueue/e2e-wait"); !os.IsNotExist(err) {
		t.Fatalf("queue still there after mq_unlink: %v", err)
	}
	if code := timed.wait(t, 10*time.Second); code != 6 {
		t.Errorf("--timeout on a removed queue: exit %d %s", code, timed.stderr.String())
	}
	if err := held.Send([]byte("after unlink"), 1, ipc.NoWait); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(t, 10*time.Second); code != 0 || r.stdout.String() != "after unlink" {
		t.Errorf("receiver of a removed queue: exit %d %q %s", code, r.stdout.String(), r.stderr.String())
	}
}

// TestMqRecvPosixWaitNotify: --wait-notify registers with mq_notify (seen
// as NOTIFY_PID in /dev/mqueue) and receives once a message arrives; a
// queue with another registration is a clear error.
func TestMqRecvPosixWaitNotify(t *testing.T) {
	nstest.Require(t)
	newMq(t, "/e2e-ntf", 4, 16, 0o600)
	r := startIpcctl(t, "", "mq-recv", "/e2e-ntf", "--wait-notify", "--json")
	eventually(t, "mq-recv registered in NOTIFY_PID", func() bool {
		_, pid := mqFile(t, "/e2e-ntf")
		return pid == r.cmd.Process.Pid
	})
	if !r.running() {
		t.Fatalf("--wait-notify did not wait: %s", r.stderr.String())
	}
	mqPut(t, "/e2e-ntf", "notified", 7)
	if code := r.wait(t, 10*time.Second); code != 0 || r.stdout.String() != `{"priority":7,"size":8,"encoding":"text","body":"notified"}`+"\n" {
		t.Errorf("--wait-notify: exit %d %q %s", code, r.stdout.String(), r.stderr.String())
	}
	if q, pid := mqFile(t, "/e2e-ntf"); q != 0 || pid != 0 {
		t.Errorf("after: QSIZE %d NOTIFY_PID %d", q, pid)
	}

	// A message already there: no wait at all; --all takes everything.
	mqPut(t, "/e2e-ntf", "a", 1)
	mqPut(t, "/e2e-ntf", "b", 2)
	if r := testutil.Run(t, "", "mq-recv", "/e2e-ntf", "--wait-notify", "--all"); r.Code != 0 || r.Stdout != "ba" {
		t.Errorf("--wait-notify --all = %q %s", r.Stdout, r.Stderr)
	}
	// --timeout bounds it, and the registration goes with it.
	expectRun(t, testutil.Run(t, "", "mq-recv", "/e2e-ntf", "--wait-notify", "--timeout", "200ms"), 6, "timed out")
	if _, pid := mqFile(t, "/e2e-ntf"); pid != 0 {
		t.Errorf("a timed-out --wait-notify left NOTIFY_PID %d", pid)
	}

	// Another process registered: EBUSY, said plainly.
	other := startIpcctl(t, "", "mq-recv", "/e2e-ntf", "--wait-notify")
	eventually(t, "the other registration", func() bool {
		_, pid := mqFile(t, "/e2e-ntf")
		return pid == other.cmd.Process.Pid
	})
	expectRun(t, testutil.Run(t, "", "mq-recv", "/e2e-ntf", "--wait-notify"), 1, "another process is registered")
}

// TestMqRecvPosixOutputFailureKeepsMessage: a message that cannot be
// written goes back on the queue with its priority; without write
// permission to re-send it, its body is printed in base64 on stderr.
func TestMqRecvPosixOutputFailureKeepsMessage(t *testing.T) {
	nstest.Require(t)
	newMq(t, "/e2e-keep", 4, 16, 0o644)
	put := func() {
		mqPut(t, "/e2e-keep", "precious", 4)
		mqPut(t, "/e2e-keep", "other", 4)
	}
	withBrokenOutput(t, []string{"mq-recv", "/e2e-keep"}, put, func(name string, code int, msg string) {
		if code != 1 || !strings.Contains(msg, "priority 4") || !strings.Contains(msg, "8 bytes") || !strings.Contains(msg, "sent back to the queue with priority 4") {
			t.Errorf("%s: exit %d %q", name, code, msg)
		}
		if n := mqCurMsgs(t, "/e2e-keep"); n != 2 {
			t.Fatalf("%s: the message was lost (queue has %d)", name, n)
		}
		// Re-sent: behind the message of its priority that was already there.
		for _, want := range []string{"other", "precious"} {
			if body, prio := mqTake(t, "/e2e-keep"); body != want || prio != 4 {
				t.Errorf("%s: queue gave %q %d, want %q 4", name, body, prio, want)
			}
		}
	})

	// --out where it cannot be created: nothing is received at all.
	mqPut(t, "/e2e-keep", "stay", 1)
	expectRun(t, testutil.Run(t, "", "mq-recv", "/e2e-keep", "--out", "/nonexistent-dir/x"), 1)
	if n := mqCurMsgs(t, "/e2e-keep"); n != 1 {
		t.Errorf("a bad --out took the message (queue has %d)", n)
	}

	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps only one uid: cannot test a reader without write permission")
	}
	cmd := exec.Command("sh", "-c", `exec "$0" mq-recv /e2e-keep >/dev/full`, testutil.Binary(t))
	nstest.AsUser(cmd, 1000, 1000)
	r := testutil.RunCmd(t, cmd)
	expectRun(t, r, 1, "putting it back failed", "base64: "+base64.StdEncoding.EncodeToString([]byte("stay")))
}

// TestMqPosixInteropC: C mq_receive gets ipcctl's message with its
// priority, ipcctl gets C's, and ls shows the queue C made.
func TestMqPosixInteropC(t *testing.T) {
	nstest.Require(t)
	runPosixc(t, "mqcreate", "/e2e-cq", "6", "64")
	t.Cleanup(func() { posixClient().MqRemove("/e2e-cq") })

	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-cq", "from ipcctl", "--priority", "11"), 0)
	if out, err := runPosixcCmd(t, "mqrecv", "/e2e-cq").Output(); err != nil || string(out) != "11 from ipcctl\n" {
		t.Errorf("C mq_receive = %q, %v", out, err)
	}

	runPosixc(t, "mqsend", "/e2e-cq", "3", "from C low")
	runPosixc(t, "mqsend", "/e2e-cq", "20", "from C high")
	q := byName(lsJSON(t, "mq")["mq"])["/e2e-cq"]
	if q == nil || q["maxmsg"] != float64(6) || q["msgsize"] != float64(64) || q["messages"] != float64(2) || q["used_bytes"] != float64(21) {
		t.Errorf("ls mq = %v", q)
	}
	r := testutil.Run(t, "", "mq-recv", "/e2e-cq", "--all", "--json")
	want := `{"priority":20,"size":11,"encoding":"text","body":"from C high"}` + "\n" +
		`{"priority":3,"size":10,"encoding":"text","body":"from C low"}` + "\n"
	if r.Code != 0 || r.Stdout != want {
		t.Errorf("mq-recv of C's messages = %q %s", r.Stdout, r.Stderr)
	}

	// A C receiver blocked in mq_receive gets ipcctl's message.
	c := runPosixcCmd(t, "mqrecv", "/e2e-cq")
	var cout syncBuffer
	c.Stdout = &cout
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill() })
	signalThreadIn(t, c.Process.Pid, unix.SYS_MQ_TIMEDRECEIVE, 0)
	expectRun(t, testutil.Run(t, "", "mq-send", "/e2e-cq", "wake C", "--priority", "32767"), 0)
	if err := c.Wait(); err != nil || cout.String() != "32767 wake C\n" {
		t.Errorf("blocked C receiver got %q, %v", cout.String(), err)
	}
}

package compat

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/creack/pty"
	"github.com/ipcctl/ipcctl/internal/testutil/ipcrace"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// terminal is a pseudo-terminal (of the test namespace's own devpts) for
// a front-end's stdout or stderr; text returns what was written to it.
type terminal struct {
	master, slave *os.File
	out           bytes.Buffer
	done          chan struct{}
}

func newTerminal(t *testing.T) *terminal {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	tm := &terminal{master: m, slave: s, done: make(chan struct{})}
	go func() { io.Copy(&tm.out, m); close(tm.done) }() // ends with EIO once the slave is closed
	t.Cleanup(func() { tm.text(); m.Close() })
	return tm
}

// text closes the terminal's slave side and returns what was written to
// it, with the terminal's "\r\n" back to "\n".
func (tm *terminal) text() string {
	if tm.slave != nil {
		tm.slave.Close()
		tm.slave = nil
		<-tm.done
	}
	return strings.ReplaceAll(tm.out.String(), "\r\n", "\n")
}

// ipcrm -v -a=pshm names the files it found in /dev/shm: on a terminal
// their control characters are written as \xHH (stdout's "removing"
// lines, stderr's "not found"), into a pipe as they are, as util-linux
// 2.43 writes them.
func TestIpcrmAllEscapesListedNamesOnTerminal(t *testing.T) {
	nstest.Require(t)
	const file = "/dev/shm/n\x1b[2Jx"
	for _, tc := range []struct {
		what        string
		onTerminal  bool
		name        string // as shown in the -v line
		missingName string // as shown in the message
	}{
		{"terminal", true, `n\x1b[2Jx`, `/n\x1b[2Jx`},
		{"pipe", false, "n\x1b[2Jx", "/n\x1b[2Jx"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			for _, raced := range []bool{false, true} {
				if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Remove(file) })
				if raced {
					// a new file under the name: left alone, "not found"
					beforeRemoveAll = func(ipc.Kind) { ipcrace.ReplacePosix(t, ipc.KindPshm, file[len("/dev/shm"):], 0) }
					t.Cleanup(func() { beforeRemoveAll = nil })
				}
				var stdout, stderr io.Writer
				var outBuf, errBuf bytes.Buffer
				stdout, stderr = &outBuf, &errBuf
				var outTerm, errTerm *terminal
				if tc.onTerminal {
					outTerm, errTerm = newTerminal(t), newTerminal(t)
					stdout, stderr = outTerm.slave, errTerm.slave
				}
				code := Main("ipcrm", []string{"ipcrm", "-v", "-a=pshm"}, Env{Stdout: stdout, Stderr: stderr,
					Getenv: func(string) (string, bool) { return "", false }})
				beforeRemoveAll = nil
				gotOut, gotErr := outBuf.String(), errBuf.String()
				if tc.onTerminal {
					gotOut, gotErr = outTerm.text(), errTerm.text()
				}
				wantOut, wantErr, wantCode := "removing POSIX shared memory `"+tc.name+"'\n", "", 0
				if raced {
					wantErr, wantCode = "ipcrm: name `"+tc.missingName+"' not found\n", 1
				}
				if code != wantCode || gotOut != wantOut || gotErr != wantErr {
					t.Errorf("raced=%v: exit %d, stdout %q, stderr %q; want %d, %q, %q", raced, code, gotOut, gotErr, wantCode, wantOut, wantErr)
				}
				os.Remove(file)
			}
		})
	}
}

package compat

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/ipcctl/ipcctl/internal/testutil/cbuild"
	"io"
	"os"
	"os/exec"
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

// lsipc's pretty mode (-i ID, -N NAME) shows each cell as its table
// does on a terminal: control characters as \xHH, so that a creator's
// command line (anyone's argv[0]) or a /dev/shm file name cannot drive
// the terminal. Into a pipe the cells stay raw, as util-linux prints
// them. The command line is checked against /proc/PID/cmdline.
func TestLsipcPrettyEscapesCellsOnTerminal(t *testing.T) {
	nstest.Require(t)
	const argv0 = "X\x1b[31mEVIL\x1b[0m"
	holder := exec.Command(cbuild.Build(t, "testdata/shm_holder.c"))
	holder.Args[0] = argv0
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); holder.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(line)
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", holder.Process.Pid))
	if err != nil || string(cmdline) != argv0+"\x00" {
		t.Fatalf("/proc/%d/cmdline = %q, %v; want %q", holder.Process.Pid, cmdline, err, argv0+"\x00")
	}
	const file = "/dev/shm/n\x1b[2Jx"
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(file) })

	// prettyLine is print_pretty's "%s:%*s%-36s\n" (the label padded to 36)
	prettyLine := func(label, value string) string {
		return label + ":" + strings.Repeat(" ", 35-len(label)) + value + strings.Repeat(" ", max(0, 36-len(value))) + "\n"
	}
	for _, tc := range []struct {
		args       []string
		line       string // the pretty line of the raw cell, as in a pipe
		lineOnTerm string
	}{
		{[]string{"-m", "-i", id}, prettyLine("Creator command", argv0), prettyLine("Creator command", `X\x1b[31mEVIL\x1b[0m`)},
		{[]string{"-M", "-N", "/n\x1b[2Jx"}, prettyLine("Name", "n\x1b[2Jx"), prettyLine("Name", `n\x1b[2Jx`)},
	} {
		for _, onTerminal := range []bool{false, true} {
			var piped, errOut bytes.Buffer
			var stdout io.Writer = &piped
			var term *terminal
			if onTerminal {
				term = newTerminal(t)
				stdout = term.slave
			}
			code := Main("lsipc", append([]string{"lsipc"}, tc.args...), Env{Stdout: stdout, Stderr: &errOut,
				Getenv: func(string) (string, bool) { return "", false }})
			got, want := piped.String(), tc.line
			if onTerminal {
				got, want = term.text(), tc.lineOnTerm
			}
			if code != 0 || errOut.Len() != 0 || !strings.Contains(got, want) || (onTerminal && strings.Contains(got, "\x1b")) {
				t.Errorf("lsipc %q (terminal %v): exit %d, stderr %q, stdout\n%q\nwant a line %q", tc.args, onTerminal, code, errOut.String(), got, want)
			}
		}
	}
}

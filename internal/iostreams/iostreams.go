// Package iostreams holds the standard streams of one command run and what
// is known about them (terminal or not, terminal width), so that commands
// never look at os.Stdout directly and tests can substitute buffers.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// IOStreams are the streams a command reads from and writes to.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	stdoutDiscards                 bool
	width                          int
}

// System returns the process's own streams.
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.stdinTTY = isTerminal(os.Stdin)
	s.stdoutTTY = isTerminal(os.Stdout)
	s.stderrTTY = isTerminal(os.Stderr)
	s.stdoutDiscards = isDevNull(os.Stdout)
	if s.stdoutTTY {
		if ws, err := unix.IoctlGetWinsize(int(os.Stdout.Fd()), unix.TIOCGWINSZ); err == nil {
			s.width = int(ws.Col)
		}
	}
	return s
}

// Test returns streams over buffers: stdin, stdout, stderr. None is a terminal.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// isDevNull reports whether f is /dev/null (character device 1:3). The Go
// runtime also puts /dev/null on a standard descriptor that was closed
// when the program started, so this holds for a closed stdout too.
func isDevNull(f *os.File) bool {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFCHR && unix.Major(st.Rdev) == 1 && unix.Minor(st.Rdev) == 3
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal (progress lines go there).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY, SetStdoutTTY and SetStderrTTY override detection, for tests.
func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// StdoutDiscards reports whether stdout is /dev/null, or was closed when
// the program started: whatever is written there is gone. Output is still
// written (that is a fine sink), but what exists only to be read there,
// such as the id of a new private object, would be lost.
func (s *IOStreams) StdoutDiscards() bool { return s.stdoutDiscards }

// SetStdoutDiscards overrides detection, for tests.
func (s *IOStreams) SetStdoutDiscards(v bool) { s.stdoutDiscards = v }

// TerminalWidth is the width of the terminal on stdout, or 0 when unknown or not a terminal.
func (s *IOStreams) TerminalWidth() int { return s.width }

// SetTerminalWidth overrides the detected width, for tests.
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// ColorEnabled reports whether stdout may carry ANSI color: a terminal, and NO_COLOR unset.
func (s *IOStreams) ColorEnabled() bool {
	return s.stdoutTTY && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

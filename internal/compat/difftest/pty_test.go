package difftest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// newPty opens a pseudo-terminal pair of cols columns on a devpts
// instance of the test's own (the namespace has no usable /dev/ptmx).
func newPty(t *testing.T, cols uint16) (master, slave *os.File) {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("devpts", dir, "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err != nil {
		t.Skipf("cannot mount a devpts instance for a terminal: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	m, err := os.OpenFile(filepath.Join(dir, "ptmx"), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(filepath.Join(dir, fmt.Sprint(n)), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: cols}); err != nil {
		t.Fatal(err)
	}
	return m, s
}

// runOnTerminal runs a tool with stdout on a terminal of cols columns.
func runOnTerminal(t *testing.T, cols uint16, path, argv0 string, args []string) result {
	t.Helper()
	m, s := newPty(t, cols)
	defer m.Close()
	cmd := exec.Command(path, args...)
	cmd.Args[0] = argv0
	cmd.Env = baseEnv()
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = s, &errOut
	var out bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&out, m); close(done) }() // ends with EIO once the slave is closed
	err := cmd.Run()
	s.Close()
	<-done
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errOut.String(), code}
}

// TestTerminalOutput compares the tools with stdout on terminals of
// several widths: libsmartcols then fits lsipc's table to the width
// (truncating COMMAND) and stdio buffers by line.
func TestTerminalOutput(t *testing.T) {
	ul, ours := tools(t)
	p := withPopulation(t, false)
	for _, cols := range []uint16{0, 30, 60, 80, 132, 250} {
		for _, c := range []struct {
			tool string
			args []string
		}{
			{"lsipc", []string{"-m"}}, {"lsipc", []string{"-m", "--notruncate"}}, {"lsipc", []string{"-m", "-t"}},
			{"lsipc", []string{"-q", "-c"}}, {"lsipc", []string{"-s", "-t"}}, {"lsipc", []string{"-m", "-o", "COMMAND,KEY,STATUS"}},
			{"lsipc", []string{"-s", "-i", fmt.Sprint(p.sem[0])}}, {"lsipc", []string{"-m", "-r"}}, {"lsipc", []string{"-m", "-J"}},
			{"lsipc", []string{"-m", "-y", "-o", "USED"}}, {"ipcs", nil}, {"ipcs", []string{"-m", "-t"}},
			{"ipcs", []string{"-s", "-i", fmt.Sprint(p.sem[0])}}, {"ipcs", []string{"-x"}},
		} {
			a := runOnTerminal(t, cols, ul(c.tool), c.tool, c.args)
			b := runOnTerminal(t, cols, ours(c.tool), c.tool, c.args)
			if a != b {
				t.Errorf("%s %q on %d columns: %s\n=== util-linux:\n%s\n=== ipcctl:\n%s", c.tool, c.args, cols, firstDiff(a.Stdout, b.Stdout), a, b)
			}
		}
	}
}

package compat

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/cbuild"
)

// runGetopt drives the port the way the C probe drives glibc and prints
// the same transcript.
func runGetopt(optstring string, longopts []longOption, argv []string, posixly bool) (stdout, stderr string) {
	var out, errOut bytes.Buffer
	args := append([]string(nil), argv...)
	g := newGetopt(args, optstring, longopts, &errOut, posixly)
	for {
		c := g.next()
		if c == optDone {
			break
		}
		arg := "<null>"
		if g.hasOptarg {
			arg = g.optarg
		}
		fmt.Fprintf(&out, "opt=%d arg=%s\n", c, arg)
	}
	fmt.Fprintf(&out, "end optind=%d\n", g.optind)
	for i, a := range args {
		fmt.Fprintf(&out, "argv[%d]=%s\n", i, a)
	}
	return out.String(), errOut.String()
}

func longSpec(longopts []longOption) string {
	var parts []string
	for _, o := range longopts {
		parts = append(parts, fmt.Sprintf("%s=%d=%d", o.name, o.hasArg, o.val))
	}
	return strings.Join(parts, ",")
}

// TestGetoptMatchesGlibc compares the port with glibc's getopt_long
// itself (a C probe) over the option tables of the four tools.
func TestGetoptMatchesGlibc(t *testing.T) {
	probe := cbuild.Build(t, "testdata/getopt_probe.c")
	tools := []struct {
		optstring string
		longopts  []longOption
	}{
		{"i:qmsatpclubVh", ipcsLongopts},
		{"q:m:s:Q:M:S:a::vhV", ipcrmLongopts},
		{"hM:m:QqS:sp:n:Vh", ipcmkLongopts},
		{"bceghi:JlMmN:no:PQqrSstVy", lsipcLongopts},
		{"+ab:c::", []longOption{{"alpha", 0, 'a'}, {"beta", 1, 'b'}}},
		{":ab:", []longOption{}},
	}
	argvs := [][]string{
		{},
		{"-m"},
		{"x", "-m", "y", "-q", "z"},
		{"-mq", "-s"},
		{"-i5", "-m"},
		{"-i", "5", "-m"},
		{"-i"},
		{"--id=7", "--shm"},
		{"--id", "7"},
		{"--id"},
		{"--s"},
		{"--sh"},
		{"--s=x"},
		{"--bogus=x", "-m"},
		{"--human=3"},
		{"-x", "-m"},
		{"-a", "shm", "-v"},
		{"-ashm", "-v"},
		{"--all=msg", "op1"},
		{"--all", "sem"},
		{"a", "--", "-m", "b"},
		{"-m", "--", "--", "-q"},
		{"-", "-m", ""},
		{"-M", "1K", "-Q", "extra", "-S3"},
		{"-p", "--mode", "0600", "--na", "x"},
		{"--p"},
		{"-N", "/x", "-Q", "-o", "KEY,ID", "rest", "--time-format", "iso"},
		{"--no"},
		{"--noh", "--not", "-t"},
		{"-é"},
		{"-b", "x", "-c", "-cz"},
		{"--alpha", "--beta"},
		{"--beta=1", "x", "-a"},
	}
	for _, tool := range tools {
		for _, args := range argvs {
			for _, posixly := range []bool{false, true} {
				argv := append([]string{"/some/path/prog"}, args...)
				cmd := exec.Command(probe, append([]string{tool.optstring, longSpec(tool.longopts)}, argv...)...)
				cmd.Env = os.Environ()
				if posixly {
					cmd.Env = append(cmd.Env, "POSIXLY_CORRECT=1")
				} else {
					cmd.Env = withoutEnv(cmd.Env, "POSIXLY_CORRECT")
				}
				var cOut, cErr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &cOut, &cErr
				if err := cmd.Run(); err != nil {
					t.Fatalf("probe %v: %v\n%s", argv, err, cErr.String())
				}
				gOut, gErr := runGetopt(tool.optstring, tool.longopts, argv, posixly)
				if gOut != cOut.String() || gErr != cErr.String() {
					t.Errorf("optstring %q argv %q posixly=%v:\nglibc:\n%s%s\nport:\n%s%s", tool.optstring, argv, posixly, cOut.String(), cErr.String(), gOut, gErr)
				}
			}
		}
	}
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return out
}

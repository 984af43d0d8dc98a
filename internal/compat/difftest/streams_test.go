package difftest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestInterleaving sends stdout and stderr into one pipe: the front-ends
// buffer stdout as stdio does (blocks on a pipe, lines on a terminal),
// so "removing ..." lines and error messages come out in util-linux's
// order.
func TestInterleaving(t *testing.T) {
	ul, ours := tools(t)
	for _, args := range [][]string{{"-v", "-a"}, {"-v", "-m", "0", "-m", "99", "-q", "1"}, {"shm", "0", "x", "99", "1"}} {
		for _, uid := range []int{0, 1000} {
			compareMutating(t, ul, ours, childSpec{Tool: "ipcrm", Args: args, Population: "varied", Combined: true, AsUID: uid})
		}
	}
	compareMutating(t, ul, ours, childSpec{Tool: "ipcmk", Args: []string{"-M", "10", "-Q", "-S", "0"}, Population: "empty", Combined: true})
}

// TestWriteErrors: a failed write to stdout (here /dev/full) makes the
// status 1 with "NAME: write error", with strerror when the failure came
// at exit, without when an earlier block already failed.
func TestWriteErrors(t *testing.T) {
	ul, ours := tools(t)
	withPopulation(t, false)
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	run := func(path, name string, args []string) result {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer full.Close()
		cmd := exec.Command(path, args...)
		cmd.Args[0] = name
		cmd.Env = baseEnv()
		var errOut strings.Builder
		cmd.Stdout, cmd.Stderr = full, &errOut
		err = cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return result{Stderr: errOut.String(), Code: code}
	}
	for _, c := range []struct {
		tool string
		args []string
	}{
		{"ipcs", nil}, {"ipcs", []string{"-m", "-i", "0"}}, {"ipcs", []string{"-m", "-i", "99999"}}, {"ipcs", []string{"-a", "-t", "-c"}},
		{"lsipc", []string{"-m"}}, {"lsipc", []string{"-m", "-J", "-o", "+CUSER,CGROUP,USER,GROUP"}}, {"lsipc", []string{"-g"}},
		{"ipcs", []string{"-h"}}, {"lsipc", []string{"-V"}},
	} {
		a, b := run(ul(c.tool), c.tool, c.args), run(ours(c.tool), c.tool, c.args)
		if c.args != nil && (c.args[0] == "-V") {
			continue // the version line differs; the status is what counts
		}
		if a != b {
			t.Errorf("%s %q > /dev/full:\n=== util-linux:\n%s\n=== ipcctl:\n%s", c.tool, c.args, a, b)
		}
	}
	if b := run(ours("lsipc"), "lsipc", []string{"-V"}); b.Code != 1 || !strings.Contains(b.Stderr, "write error") {
		t.Errorf("lsipc -V > /dev/full: %s", b)
	}
	// stdout closed: nothing to say (EBADF at exit). Past 8 KiB util-linux
	// fails a full buffer; ipcctl cannot tell a closed stdout from the
	// /dev/null the Go runtime puts there (docs/compat.md).
	big := []string{"lsipc", "-m", "-J", "-o", "+" + strings.Repeat("CUSER,CGROUP,USER,GROUP,UID,GID,CUID,CGID,", 5) + "KEY"}
	if n := len(runTool(t, ours("lsipc"), "lsipc", big[1:], baseEnv()).Stdout); n <= 8192 {
		t.Fatalf("%q prints %d bytes, want more than an 8 KiB block", big, n)
	}
	for _, c := range [][]string{{"ipcs"}, {"ipcs", "-V"}, {"lsipc", "-m"}, {"ipcs", "-a", "-c"}, {"lsipc", "-g", "-e"}, big} {
		closed := func(tool string) result {
			return runTool(t, "/bin/sh", "sh", append([]string{"-c", `exec "$@" >&-`, c[0], tool}, c[1:]...), baseEnv())
		}
		a, b := closed(ul(c[0])), closed(ours(c[0]))
		if len(c) == len(big) {
			if b.Code != 0 || b.Stderr != "" || a.Code != 1 {
				t.Errorf("%q >&-: ipcctl %s, util-linux %s; want ipcctl 0 and silent, util-linux 1", c, b, a)
			}
			continue
		}
		if a != b {
			t.Errorf("%q >&-:\n=== util-linux:\n%s\n=== ipcctl:\n%s", c, a, b)
		}
	}
}

// TestTimeZones: times in several zones, ISO offsets with negative and
// odd minutes, TZ unset, empty, with a colon and as a path.
func TestTimeZones(t *testing.T) {
	ul, ours := tools(t)
	withPopulation(t, false)
	for _, tz := range []string{"", "UTC", "America/St_Johns", "Asia/Kathmandu", ":Europe/Berlin", "/usr/share/zoneinfo/Pacific/Chatham", "unset",
		"CET-1CEST,M3.5.0,M10.5.0/3", "<+0530>-5:30", "EST5EDT", "UTC0", "JST-9", "<-0330>3:30"} {
		env := []string{}
		for _, e := range baseEnv() {
			if !strings.HasPrefix(e, "TZ=") {
				env = append(env, e)
			}
		}
		if tz != "unset" {
			env = append(env, "TZ="+tz)
		}
		for _, c := range []struct {
			tool string
			args []string
		}{{"ipcs", []string{"-t"}}, {"ipcs", []string{"-m", "-i", "0"}}, {"lsipc", []string{"-m", "-t", "--time-format=iso"}},
			{"lsipc", []string{"-q", "-t", "--time-format=full"}}, {"lsipc", []string{"-s", "-t"}}} {
			a := runTool(t, ul(c.tool), c.tool, c.args, env)
			b := runTool(t, ours(c.tool), c.tool, c.args, env)
			if a != b {
				t.Errorf("TZ=%q %s %q: %s", tz, c.tool, c.args, firstDiff(a.Stdout, b.Stdout))
			}
		}
	}
}

// TestCompatSubcommand: `ipcctl compat NAME` is NAME.
func TestCompatSubcommand(t *testing.T) {
	ul, _ := tools(t)
	withPopulation(t, false)
	bin := testBin(t)
	for _, args := range [][]string{{"ipcs", "-a"}, {"lsipc", "-m", "-J"}, {"ipcs", "--bogus"}, {"lsipc", "-i", "x", "-m"}} {
		a := runTool(t, ul(args[0]), args[0], args[1:], baseEnv())
		b := runTool(t, bin, "ipcctl", append([]string{"compat"}, args...), baseEnv())
		if a != b {
			t.Errorf("ipcctl compat %q:\n=== util-linux:\n%s\n=== ipcctl:\n%s", args, a, b)
		}
	}
	if r := runTool(t, bin, "ipcctl", []string{"compat", "nosuch"}, baseEnv()); r.Code != 2 || !strings.Contains(r.Stderr, "unknown front-end") {
		t.Errorf("ipcctl compat nosuch: %s", r)
	}
	if r := runTool(t, bin, "ipcctl", []string{"compat"}, baseEnv()); r.Code != 0 || !strings.Contains(r.Stdout, "ipcctl compat {ipcs|ipcrm|ipcmk|lsipc}") {
		t.Errorf("ipcctl compat: %s", r)
	}
}

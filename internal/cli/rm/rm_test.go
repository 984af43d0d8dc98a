package rm

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

func TestNewCmdRm(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
	}{
		{[]string{"shm", "1", "2"}, Options{Args: []string{"shm", "1", "2"}}},
		{[]string{"sem", "--key", "0x1", "--key", "2", "-f", "-v"}, Options{Args: []string{"sem"}, Keys: []string{"0x1", "2"}, Force: true, Verbose: true}},
		{[]string{"--all", "--yes", "--owner", "root", "--older-than", "1h30m", "--orphaned"},
			Options{Args: []string{}, All: true, Yes: true, Filter: kinds.FilterFlags{Owner: "root", OlderThan: "1h30m", Orphaned: true}}},
		{[]string{"-a", "shm", "msg", "--dry-run", "--json"},
			Options{Args: []string{"shm", "msg"}, All: true, DryRun: true, Output: cmdutil.OutputOptions{JSON: true}, outputChanged: true}},
		{[]string{"pshm", "/a", "/b", "-f", "--dry-run"}, Options{Args: []string{"pshm", "/a", "/b"}, Force: true, DryRun: true}},
		{[]string{"--all", "psem", "mq", "--owner", "0", "--older-than", "7d", "--yes"},
			Options{Args: []string{"psem", "mq"}, All: true, Filter: kinds.FilterFlags{Owner: "0", OlderThan: "7d"}, Yes: true}},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdRm(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		got.IO, got.Factory = nil, nil
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%v:\n got %+v\nwant %+v", tc.args, *got, tc.want)
		}
	}
}

// Every argument is checked before anything is removed: these plans fail
// with a usage error, and the fixture tree has no objects to list anyway.
func TestRmUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		msg  string
	}{
		{"nothing", Options{}, "want KIND ID"},
		{"kind only", Options{Args: []string{"shm"}}, "want ids"},
		{"bad kind", Options{Args: []string{"shmem", "1"}}, "unknown kind"},
		{"big id last", Options{Args: []string{"shm", "1", "2", "2147483648"}}, "invalid id"},
		{"negative id", Options{Args: []string{"shm", "-1"}}, "invalid id"},
		{"bad key", Options{Args: []string{"msg"}, Keys: []string{"0x1", "0x100000000"}}, "invalid key"},
		{"private key", Options{Args: []string{"msg"}, Keys: []string{"0"}}, "IPC_PRIVATE"},
		{"ids with all", Options{Args: []string{"shm", "1"}, All: true, Yes: true}, "kinds, not ids"},
		{"key with all", Options{Args: []string{"shm"}, Keys: []string{"1"}, All: true, Yes: true}, "does not go with --all"},
		{"orphaned sem", Options{Args: []string{"sem"}, Filter: kinds.FilterFlags{Orphaned: true}}, "--orphaned applies to shm only, not sem"},
		{"no yes", Options{All: true}, "needs --yes"},
		{"no yes with kind", Options{Args: []string{"shm"}, All: true}, "needs --yes"},
		{"output without dry-run", Options{Args: []string{"shm", "1"}, outputChanged: true}, "--dry-run"},
		{"negative age", Options{All: true, Yes: true, Filter: kinds.FilterFlags{OlderThan: "-1h"}}, "invalid --older-than"},
		{"zero age", Options{All: true, Yes: true, Filter: kinds.FilterFlags{OlderThan: "0s"}}, "want a positive age"},
		{"bad owner", Options{All: true, Filter: kinds.FilterFlags{Owner: "no-such-user-xyz"}}, "unknown user"},
		{"filter without yes", Options{Filter: kinds.FilterFlags{Owner: "root"}}, "needs --yes"},
		{"name with all", Options{Args: []string{"pshm", "/a"}, All: true, Yes: true}, "kinds, not ids or names"},
		{"bad name last", Options{Args: []string{"pshm", "/a", "/b/c"}}, "no / allowed"},
		{"name without slash", Options{Args: []string{"psem", "a"}}, "must start with /"},
		{"dot name", Options{Args: []string{"mq", "/.."}}, "refers to a directory"},
		{"id for pshm", Options{Args: []string{"pshm", "5"}}, "must start with /"},
		{"posix key", Options{Args: []string{"psem"}, Keys: []string{"1"}}, "have no keys"},
		{"orphaned pshm", Options{Args: []string{"pshm"}, Filter: kinds.FilterFlags{Orphaned: true}}, "shm only"},
		{"no yes posix", Options{Args: []string{"pshm"}, All: true}, "needs --yes"},
	} {
		ios, _, out, _ := iostreams.Test()
		tc.opts.IO = ios
		tc.opts.Factory = &cmdutil.Factory{IOStreams: ios, FS: "testdata/none", Now: time.Now}
		err := rmRun(&tc.opts)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v (exit %d), want a usage error containing %q", tc.name, err, cmdutil.ExitCode(err), tc.msg)
		}
		if out.Len() != 0 {
			t.Errorf("%s: printed %q", tc.name, out.String())
		}
	}
}

// A selection asks on a terminal, whatever its kinds and filters; objects
// named one by one do not.
func TestConfirmEverySelectionOnATerminal(t *testing.T) {
	shm := kinds.MustGet(ipc.KindShm)
	p := &plan{kinds: []*kinds.Kind{shm}, targets: [][]kinds.Target{nil}, total: 1, out: &cmdutil.Output{Columns: [][]string{{"id"}}}}
	for _, tc := range []struct {
		name     string
		opts     Options
		tty      bool
		answer   string
		want     bool
		prompted bool
	}{
		{"no tty", Options{All: true, Yes: true}, false, "", true, false},
		{"yes", Options{All: true, Yes: true}, true, "", true, false},
		{"kind named", Options{All: true, Args: []string{"shm"}}, true, "n\n", false, true},
		{"named ids", Options{Args: []string{"shm", "1"}}, true, "", true, false},
		{"agree", Options{All: true}, true, "y\n", true, true},
		{"decline", Options{All: true}, true, "n\n", false, true},
		{"filter still asks", Options{Filter: kinds.FilterFlags{Owner: "root"}}, true, "\n", false, true},
	} {
		ios, stdin, _, stderr := iostreams.Test()
		ios.SetStdinTTY(tc.tty)
		ios.SetStderrTTY(tc.tty)
		stdin.WriteString(tc.answer)
		tc.opts.IO = ios
		tc.opts.Factory = &cmdutil.Factory{IOStreams: ios, FS: "testdata/none", Now: time.Now}
		got, err := confirm(&tc.opts, p)
		if got != tc.want || (err != nil) != !tc.want {
			t.Errorf("%s: confirm = %v, %v; want %v", tc.name, got, err, tc.want)
		}
		if prompted := strings.Contains(stderr.String(), "[y/N]"); prompted != tc.prompted {
			t.Errorf("%s: prompted %v, want %v (%q)", tc.name, prompted, tc.prompted, stderr.String())
		}
	}
}

func TestRmListColumnsRemovesNothing(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	opts := &Options{IO: ios, Factory: &cmdutil.Factory{IOStreams: ios, FS: "testdata/none", Now: time.Now},
		Args: []string{"sem"}, All: true, Yes: true, Output: cmdutil.OutputOptions{ListColumns: true}}
	if err := rmRun(opts); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "sem columns") || !strings.Contains(s, "nsems") || strings.Contains(s, "shm columns") {
		t.Errorf("--list-columns printed %q", s)
	}
}

// rm --all of a POSIX kind takes only objects of that kind. The removals
// run for real, on a temporary tree (the client's files are paths under
// its FS; only mq needs the kernel).
func TestRmAllPosixTakesOnlyItsKind(t *testing.T) {
	dir := t.TempDir()
	shm := filepath.Join(dir, "dev", "shm")
	if err := os.MkdirAll(filepath.Join(shm, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int{"a": 10, "b": 0, "sem.s": 32, "sem.bad": 3} {
		if err := os.WriteFile(filepath.Join(shm, name), make([]byte, size), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a", filepath.Join(shm, "link")); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(shm, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	names := func() string {
		ents, _ := os.ReadDir(shm)
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return strings.Join(out, " ")
	}
	run := func(args ...string) (string, error) {
		ios, _, out, _ := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: ios, FS: procfs.FS(dir), Now: time.Now}
		err := testutil.Execute(NewCmdRm(f, nil), strings.Join(args, " "))
		return out.String(), err
	}
	out, err := run("--all", "pshm", "--dry-run", "-o", "name", "--raw", "-n")
	lines := strings.Fields(out)
	sort.Strings(lines)
	if err != nil || strings.Join(lines, " ") != "/a /b" {
		t.Errorf("--dry-run --all pshm: %q, %v", out, err)
	}
	if got := names(); got != "a b dir fifo link sem.bad sem.s" {
		t.Errorf("--dry-run removed something: %s", got)
	}
	if _, err := run("--all", "pshm", "--yes"); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "dir fifo link sem.bad sem.s" {
		t.Errorf("after rm --all pshm: %s", got)
	}
	if _, err := run("--all", "psem", "--yes"); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "dir fifo link" {
		t.Errorf("after rm --all psem: %s", got)
	}
	// Named, a directory, symlink or fifo is no object: not found.
	for _, name := range []string{"/dir", "/link", "/fifo"} {
		if _, err := run("pshm", name); cmdutil.ExitCode(err) != cmdutil.ExitNotFound {
			t.Errorf("rm pshm %s: %v, want not found", name, err)
		}
	}
	if got := names(); got != "dir fifo link" {
		t.Errorf("named non-objects removed: %s", got)
	}
}

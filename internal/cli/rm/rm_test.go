package rm

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
)

func TestNewCmdRm(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
	}{
		{[]string{"shm", "1", "2"}, Options{Args: []string{"shm", "1", "2"}}},
		{[]string{"sem", "--key", "0x1", "--key", "2", "-f", "-v"}, Options{Args: []string{"sem"}, Keys: []string{"0x1", "2"}, Force: true, Verbose: true}},
		{[]string{"--all", "--yes", "--owner", "root", "--older-than", "1h30m", "--orphaned"},
			Options{Args: []string{}, All: true, Yes: true, Owner: "root", OlderThan: 90 * time.Minute, Orphaned: true}},
		{[]string{"-a", "shm", "msg", "--dry-run", "--json"},
			Options{Args: []string{"shm", "msg"}, All: true, DryRun: true, Output: cmdutil.OutputOptions{JSON: true}, outputChanged: true}},
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
		{"orphaned sem", Options{Args: []string{"sem"}, Orphaned: true}, "shm only"},
		{"no yes", Options{All: true}, "needs --yes"},
		{"no yes with kind", Options{Args: []string{"shm"}, All: true}, "needs --yes"},
		{"output without dry-run", Options{Args: []string{"shm", "1"}, outputChanged: true}, "--dry-run"},
		{"negative age", Options{All: true, Yes: true, OlderThan: -time.Hour}, "positive"},
		{"bad owner", Options{All: true, Owner: "no-such-user-xyz"}, "unknown user"},
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

func TestConfirmOnlyForAllKindsOnATerminal(t *testing.T) {
	p := &plan{total: 1}
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
		{"kind named", Options{All: true, Args: []string{"shm"}}, true, "", true, false},
		{"named ids", Options{Args: []string{"shm", "1"}}, true, "", true, false},
		{"agree", Options{All: true}, true, "y\n", true, true},
		{"decline", Options{All: true}, true, "n\n", false, true},
		{"filter still asks", Options{Owner: "root"}, true, "\n", false, true},
	} {
		ios, stdin, _, stderr := iostreams.Test()
		ios.SetStdinTTY(tc.tty)
		ios.SetStderrTTY(tc.tty)
		stdin.WriteString(tc.answer)
		tc.opts.IO = ios
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

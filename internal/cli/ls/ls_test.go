package ls

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixedNow is the clock of every run: the evening of the day fs-basic was captured.
var fixedNow = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	// Times print in the local zone; pin it so goldens match on every machine.
	time.Local = time.UTC
	os.Exit(m.Run())
}

func testFactory(fixture string) (*cmdutil.Factory, *iostreams.IOStreams, *bytes.Buffer, *bytes.Buffer) {
	ios, _, stdout, stderr := iostreams.Test()
	f := &cmdutil.Factory{
		IOStreams: ios,
		FS:        procfs.FS(filepath.Join("testdata", fixture)),
		Now:       func() time.Time { return fixedNow },
		Version:   "test",
	}
	return f, ios, stdout, stderr
}

func TestNewCmdLs(t *testing.T) {
	for _, tc := range []struct {
		args    string
		want    Options
		wantErr string
	}{
		{args: "", want: Options{}},
		{args: "shm", want: Options{Kinds: ks("shm")}},
		{args: "msg shm sem", want: Options{Kinds: ks("msg", "shm", "sem")}},
		{args: "sem shm sem sem", want: Options{Kinds: ks("sem", "shm")}},
		{args: "--owner postgres --key 0x1234 --creator-pid 42",
			want: Options{Filter: kinds.FilterFlags{Owner: "postgres", Key: "0x1234", CreatorPID: "42"}}},
		{args: "shm -o +rss,swap -b -n --numeric-perms --time-format iso",
			want: Options{Kinds: ks("shm"), Output: cmdutil.OutputOptions{
				Columns: "+rss,swap", Bytes: true, NoHeadings: true, NumericPerms: true, TimeFormat: "iso"}}},
		{args: "--output id,key --noheadings --bytes", want: Options{Output: cmdutil.OutputOptions{Columns: "id,key", NoHeadings: true, Bytes: true}}},
		{args: "mq --mount", want: Options{Kinds: ks("mq"), Mount: true}},
		{args: "--json", want: Options{Output: cmdutil.OutputOptions{JSON: true}}},
		{args: "--raw", want: Options{Output: cmdutil.OutputOptions{Raw: true}}},
		{args: "--export", want: Options{Output: cmdutil.OutputOptions{Export: true}}},
		{args: "shm --list-columns", want: Options{Kinds: ks("shm"), Output: cmdutil.OutputOptions{ListColumns: true}}},
		{args: "bogus", wantErr: `unknown kind "bogus" (valid: shm, sem, msg`},
		{args: "shm SHM", wantErr: `unknown kind "SHM"`},
		{args: "--json --raw", wantErr: "none of the others can be"},
		{args: "--raw --export", wantErr: "none of the others can be"},
		{args: "--nosuchflag", wantErr: "unknown flag: --nosuchflag"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			f, ios, _, _ := testFactory("fs-basic")
			var got *Options
			cmd := NewCmdLs(f, func(o *Options) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tc.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if strings.HasPrefix(tc.args, "bogus") || strings.HasPrefix(tc.args, "shm SHM") {
					if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage {
						t.Fatalf("exit code %d, want %d", code, cmdutil.ExitUsage)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want.IO, tc.want.Factory = ios, f
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("options\n got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

// runLsCmd runs `ls ARGS` through the command against a fixture and
// returns stdout and the error. ttyWidth 0 means stdout is a pipe;
// otherwise it is a terminal that wide.
func runLsCmd(t *testing.T, fixture, args string, ttyWidth int) (string, error) {
	t.Helper()
	f, ios, stdout, stderr := testFactory(fixture)
	if ttyWidth > 0 {
		ios.SetStdoutTTY(true)
		ios.SetTerminalWidth(ttyWidth)
	}
	cmd := NewCmdLs(f, nil)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true // as the root command does
	cmd.SetArgs(strings.Fields(args))
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	_, err := cmd.ExecuteC()
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr)
	}
	return stdout.String(), err
}

// Listings name the System V kinds: other kinds (POSIX) have tests and
// fixtures of their own, and "no kind" is tested end to end.
func TestLsRun(t *testing.T) {
	for _, tc := range []struct {
		golden, fixture, args string
		ttyWidth              int
	}{
		{"basic-human", "fs-basic", "shm sem msg", 0},
		{"basic-bytes", "fs-basic", "shm sem msg -b", 0},
		{"basic-numeric-perms", "fs-basic", "shm sem msg --numeric-perms", 0},
		{"basic-time-full", "fs-basic", "shm sem msg --time-format full", 0},
		{"basic-time-iso", "fs-basic", "shm sem msg --time-format iso", 0},
		{"basic-noheadings", "fs-basic", "shm sem msg -n", 0},
		{"basic-raw", "fs-basic", "shm sem msg --raw", 0},
		{"basic-raw-noheadings", "fs-basic", "shm sem msg --raw -n", 0},
		{"basic-export", "fs-basic", "shm sem msg --export", 0},
		{"basic-json", "fs-basic", "shm sem msg --json", 0},
		{"basic-shm-rss-swap", "fs-basic", "shm -o +rss,swap", 0},
		{"basic-id-key", "fs-basic", "shm sem msg -o id,key", 0},
		{"basic-msg-sem-order", "fs-basic", "msg sem", 0},
		{"basic-all-columns-json", "fs-basic", "shm -o key,id,owner,perms,mode,size,nattch,status,uid,gid,group,cuid,cuser,cgid,cgroup,dest,locked,cpid,lpid,atime,dtime,ctime,rss,swap --json", 0},
		{"list-columns", "fs-basic", "shm sem msg --list-columns", 0},
		{"list-columns-json", "fs-basic", "shm sem msg --list-columns --json", 0},
		{"filter-key", "fs-basic", "shm sem msg --key 0x1234", 0},
		{"filter-key-negative", "fs-odd", "shm sem msg --key -16", 0},
		{"filter-owner-name", "fs-odd", "shm sem msg --owner root", 0},
		{"filter-owner-uid", "fs-odd", "shm sem msg --owner 4000000 --json", 0},
		{"filter-creator-pid", "fs-basic", "shm --creator-pid 27465", 0},
		{"filter-creator-pid-no-kind", "fs-basic", "--creator-pid 27465 --json", 0},
		{"filter-no-match", "fs-basic", "shm sem msg --key 0x7777", 0},
		{"odd-human", "fs-odd", "shm sem msg", 0},
		{"odd-shm-bytes-all-times", "fs-odd", "shm -b -o +atime,dtime,uid,group,cuser,dest,locked,rss", 0},
		{"odd-raw", "fs-odd", "shm sem msg --raw -o +uid,cuid", 0},
		{"odd-shm-raw", "fs-odd", "shm --raw -o +atime,dtime,rss,swap", 0},
		{"odd-export", "fs-odd", "shm sem msg --export", 0},
		{"odd-shm-export", "fs-odd", "shm --export -o +atime,dtime,rss", 0},
		{"odd-json", "fs-odd", "shm sem msg --json -o +uid,gid,cuid,cgid,mode", 0},
		{"odd-shm-json", "fs-odd", "shm --json -o +atime,dtime,rss,swap,dest,locked", 0},
		{"empty-human", "fs-empty", "shm sem msg", 0},
		{"empty-json", "fs-empty", "shm sem msg --json", 0},
		{"empty-raw", "fs-empty", "shm sem msg --raw", 0},
		{"sort-ctime-reverse", "fs-odd", "shm sem msg --sort ctime -r", 0},
		{"sort-size-then-id-json", "fs-odd", "shm msg --sort size,id --json -o +size", 0},
		{"sort-owner-raw", "fs-odd", "shm sem msg --sort owner,id --raw", 0},
		{"sort-nattch-export", "fs-odd", "shm --sort nattch -r --export", 0},
		{"view-creators", "fs-odd", "shm sem msg --view creators", 0},
		{"view-pids", "fs-odd", "shm sem msg --view pids", 0},
		{"view-times-json", "fs-odd", "shm sem msg --view times --json", 0},
		{"view-times-plus-raw", "fs-odd", "shm sem msg --view times -o +uid --raw", 0},
		{"view-pids-export", "fs-basic", "shm msg --view pids --export", 0},
		{"all-columns", "fs-odd", "shm sem msg -o all", 0},
		{"all-columns-json", "fs-odd", "shm sem msg -o all --json", 0},
		{"all-columns-export", "fs-basic", "shm -o ALL --export", 0},
		{"plus-qbytes-every-kind", "fs-basic", "shm sem msg -o +qbytes --json", 0},
		{"basic-tty", "fs-basic", "shm sem msg", 200},
		{"odd-tty", "fs-odd", "shm sem msg -o +uid", 200},
		{"odd-tty-narrow", "fs-odd", "shm sem msg -b -o +uid,gid,cuid,cgid", 60},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			got, err := runLsCmd(t, tc.fixture, tc.args, tc.ttyWidth)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.golden, got)
		})
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli/ls -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (rerun with -update if intended)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// The terminal layout must show the same cells as the piped
// path, only laid out by another aligner.
func TestLsTTYSameCells(t *testing.T) {
	for _, fixture := range []string{"fs-basic", "fs-odd"} {
		for _, args := range []string{"shm sem msg", "shm sem msg -b -o +uid,gid", "shm -o +atime,dtime,rss,swap,dest", "msg sem shm --numeric-perms --time-format full"} {
			piped, err := runLsCmd(t, fixture, args, 0)
			if err != nil {
				t.Fatal(err)
			}
			tty, err := runLsCmd(t, fixture, args, 200)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := cells(piped), cells(tty); !reflect.DeepEqual(a, b) {
				t.Errorf("%s ls %s: terminal cells differ from piped\npiped:\n%s\ntty:\n%s", fixture, args, piped, tty)
			}
		}
	}
}

func cells(out string) [][]string {
	var rows [][]string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			rows = append(rows, f)
		}
	}
	return rows
}

func TestLsRunErrors(t *testing.T) {
	for _, tc := range []struct {
		fixture, args string
		code          int
		err           string
	}{
		{"fs-basic", "--key 0x100000000", cmdutil.ExitUsage, "invalid key"},
		{"fs-basic", "--key nonsense", cmdutil.ExitUsage, "invalid key"},
		{"fs-basic", "--creator-pid 0", cmdutil.ExitUsage, "invalid pid"},
		{"fs-basic", "--creator-pid 2147483648", cmdutil.ExitUsage, "invalid pid"},
		{"fs-basic", "--creator-pid -1", cmdutil.ExitUsage, "invalid pid"},
		{"fs-basic", "--owner 4294967296", cmdutil.ExitUsage, ""},
		{"fs-basic", "--owner no-such-user-here", cmdutil.ExitUsage, ""},
		{"fs-basic", "shm -o nosuch", cmdutil.ExitUsage, `unknown column "nosuch" (valid: key, id, owner`},
		{"fs-basic", "msg -o +rss", cmdutil.ExitUsage, `unknown column "rss"`},
		{"fs-basic", "-o +bogus", cmdutil.ExitUsage, `unknown column "bogus"`},
		{"fs-basic", "shm msg -o id,rss", cmdutil.ExitUsage, `column "rss" is not a column of msg`},
		{"fs-basic", "shm sem msg --creator-pid 27465", cmdutil.ExitUsage, "--creator-pid applies to shm only, not sem, msg"},
		{"fs-basic", "pshm --key 0x1", cmdutil.ExitUsage, "--key applies to shm, sem, msg only, not pshm"},
		{"fs-basic", "--sort bogus", cmdutil.ExitUsage, `--sort: unknown column "bogus"`},
		{"fs-basic", "--view bogus", cmdutil.ExitUsage, `invalid --view "bogus"`},
		{"fs-basic", "--older-than 3x", cmdutil.ExitUsage, "invalid --older-than"},
		{"fs-basic", "--time-format weird", cmdutil.ExitUsage, "invalid --time-format"},
		// A corrupt /proc file is a plain failure naming file and line.
		{"fs-corrupt", "shm", cmdutil.ExitError, "proc/sysvipc/shm:2: 3 fields, header has 14"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			_, err := runLsCmd(t, tc.fixture, tc.args, 0)
			if err == nil {
				t.Fatal("no error")
			}
			if code := cmdutil.ExitCode(err); code != tc.code || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %q exit %d; want exit %d and %q", err, code, tc.code, tc.err)
			}
		})
	}
}

// ks is the kinds named.
func ks(names ...string) []*kinds.Kind {
	out, err := kinds.Parse(names)
	if err != nil {
		panic(err)
	}
	return out
}

package mmap

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

func TestMain(m *testing.M) { nstest.Main(m) }

func testFactory() (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	return &cmdutil.Factory{IOStreams: ios, FS: procfs.DefaultFS, Now: time.Now, Version: "test"}, out, errOut
}

func TestNewCmdMmap(t *testing.T) {
	for _, tc := range []struct {
		argv    string
		want    func(o *Options) bool
		wantErr string
	}{
		{"f", func(o *Options) bool {
			return o.Path == "f" && !o.Private && o.Offset == "0" && o.Length == "" && !o.Read
		}, ""},
		{"f --private --write hi --at 4", func(o *Options) bool { return o.Private && o.HasWrite && o.Write == "hi" && o.At == "4" }, ""},
		{"f --write=", func(o *Options) bool { return o.HasWrite && o.Write == "" }, ""},
		{"f --hexdump", func(o *Options) bool { return o.Read && o.Hexdump }, ""},
		{"f --out x", func(o *Options) bool { return o.Read && o.Out == "x" }, ""},
		{"f --offset 4K --length 1M --grow --populate --lock --advise willneed --sync --invalidate --hold",
			func(o *Options) bool {
				return o.Offset == "4K" && o.Length == "1M" && o.Grow && o.Populate && o.Lock && o.Advise == "willneed" && o.Sync && o.Invalidate && o.Hold
			}, ""},
		{"f --shared --private", nil, "none of the others"},
		{"f --sync --async", nil, "none of the others"},
		{"f --write a --in b", nil, "unexpected argument"},
		{"f --write=a --in b", nil, "--write=DATA or --in"},
		{"f --write --in b", func(o *Options) bool { return o.HasWrite && !o.HasData && o.In == "b" }, ""},
		{"f --in b", func(o *Options) bool { return o.HasWrite && !o.HasData && o.In == "b" }, ""},
		{"f --write", func(o *Options) bool { return o.HasWrite && !o.HasData }, ""},
		{"f --write=hi", func(o *Options) bool { return o.HasWrite && o.HasData && o.Write == "hi" }, ""},
		{"f --write hi --offset 5", func(o *Options) bool { return o.HasData && o.Write == "hi" && o.Offset == "5" }, ""},
		{"f hi", nil, "DATA goes with --write"},
		{"f --write=a b", nil, "DATA goes with --write"},
		{"", nil, "want a FILE"},
		{"a b c", nil, "want a FILE"},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			f, _, _ := testFactory()
			var got *Options
			cmd := NewCmdMmap(f, func(o *Options) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tc.argv))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got == nil || !tc.want(got) {
				t.Fatalf("err %v, options %+v", err, got)
			}
		})
	}
}

func TestNewCmdSubcommands(t *testing.T) {
	f, _, _ := testFactory()
	var anon *AnonOptions
	c := NewCmdAnon(f, func(o *AnonOptions) error { anon = o; return nil })
	c.SetArgs([]string{"--size", "4M", "--hugepage-size", "2M", "--json"})
	if err := c.Execute(); err != nil || anon.Size != "4M" || !anon.HugeTLB || anon.HugePageSize != "2M" || !anon.Output.JSON {
		t.Errorf("anon: %v %+v", err, anon)
	}
	var res *ResidencyOptions
	c = NewCmdResidency(f, func(o *ResidencyOptions) error { res = o; return nil })
	c.SetArgs([]string{"-r", "--map", "a", "b"})
	if err := c.Execute(); err != nil || !res.Recursive || !res.Map || len(res.Paths) != 2 {
		t.Errorf("residency: %v %+v", err, res)
	}
	var touch *CacheOptions
	c = NewCmdTouch(f, func(o *CacheOptions) error { touch = o; return nil })
	c.SetArgs([]string{"--lock", "a"})
	if err := c.Execute(); err != nil || !touch.Lock || touch.Paths[0] != "a" {
		t.Errorf("touch: %v %+v", err, touch)
	}
	c = NewCmdEvict(f, func(o *CacheOptions) error { return nil })
	c.SetArgs([]string{"--lock", "a"})
	c.SetErr(&bytes.Buffer{})
	if err := c.Execute(); err == nil {
		t.Error("evict accepted --lock")
	}
}

// run runs `mmap ARGS` through mmapRun and returns stdout, stderr and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	f, out, errOut := testFactory()
	cmd := NewCmdMmap(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if err != nil { // as cli.Run prints it
		errOut.WriteString("ipcctl: " + cmdutil.Message(err) + "\n")
	}
	return out.String(), errOut.String(), cmdutil.ExitCode(err)
}

func TestMmapRun(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	page := os.Getpagesize()
	orig := strings.Repeat("abcdefgh", page/4) // two pages
	for _, tc := range []struct {
		name     string
		args     []string // FILE is appended
		code     int
		stdout   string // substring
		stderr   string // substring
		wantFile string // "" = unchanged
	}{
		{"read", []string{"--read"}, 0, orig, "", ""},
		{"read offset", []string{"--read", "--offset", "4K", "--length", "8"}, 0, "abcdefgh", "", ""},
		{"hexdump", []string{"--hexdump", "--length", "16"}, 0, "00000000  61 62 63 64 65 66 67 68  61 62 63 64 65 66 67 68  |abcdefghabcdefgh|", "", ""},
		{"summary", nil, 0, "mapped 8192 bytes at offset 0, shared, prot r", "", ""},
		{"shared write", []string{"--write", "XY", "--at", "3", "--sync"}, 0, "", "", "abcXY" + orig[5:]},
		{"private write", []string{"--private", "--write", "XY"}, 0, "", "the change was private, the file is unchanged", ""},
		{"private sync", []string{"--private", "--write", "XY", "--sync"}, 0, "", "msync on a private mapping is a no-op", ""},
		{"async invalidate", []string{"--write", "Q", "--async", "--invalidate"}, 0, "", "", "Q" + orig[1:]},
		{"advise", []string{"--advise", "sequential", "--populate", "--lock"}, 0, "2 of 2 pages resident", "", ""},
		{"bad advise", []string{"--advise", "soon"}, 2, "", "invalid --advise", ""},
		{"bad prot", []string{"--prot", "w"}, 2, "", "invalid --prot", ""},
		{"write read-only", []string{"--prot", "r", "--write", "x"}, 2, "", "read-only mapping", ""},
		{"any offset", []string{"--offset", "100", "--length", "8", "--read"}, 0, "efghabcd", "", ""},
		{"hexdump at an offset", []string{"--hexdump", "--offset", "100", "--length", "4"}, 0, "00000064  65 66 67 68", "", ""},
		{"write at offset", []string{"--write", "XY", "--offset", "3", "--sync"}, 0, "", "", "abcXY" + orig[5:]},
		{"write=DATA at offset", []string{"--write=XY", "--offset", "4099"}, 0, "", "", orig[:4099] + "XY" + orig[4101:]},
		{"write bounded by length", []string{"--write", "XYZ", "--offset", "3", "--length", "2"}, 2, "", "ends past --offset 3 + --length 2", ""},
		{"grow to the write", []string{"--grow", "--write", "Z", "--offset", "12287"}, 0, "", "", orig + strings.Repeat("\x00", page-1) + "Z"},
		{"past EOF", []string{"--length", "3pages"}, 2, "", "invalid size", ""},
		{"length past EOF", []string{"--length", "12K"}, 2, "", "(8192 bytes); --grow extends the file", ""},
		{"write past mapping", []string{"--write", "xyz", "--at", "8190"}, 2, "", "ends past the end of the file (8192 bytes; --grow extends it)", ""},
		{"offset past EOF", []string{"--offset", "8K"}, 2, "", "past the end of the file", ""},
		{"grow with a write past the length", []string{"--length", "12K", "--grow", "--write", "ZZ", "--at", "12287"}, 2, "", "ends past --offset 0 + --length 12288", ""},
		{"grow without length", []string{"--grow"}, 2, "", "--grow needs --length", ""},
		{"zero length", []string{"--length", "0", "--read"}, 2, "", "--length 0: nothing to map", ""},
		{"grow", []string{"--length", "12K", "--grow", "--write", "Z", "--at", "12287"}, 0, "", "", orig + strings.Repeat("\x00", page-1) + "Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			if err := os.WriteFile(p, []byte(orig), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := run(t, append([]string{p}, tc.args...)...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout %.200q (want %q)\nstderr %q (want %q)", code, tc.code, stdout, tc.stdout, stderr, tc.stderr)
			}
			if tc.name == "read" && stdout != orig {
				t.Errorf("--read added or lost bytes: %d bytes, want %d", len(stdout), len(orig))
			}
			want := tc.wantFile
			if want == "" {
				want = orig
			}
			if got, _ := os.ReadFile(p); string(got) != want {
				t.Errorf("file after the command: %d bytes %.40q..., want %d bytes %.40q...", len(got), got, len(want), want)
			}
		})
	}
}

func TestMmapRunFileErrors(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{filepath.Join(dir, "missing"), 3, "no such file"},
		{dir, 2, "is a directory"},
		{empty, 2, "the file is empty"},
	} {
		_, stderr, code := run(t, tc.path)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d (%s)", tc.path, code, tc.code, stderr)
		}
		f, _, _ := testFactory()
		cmd := NewCmdMmap(f, nil)
		cmd.SetArgs([]string{tc.path})
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err %v, want %q", tc.path, err, tc.msg)
		}
	}
}

// The progress line goes to stderr only when stderr is a terminal, and is
// erased at the end; stdout is the same either way.
func TestResidencyProgressOnlyOnTerminal(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		os.WriteFile(filepath.Join(dir, string(rune('a'+i))), []byte("x"), 0o644)
	}
	var outs [2]string
	for i, tty := range []bool{false, true} {
		f, out, errOut := testFactory()
		f.IOStreams.SetStderrTTY(tty)
		err := residencyRun(&ResidencyOptions{IO: f.IOStreams, Factory: f, Paths: []string{dir}, Recursive: true,
			Output: cmdutil.OutputOptions{Raw: true}})
		if err != nil {
			t.Fatal(err)
		}
		outs[i] = out.String()
		got := errOut.String()
		if tty != strings.Contains(got, "residency: ") || tty && !strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("stderr tty=%v: %q", tty, got)
		}
	}
	if outs[0] != outs[1] || strings.Count(outs[0], "\n") != 4 {
		t.Errorf("stdout differs with the terminal or lacks rows:\n%s\n%s", outs[0], outs[1])
	}
}

package create

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/spf13/cobra"
)

// parse runs argv through `create` and returns the options the kind's
// subcommand received.
func parse(argv string) (*Options, error) {
	ios, _, _, _ := iostreams.Test()
	var got *Options
	cmd := NewCmdCreate(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := testutil.Execute(cmd, argv)
	return got, err
}

func TestNewCmdCreate(t *testing.T) {
	for _, tc := range []struct {
		argv    string
		want    Options // compared: Kind name, Name, Key, Path, Proj, Mode, ModeGiven, Exclusive, Reuse
		wantErr bool
	}{
		{argv: "shm --size 1M", want: Options{Mode: "0600"}},
		{argv: "shm --size 4K --key 0x1234 --mode 0640 --exclusive", want: Options{Key: "0x1234", KeyGiven: true, Mode: "0640", ModeGiven: true, Exclusive: true}},
		{argv: "shm --size 2M --hugetlb --path /etc --proj a --reuse", want: Options{Path: "/etc", Proj: "a", Mode: "0600", Reuse: true}},
		{argv: "sem --nsems 2 --value 5 --key 7", want: Options{Key: "7", KeyGiven: true, Mode: "0600"}},
		{argv: "msg --qbytes 64K --mode 660", want: Options{Mode: "660", ModeGiven: true}},
		{argv: "pshm /a --size 1M", want: Options{Name: "/a", Mode: "0600"}},
		{argv: "pshm --reuse --size 1 /b", want: Options{Name: "/b", Mode: "0600", Reuse: true}},
		{argv: "psem /s --value 7 --mode 644 --reuse", want: Options{Name: "/s", Mode: "644", ModeGiven: true, Reuse: true}},
		{argv: "mq /q --maxmsg 5 --msgsize 1K --exclusive", want: Options{Name: "/q", Mode: "0600", Exclusive: true}},
		{argv: "shm --size 1M extra", wantErr: true},
		{argv: "shm --size 1M --key 1 --path /", wantErr: true},
		{argv: "shm --size 1M --key 1 --exclusive --reuse", wantErr: true},
		{argv: "sem --nsems 2 --value 1 --values 1,1", wantErr: true},
		{argv: "sem --nsems 2 --value 1 --key 1 --reuse", wantErr: true},
		{argv: "msg --qbytes 1K --key 1 --reuse", wantErr: true},
		{argv: "msg --size 1K", wantErr: true},
		{argv: "pshm --size 1M", wantErr: true},
		{argv: "pshm /a /b --size 1M", wantErr: true},
		{argv: "pshm /a --size 1 --key 1", wantErr: true},
		{argv: "psem /s --nsems 1", wantErr: true},
		{argv: "psem", wantErr: true},
		{argv: "mq /q --maxmsg 5", wantErr: true},
		{argv: "mq /q --msgsize 5", wantErr: true},
		{argv: "mq /q --qbytes 5", wantErr: true},
		{argv: "bogus", wantErr: true},
	} {
		got, err := parse(tc.argv)
		if tc.wantErr {
			if got != nil || err == nil {
				t.Errorf("%s: want an error before running, got %v", tc.argv, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.argv, err)
			continue
		}
		kind := strings.Fields(tc.argv)[0]
		w := tc.want
		if string(got.Kind.Name) != kind || got.Name != w.Name || got.Key != w.Key || got.KeyGiven != w.KeyGiven || got.Path != w.Path ||
			got.Proj != w.Proj || got.Mode != w.Mode || got.ModeGiven != w.ModeGiven || got.Exclusive != w.Exclusive || got.Reuse != w.Reuse || got.Make == nil {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.argv, *got, w)
		}
	}
}

// runCreate runs `create ARGV` for real over fs; usage errors come before
// any system call.
func runCreate(t *testing.T, fs procfs.FS, argv string) (string, error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, FS: fs}
	cmd := NewCmdCreate(f, nil)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })
	err := testutil.Execute(cmd, argv)
	return out.String(), err
}

// Usage errors are found before any system call: these runs never reach the kernel.
func TestCreateRunUsageErrors(t *testing.T) {
	long := "/" + strings.Repeat("n", 256)
	for _, argv := range []string{
		"shm --size 0", "shm --size -1", "shm --size x", "shm --size 16E", "shm --size 1 --mode 1777",
		"shm --size 1 --key 0x100000000", "shm --size 1 --key 1_000", "shm --size 1 --key 0b101", "shm --size 1 --key 0o17",
		"shm --size 1 --key=", "shm --size 1 --proj 1", "shm --size 1 --path /", "shm --size 1 --reuse", "shm",
		"sem", "sem --nsems 0", "sem --nsems 2147483648", "sem --nsems 1 --value 32768",
		"sem --nsems 2 --values 1,2,3", "sem --nsems 2 --values 1,-1",
		"msg --qbytes 0",
		"pshm a --size 1", "pshm /a/b --size 1", "pshm /. --size 1", "pshm /.. --size 1", "pshm / --size 1",
		"pshm " + long + " --size 1", "pshm /a", "pshm /a --size 0", "pshm /a --size 8E", "pshm /a --size 16E",
		"pshm /a --size 1 --mode 1777", "pshm /sem.x --size 1",
		"psem /" + strings.Repeat("n", 252), "psem /s --value -1", "psem /s --value 2147483648", "psem /s --value 4294967296",
		"mq /q/", "mq /q --maxmsg 0 --msgsize 1", "mq /q --maxmsg 9223372036854775808 --msgsize 1",
		"mq /q --maxmsg 1 --msgsize 0", "mq /q --maxmsg 1 --msgsize 8E",
	} {
		out, err := runCreate(t, "testdata/none", argv)
		if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage {
			t.Errorf("%s: %v exits %d, want 2", argv, err, code)
		}
		if out != "" {
			t.Errorf("%s: printed %q", argv, out)
		}
	}
}

// Limits are checked against the kernel's (here a fixture tree's) before
// any system call, with the limit named in the error.
func TestCreateOverKernelLimits(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, v string) {
		if err := os.MkdirAll(dir+"/"+rel[:strings.LastIndexByte(rel, '/')], 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/"+rel, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, v := range map[string]string{
		"shmmax": "1048576", "shmall": "256", "shmmni": "4096",
		"msgmax": "8192", "msgmnb": "16384", "msgmni": "32000", "sem": "250\t32000\t32\t128",
	} {
		write("proc/sys/kernel/"+name, v)
	}
	for name, v := range map[string]string{"queues_max": "256", "msg_max": "10", "msgsize_max": "8192", "msg_default": "10", "msgsize_default": "8192"} {
		write("proc/sys/fs/mqueue/"+name, v)
	}
	for argv, want := range map[string]string{
		"shm --size 2M":                    "over the kernel's shmmax of 1048576 bytes",
		"sem --nsems 251":                  "semmsl of 250",
		"mq /q --maxmsg 11 --msgsize 1":    "msg_max of 10 messages (/proc/sys/fs/mqueue/msg_max)",
		"mq /q --maxmsg 10 --msgsize 8193": "msgsize_max of 8192 bytes (/proc/sys/fs/mqueue/msgsize_max)",
	} {
		out, err := runCreate(t, procfs.FS(dir), argv)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), want) || out != "" {
			t.Errorf("%s: %v, %q; want a usage error with %q", argv, err, out, want)
		}
	}
}

// A private object whose id would be lost is not made at all: stdout on
// /dev/null (or closed, which the Go runtime turns into /dev/null).
func TestCreatePrivateRefusedWhenStdoutDiscards(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutDiscards(true)
	f := &cmdutil.Factory{IOStreams: ios, FS: "testdata/none"}
	err := testutil.Execute(NewCmdCreate(f, nil), "shm --size 4K")
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitError || !strings.Contains(err.Error(), "nothing was made") || out.Len() != 0 {
		t.Errorf("create shm with stdout on /dev/null: %v", err)
	}
}

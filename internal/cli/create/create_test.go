package create

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/spf13/cobra"
)

// run executes cmd with args, with usage errors typed as in the root command.
func run(t *testing.T, cmd *cobra.Command, args []string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(&nopWriter{})
	cmd.SetErr(&nopWriter{})
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })
	return cmd.Execute()
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// newCmdCase is one argv and the options it should parse to.
type newCmdCase[T any] struct {
	args    []string
	want    T
	wantErr bool
}

// testNewCmd runs each case through a NewCmdCreateX and compares the
// options runF receives; clear drops their streams and factory.
func testNewCmd[T any](t *testing.T, newCmd func(*cmdutil.Factory, func(*T) error) *cobra.Command, clear func(*T), cases []newCmdCase[T]) {
	t.Helper()
	for _, tc := range cases {
		ios, _, _, _ := iostreams.Test()
		var got *T
		cmd := newCmd(&cmdutil.Factory{IOStreams: ios}, func(o *T) error { got = o; return nil })
		err := run(t, cmd, tc.args)
		if tc.wantErr {
			if got != nil || err == nil {
				t.Errorf("%v: want an error before running, got %v", tc.args, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		clear(got)
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%v:\n got %+v\nwant %+v", tc.args, *got, tc.want)
		}
	}
}

func TestNewCmdCreateShm(t *testing.T) {
	testNewCmd(t, NewCmdCreateShm, func(o *ShmOptions) { o.IO, o.Factory = nil, nil }, []newCmdCase[ShmOptions]{
		{args: []string{"--size", "1M"}, want: ShmOptions{Size: "1M", SysvOptions: SysvOptions{Mode: "0600"}}},
		{args: []string{"--size", "4K", "--key", "0x1234", "--mode", "0640", "--exclusive"},
			want: ShmOptions{Size: "4K", SysvOptions: SysvOptions{Key: "0x1234", Mode: "0640", Exclusive: true}}},
		{args: []string{"--size", "2M", "--hugetlb", "--hugepage-size", "2M", "--noreserve", "--path", "/etc", "--proj", "a", "--reuse"},
			want: ShmOptions{Size: "2M", HugeTLB: true, HugePageSize: "2M", NoReserve: true, SysvOptions: SysvOptions{Path: "/etc", Proj: "a", Mode: "0600", Reuse: true}}},
		{args: []string{"--size", "1M", "extra"}, wantErr: true},                     // no positional args
		{args: []string{"--size", "1M", "--key", "1", "--path", "/"}, wantErr: true}, // one key source
		{args: []string{"--size", "1M", "--key", "1", "--exclusive", "--reuse"}, wantErr: true},
	})
}

func TestNewCmdCreateSem(t *testing.T) {
	testNewCmd(t, NewCmdCreateSem, func(o *SemOptions) { o.IO, o.Factory = nil, nil }, []newCmdCase[SemOptions]{
		{args: []string{"--nsems", "3", "--values", "1,2,3"}, want: SemOptions{NSems: "3", Values: "1,2,3", SysvOptions: SysvOptions{Mode: "0600"}}},
		{args: []string{"--nsems", "2", "--value", "5", "--key", "7"}, want: SemOptions{NSems: "2", Value: "5", SysvOptions: SysvOptions{Key: "7", Mode: "0600"}}},
		{args: []string{"--nsems", "2", "--value", "1", "--values", "1,1"}, wantErr: true},
		{args: []string{"--nsems", "2", "--value", "1", "--key", "1", "--reuse"}, wantErr: true},
	})
}

func TestNewCmdCreateMsg(t *testing.T) {
	testNewCmd(t, NewCmdCreateMsg, func(o *MsgOptions) { o.IO, o.Factory = nil, nil }, []newCmdCase[MsgOptions]{
		{args: nil, want: MsgOptions{SysvOptions: SysvOptions{Mode: "0600"}}},
		{args: []string{"--qbytes", "64K", "--mode", "660"}, want: MsgOptions{QBytes: "64K", SysvOptions: SysvOptions{Mode: "660"}}},
		{args: []string{"--qbytes", "1K", "--key", "1", "--reuse"}, wantErr: true},
		{args: []string{"--size", "1K"}, wantErr: true},
	})
}

func TestNewCmdCreatePshm(t *testing.T) {
	testNewCmd(t, NewCmdCreatePshm, func(o *PshmOptions) { o.IO, o.Factory = nil, nil }, []newCmdCase[PshmOptions]{
		{args: []string{"/a", "--size", "1M"}, want: PshmOptions{Size: "1M", PosixOptions: PosixOptions{Name: "/a", Mode: "0600"}}},
		{args: []string{"/a", "--size", "4K", "--mode", "0640", "--exclusive"},
			want: PshmOptions{Size: "4K", PosixOptions: PosixOptions{Name: "/a", Mode: "0640", Exclusive: true}}},
		{args: []string{"--reuse", "--size", "1", "/b"}, want: PshmOptions{Size: "1", PosixOptions: PosixOptions{Name: "/b", Mode: "0600", Reuse: true}}},
		{args: []string{"--size", "1M"}, wantErr: true},             // no name
		{args: []string{"/a", "/b", "--size", "1M"}, wantErr: true}, // one name
		{args: []string{"/a", "--size", "1", "--exclusive", "--reuse"}, wantErr: true},
		{args: []string{"/a", "--size", "1", "--key", "1"}, wantErr: true}, // System V only
	})
}

func TestNewCmdCreatePsem(t *testing.T) {
	testNewCmd(t, NewCmdCreatePsem, func(o *PsemOptions) { o.IO, o.Factory = nil, nil }, []newCmdCase[PsemOptions]{
		{args: []string{"/s"}, want: PsemOptions{Value: "0", PosixOptions: PosixOptions{Name: "/s", Mode: "0600"}}},
		{args: []string{"/s", "--value", "7", "--mode", "644", "--reuse"}, want: PsemOptions{Value: "7", PosixOptions: PosixOptions{Name: "/s", Mode: "644", Reuse: true}}},
		{args: []string{"/s", "--nsems", "1"}, wantErr: true},
		{args: nil, wantErr: true},
	})
}

func TestNewCmdCreateMq(t *testing.T) {
	testNewCmd(t, NewCmdCreateMq, func(o *MqOptions) { o.IO, o.Factory = nil, nil }, []newCmdCase[MqOptions]{
		{args: []string{"/q"}, want: MqOptions{PosixOptions: PosixOptions{Name: "/q", Mode: "0600"}}},
		{args: []string{"/q", "--maxmsg", "5", "--msgsize", "1K", "--mode", "0620", "--exclusive"},
			want: MqOptions{MaxMsg: "5", MsgSize: "1K", PosixOptions: PosixOptions{Name: "/q", Mode: "0620", Exclusive: true}}},
		{args: []string{"/q", "--maxmsg", "5"}, wantErr: true}, // --msgsize goes with it
		{args: []string{"/q", "--msgsize", "5"}, wantErr: true},
		{args: []string{"/q", "--qbytes", "5"}, wantErr: true},
	})
}

// Usage errors are found before any system call: these runs never reach the kernel.
func TestCreateRunUsageErrors(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, FS: "testdata/none"}
	sysv := func(mode string) SysvOptions { return SysvOptions{IO: ios, Factory: f, Mode: mode} }
	posix := func(name string) PosixOptions { return PosixOptions{IO: ios, Factory: f, Name: name, Mode: "0600"} }
	long := "/" + strings.Repeat("n", 256)
	for name, err := range map[string]error{
		"size 0":            createShmRun(&ShmOptions{SysvOptions: sysv("0600"), Size: "0"}),
		"size -1":           createShmRun(&ShmOptions{SysvOptions: sysv("0600"), Size: "-1"}),
		"size x":            createShmRun(&ShmOptions{SysvOptions: sysv("0600"), Size: "x"}),
		"size 16E":          createShmRun(&ShmOptions{SysvOptions: sysv("0600"), Size: "16E"}),
		"mode 1777":         createShmRun(&ShmOptions{SysvOptions: sysv("1777"), Size: "1"}),
		"bad key":           createShmRun(&ShmOptions{SysvOptions: SysvOptions{IO: ios, Factory: f, Mode: "0600", Key: "0x100000000"}, Size: "1"}),
		"proj no path":      createShmRun(&ShmOptions{SysvOptions: SysvOptions{IO: ios, Factory: f, Mode: "0600", Proj: "1"}, Size: "1"}),
		"path no proj":      createShmRun(&ShmOptions{SysvOptions: SysvOptions{IO: ios, Factory: f, Mode: "0600", Path: "/"}, Size: "1"}),
		"reuse private":     createShmRun(&ShmOptions{SysvOptions: SysvOptions{IO: ios, Factory: f, Mode: "0600", Reuse: true}, Size: "1"}),
		"no size":           createShmRun(&ShmOptions{SysvOptions: sysv("0600")}),
		"no nsems":          createSemRun(&SemOptions{SysvOptions: sysv("0600")}),
		"nsems 0":           createSemRun(&SemOptions{SysvOptions: sysv("0600"), NSems: "0"}),
		"nsems 2^31":        createSemRun(&SemOptions{SysvOptions: sysv("0600"), NSems: "2147483648"}),
		"value SEMVMX+1":    createSemRun(&SemOptions{SysvOptions: sysv("0600"), NSems: "1", Value: "32768"}),
		"values count":      createSemRun(&SemOptions{SysvOptions: sysv("0600"), NSems: "2", Values: "1,2,3"}),
		"values -1":         createSemRun(&SemOptions{SysvOptions: sysv("0600"), NSems: "2", Values: "1,-1"}),
		"qbytes 0":          createMsgRun(&MsgOptions{SysvOptions: sysv("0600"), QBytes: "0"}),
		"pshm no slash":     createPshmRun(&PshmOptions{PosixOptions: posix("a"), Size: "1"}),
		"pshm second slash": createPshmRun(&PshmOptions{PosixOptions: posix("/a/b"), Size: "1"}),
		"pshm /.":           createPshmRun(&PshmOptions{PosixOptions: posix("/."), Size: "1"}),
		"pshm /..":          createPshmRun(&PshmOptions{PosixOptions: posix("/.."), Size: "1"}),
		"pshm /":            createPshmRun(&PshmOptions{PosixOptions: posix("/"), Size: "1"}),
		"pshm too long":     createPshmRun(&PshmOptions{PosixOptions: posix(long), Size: "1"}),
		"pshm no size":      createPshmRun(&PshmOptions{PosixOptions: posix("/a")}),
		"pshm size 0":       createPshmRun(&PshmOptions{PosixOptions: posix("/a"), Size: "0"}),
		"pshm size 8E":      createPshmRun(&PshmOptions{PosixOptions: posix("/a"), Size: "8E"}),
		"pshm size 16E":     createPshmRun(&PshmOptions{PosixOptions: posix("/a"), Size: "16E"}),
		"pshm mode 1777":    createPshmRun(&PshmOptions{PosixOptions: PosixOptions{IO: ios, Factory: f, Name: "/a", Mode: "1777"}, Size: "1"}),
		"psem too long":     createPsemRun(&PsemOptions{PosixOptions: posix("/" + strings.Repeat("n", 252)), Value: "0"}),
		"psem value -1":     createPsemRun(&PsemOptions{PosixOptions: posix("/s"), Value: "-1"}),
		"psem value max+1":  createPsemRun(&PsemOptions{PosixOptions: posix("/s"), Value: "2147483648"}),
		"psem value 2^32":   createPsemRun(&PsemOptions{PosixOptions: posix("/s"), Value: "4294967296"}),
		"mq bad name":       createMqRun(&MqOptions{PosixOptions: posix("/q/")}),
		"mq maxmsg alone":   createMqRun(&MqOptions{PosixOptions: posix("/q"), MaxMsg: "1"}),
		"mq maxmsg 0":       createMqRun(&MqOptions{PosixOptions: posix("/q"), MaxMsg: "0", MsgSize: "1"}),
		"mq maxmsg 2^63":    createMqRun(&MqOptions{PosixOptions: posix("/q"), MaxMsg: "9223372036854775808", MsgSize: "1"}),
		"mq msgsize 0":      createMqRun(&MqOptions{PosixOptions: posix("/q"), MaxMsg: "1", MsgSize: "0"}),
		"mq msgsize 8E":     createMqRun(&MqOptions{PosixOptions: posix("/q"), MaxMsg: "1", MsgSize: "8E"}),
	} {
		if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage {
			t.Errorf("%s: %v exits %d, want 2", name, err, code)
		}
	}
	if out.Len() != 0 {
		t.Errorf("usage errors printed on stdout: %q", out.String())
	}
}

func TestCheckHugePageSize(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"hugepages-2048kB", "hugepages-1048576kB"} {
		if err := os.MkdirAll(dir+"/sys/kernel/mm/hugepages/"+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fs := procfs.FS(dir)
	if got, err := checkHugePageSize(fs, "1G"); err != nil || got != 1<<30 {
		t.Errorf("1G = %d, %v", got, err)
	}
	_, err := checkHugePageSize(fs, "16M")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || err.Error() != "invalid --hugepage-size 16M: this kernel offers 2M, 1G" {
		t.Errorf("16M: %v", err)
	}
}

// Limits are checked against the kernel's (here a fixture tree's) before
// any system call, with the limit named in the error.
func TestCreateOverKernelLimits(t *testing.T) {
	dir := t.TempDir()
	kernel := dir + "/proc/sys/kernel/"
	if err := os.MkdirAll(kernel, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{
		"shmmax": "1048576", "shmall": "256", "shmmni": "4096",
		"msgmax": "8192", "msgmnb": "16384", "msgmni": "32000", "sem": "250\t32000\t32\t128",
	} {
		if err := os.WriteFile(kernel+name, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ios, _, out, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, FS: procfs.FS(dir)}
	sysv := SysvOptions{IO: ios, Factory: f, Mode: "0600"}
	err := createShmRun(&ShmOptions{SysvOptions: sysv, Size: "2M"})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "over the kernel's shmmax of 1048576 bytes") {
		t.Errorf("shm over shmmax: %v", err)
	}
	err = createSemRun(&SemOptions{SysvOptions: sysv, NSems: "251"})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "semmsl of 250") {
		t.Errorf("sem over semmsl: %v", err)
	}
	mqueue := dir + "/proc/sys/fs/mqueue/"
	if err := os.MkdirAll(mqueue, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"queues_max": "256", "msg_max": "10", "msgsize_max": "8192", "msg_default": "10", "msgsize_default": "8192"} {
		if err := os.WriteFile(mqueue+name, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	posix := PosixOptions{IO: ios, Factory: f, Name: "/q", Mode: "0600"}
	err = createMqRun(&MqOptions{PosixOptions: posix, MaxMsg: "11", MsgSize: "1"})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "msg_max of 10 messages (/proc/sys/fs/mqueue/msg_max)") {
		t.Errorf("mq over msg_max: %v", err)
	}
	err = createMqRun(&MqOptions{PosixOptions: posix, MaxMsg: "10", MsgSize: "8193"})
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "msgsize_max of 8192 bytes (/proc/sys/fs/mqueue/msgsize_max)") {
		t.Errorf("mq over msgsize_max: %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q", out.String())
	}
}

package key

import (
	"syscall"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
)

func TestNewCmdKey(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    Options
		wantErr bool
	}{
		{args: []string{"/etc", "1"}, want: Options{Path: "/etc", Proj: "1"}},
		{args: []string{"/etc"}, wantErr: true},
		{args: []string{"/etc", "1", "2"}, wantErr: true},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdKey(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		err := cmd.Execute()
		if tc.wantErr {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: err %v, want a usage error", tc.args, err)
			}
			continue
		}
		if err != nil || got.Path != tc.want.Path || got.Proj != tc.want.Proj {
			t.Errorf("%v: got %+v, %v", tc.args, got, err)
		}
	}
}

func TestKeyRun(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	if err := keyRun(&Options{IO: ios, Path: "/", Proj: "1"}); err != nil {
		t.Fatal(err)
	}
	if len(out.String()) != len("0x01000000\n") || out.String()[:4] != "0x01" {
		t.Errorf("key = %q", out.String())
	}
	err := keyRun(&Options{IO: ios, Path: "/no/such/path", Proj: "1"})
	if cmdutil.ExitCode(err) != cmdutil.ExitNotFound {
		t.Errorf("missing path: %v exits %d, want 3", err, cmdutil.ExitCode(err))
	}
}

type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// A key that cannot be written out is a failure: a script reading it
// would get nothing and go on.
func TestKeyOutputLost(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.Out = fullWriter{}
	err := keyRun(&Options{IO: ios, Path: t.TempDir(), Proj: "1"})
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitError {
		t.Errorf("keyRun to a full output: %v (exit %d), want exit 1", err, cmdutil.ExitCode(err))
	}
}

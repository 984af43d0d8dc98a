package set

import (
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
)

func TestNewCmdSet(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    Options
		wantErr bool
	}{
		{args: []string{"shm", "5", "--mode", "0640"}, want: Options{Kind: "shm", ID: "5", Mode: "0640"}},
		{args: []string{"msg", "7", "--owner", "1000:1000", "--qbytes", "8K"}, want: Options{Kind: "msg", ID: "7", Owner: "1000:1000", QBytes: "8K"}},
		{args: []string{"pshm", "/cache", "--mode", "0640", "--owner", "app:app"}, want: Options{Kind: "pshm", ID: "/cache", Mode: "0640", Owner: "app:app"}},
		{args: []string{"mq", "/q", "--owner", "0"}, want: Options{Kind: "mq", ID: "/q", Owner: "0"}},
		{args: []string{"shm"}, wantErr: true},
		{args: []string{"shm", "1", "2"}, wantErr: true},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdSet(&cmdutil.Factory{IOStreams: ios}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		err := cmd.Execute()
		if tc.wantErr {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%v: %v, want a usage error", tc.args, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		got.IO, got.Factory = nil, nil
		if *got != tc.want {
			t.Errorf("%v: got %+v want %+v", tc.args, *got, tc.want)
		}
	}
}

// Usage errors come before any system call (ids here are real-looking on purpose).
func TestSetRunUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		msg  string
	}{
		{Options{Kind: "posix", ID: "/a", Mode: "0600"}, "unknown kind"},
		{Options{Kind: "pshm", ID: "1", Mode: "0600"}, "must start with /"},
		{Options{Kind: "psem", ID: "/a/b", Mode: "0600"}, "no / allowed"},
		{Options{Kind: "mq", ID: "/..", Mode: "0600"}, "refers to a directory"},
		{Options{Kind: "pshm", ID: "/a"}, "nothing to change"},
		{Options{Kind: "pshm", ID: "/a", Mode: "0600", QBytes: "1K"}, "msg only"},
		{Options{Kind: "mq", ID: "/a", Owner: "no-such-user-xyz"}, "unknown user"},
		{Options{Kind: "psem", ID: "/a", Mode: "9"}, "invalid mode"},
		{Options{Kind: "shm", ID: "2147483648", Mode: "0600"}, "invalid id"},
		{Options{Kind: "shm", ID: "0"}, "nothing to change"},
		{Options{Kind: "shm", ID: "0", Mode: "0800"}, "invalid mode"},
		{Options{Kind: "shm", ID: "0", Mode: "01777"}, "invalid mode"},
		{Options{Kind: "shm", ID: "0", Owner: ":0"}, "invalid owner"},
		{Options{Kind: "shm", ID: "0", QBytes: "1K"}, "msg only"},
		{Options{Kind: "msg", ID: "0", QBytes: "0"}, "invalid --qbytes"},
		{Options{Kind: "msg", ID: "0", QBytes: "-5"}, "invalid size"},
	} {
		ios, _, _, _ := iostreams.Test()
		tc.opts.IO = ios
		err := setRun(&tc.opts)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%+v: %v, want a usage error containing %q", tc.opts, err, tc.msg)
		}
	}
}

package semop

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

func TestNewCmdSemOp(t *testing.T) {
	for _, tc := range []struct {
		args    string
		want    Options
		wantErr string
	}{
		{args: "3 0:+1", want: Options{Count: 1, ID: 3, Args: []string{"0:+1"}, Ops: []ipc.SemBuf{{Num: 0, Op: 1}}}},
		{args: "3 0:-2 1:0 2:+32767 --undo", want: Options{Count: 1, ID: 3, Args: []string{"0:-2", "1:0", "2:+32767"}, Undo: true,
			Ops: []ipc.SemBuf{{Num: 0, Op: -2}, {Num: 1, Op: 0}, {Num: 2, Op: 32767}}}},
		{args: "3 0:-1 --nowait", want: Options{Count: 1, ID: 3, Args: []string{"0:-1"}, NoWait: true, Ops: []ipc.SemBuf{{Op: -1}}}},
		{args: "3 0:-1 --timeout 1.5s", want: Options{Count: 1, ID: 3, Args: []string{"0:-1"}, Timeout: 1500 * time.Millisecond, Ops: []ipc.SemBuf{{Op: -1}}}},
		{args: "3 --set 0=5 --set 2=32767", want: Options{Count: 1, ID: 3, Args: []string{}, Set: []SemValue{{0, 5}, {2, 32767}}}},
		{args: "3 --set-all 1,0,7 --get", want: Options{Count: 1, ID: 3, Args: []string{}, SetAll: []int{1, 0, 7}, Get: true}},
		{args: "3 --get --json", want: Options{Count: 1, ID: 3, Args: []string{}, Get: true, Output: cmdutil.OutputOptions{JSON: true}}},
		{args: "/name wait", want: Options{Count: 1, Name: "/name", Args: []string{"wait"}, Verb: "wait"}},
		{args: "/name wait --timeout 1w", want: Options{Count: 1, Name: "/name", Args: []string{"wait"}, Verb: "wait", Timeout: 7 * 24 * time.Hour}},
		{args: "/name wait --timeout 2s", want: Options{Count: 1, Name: "/name", Args: []string{"wait"}, Verb: "wait", Timeout: 2 * time.Second}},
		{args: "/name trywait", want: Options{Count: 1, Name: "/name", Args: []string{"trywait"}, Verb: "trywait"}},
		{args: "/name post --count 2147483647", want: Options{Count: 2147483647, Name: "/name", Args: []string{"post"}, Verb: "post"}},
		{args: "/name get --json -o value", want: Options{Count: 1, Name: "/name", Args: []string{"get"}, Verb: "get", Output: cmdutil.OutputOptions{JSON: true, Columns: "value"}}},
		{args: "/name", wantErr: "want one of wait, trywait, post, get"},
		{args: "/name wait post", wantErr: "want one of wait, trywait, post, get"},
		{args: "/name 0:+1", wantErr: `unknown operation "0:+1"`},
		{args: "/a/b wait", wantErr: "invalid POSIX name"},
		{args: "/.. get", wantErr: "invalid POSIX name"},
		{args: "/name post --count 0", wantErr: "invalid --count 0"},
		{args: "/name post --count 2147483648", wantErr: "invalid --count"},
		{args: "/name wait --count 2", wantErr: "--count goes with post"},
		{args: "/name post --timeout 1s", wantErr: "--timeout goes with wait"},
		{args: "/name wait --timeout 0s", wantErr: "must be positive"},
		{args: "/name post --json", wantErr: "--json goes with get"},
		{args: "/name wait --nowait", wantErr: "--nowait is for System V"},
		{args: "/name post --undo", wantErr: "--undo is for System V"},
		{args: "/name get --get", wantErr: "--get is for System V"},
		{args: "/name post --set 0=1", wantErr: "--set is for System V"},
		{args: "3 0:+1 --count 2", wantErr: "--count is for POSIX"},
		{args: "3", wantErr: "nothing to do"},
		{args: "3 0:+1 --set 0=1", wantErr: "one at a time"},
		{args: "3 --set 0=1 --set-all 1", wantErr: "if any flags in the group"},
		{args: "3 0:+32768", wantErr: "K must be 1 to 32767"},
		{args: "3 0:+0", wantErr: "K must be 1 to 32767"},
		{args: "3 0:5", wantErr: "invalid operation"},
		{args: "3 x:+1", wantErr: "invalid operation"},
		{args: "3 65536:+1", wantErr: "invalid operation"},
		{args: "3 0+1", wantErr: "invalid operation"},
		{args: "3 --set 0=32768", wantErr: "want 0 to 32767"},
		{args: "3 --set 0", wantErr: "want N=V"},
		{args: "3 --set-all 1,-1", wantErr: "want 0 to 32767"},
		{args: "3 --set 0=1 --json", wantErr: "--json goes with --get"},
		{args: "3 --get --undo", wantErr: "go with operations"},
		{args: "3 0:-1 --timeout 0s", wantErr: "must be positive"},
		{args: "3 0:-1 --nowait --timeout 1s", wantErr: "if any flags in the group"},
		{args: "2147483648 --get", wantErr: "invalid id"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			got, _, err := testutil.ParseArgs(NewCmdSemOp, tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.IO, got.Factory = nil, nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("options = %+v\nwant      %+v", *got, tc.want)
			}
		})
	}
}

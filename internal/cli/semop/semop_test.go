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
		{args: "3 0:+1", want: Options{ID: 3, Args: []string{"0:+1"}, Ops: []ipc.SemBuf{{Num: 0, Op: 1}}}},
		{args: "3 0:-2 1:0 2:+32767 --undo", want: Options{ID: 3, Args: []string{"0:-2", "1:0", "2:+32767"}, Undo: true,
			Ops: []ipc.SemBuf{{Num: 0, Op: -2}, {Num: 1, Op: 0}, {Num: 2, Op: 32767}}}},
		{args: "3 0:-1 --nowait", want: Options{ID: 3, Args: []string{"0:-1"}, NoWait: true, Ops: []ipc.SemBuf{{Op: -1}}}},
		{args: "3 0:-1 --timeout 1.5s", want: Options{ID: 3, Args: []string{"0:-1"}, Timeout: 1500 * time.Millisecond, Ops: []ipc.SemBuf{{Op: -1}}}},
		{args: "3 --set 0=5 --set 2=32767", want: Options{ID: 3, Args: []string{}, Set: []SemValue{{0, 5}, {2, 32767}}}},
		{args: "3 --set-all 1,0,7 --get", want: Options{ID: 3, Args: []string{}, SetAll: []int{1, 0, 7}, Get: true}},
		{args: "3 --get --json", want: Options{ID: 3, Args: []string{}, Get: true, Output: cmdutil.OutputOptions{JSON: true}}},
		{args: "/name wait", want: Options{Name: "/name", Args: []string{"wait"}}},
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

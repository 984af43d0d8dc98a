package mqsend

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/testutil"
)

func TestNewCmdMqSend(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		args    []string
		want    Options
		wantErr string
	}{
		{args: []string{"4", "hello"}, want: Options{ID: 4, Body: s("hello"), Type: 1}},
		{args: []string{"4", "--type", "9223372036854775807", "--nowait"}, want: Options{ID: 4, Type: 9223372036854775807, NoWait: true}},
		{args: []string{"4", "--in", "f", "--type", "7"}, want: Options{ID: 4, In: "f", Type: 7}},
		{args: []string{"/q", "x"}, want: Options{Name: "/q", Body: s("x")}},
		{args: []string{"/q", "--priority", "32767", "--timeout", "2s", "--in", "f"}, want: Options{Name: "/q", In: "f", Priority: 32767, Timeout: 2 * time.Second}},
		{args: []string{"/q", "--nowait", "--priority", "0"}, want: Options{Name: "/q", NoWait: true}},
		{args: []string{"/q", "--priority", "32768"}, wantErr: "invalid --priority"},
		{args: []string{"/q", "--priority", "-1"}, wantErr: "invalid --priority"},
		{args: []string{"/q", "--type", "2"}, wantErr: "--type is for System V"},
		{args: []string{"/q", "--timeout", "0s"}, wantErr: "must be positive"},
		{args: []string{"/q/r", "x"}, wantErr: "invalid POSIX name"},
		{args: []string{"4", "--priority", "1"}, wantErr: "--priority is for POSIX"},
		{args: []string{"4", "--timeout", "1s"}, want: Options{ID: 4, Type: 1, Timeout: time.Second}},
		{args: []string{"4", "--timeout", "1d"}, want: Options{ID: 4, Type: 1, Timeout: 24 * time.Hour}},
		{args: []string{"4", "--timeout", "0s"}, wantErr: "must be positive"},
		{args: []string{"4", "--type", "0"}, wantErr: "invalid --type"},
		{args: []string{"4", "--type", "-3"}, wantErr: "invalid --type"},
		{args: []string{"4", "--type", "9223372036854775808"}, wantErr: "invalid --type"},
		{args: []string{"4", "x", "--in", "f"}, wantErr: "MESSAGE or --in"},
		{args: []string{"4", "a", "b"}, wantErr: "got 3 argument"},
		{args: []string{"x"}, wantErr: "invalid id"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got, _, err := testutil.ParseArgs(NewCmdMqSend, strings.Join(tc.args, " "))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Fatalf("err = %v, want usage error %q", err, tc.wantErr)
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

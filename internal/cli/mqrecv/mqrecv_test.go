package mqrecv

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

func TestNewCmdMqRecv(t *testing.T) {
	i := func(v int) *int { return &v }
	i64 := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		args    string
		want    Options
		wantErr string
	}{
		{args: "4", want: Options{ID: 4, Count: 1}},
		{args: "4 --type -9223372036854775807 --noerror --max-size 1K", want: Options{ID: 4, Type: -9223372036854775807, NoError: true, MaxSize: i(1024), Count: 1}},
		{args: "4 --type 3 --except --timeout 2s --count 5 --json --out f", want: Options{ID: 4, Type: 3, Except: true, Timeout: 2 * time.Second, Count: 5, JSON: true, Out: "f"}},
		{args: "4 --all --nowait", wantErr: "if any flags in the group"},
		{args: "4 --all", want: Options{ID: 4, All: true, Count: 1}},
		{args: "4 --peek 2 --noerror", want: Options{ID: 4, Peek: i64(2), NoError: true, Count: 1}},
		{args: "/q", want: Options{Name: "/q", Count: 1}},
		{args: "/q --wait-notify --count 3 --timeout 1s --json --out f", want: Options{Name: "/q", WaitNotify: true, Count: 3, Timeout: time.Second, JSON: true, Out: "f"}},
		{args: "/q --all --wait-notify", want: Options{Name: "/q", WaitNotify: true, All: true, Count: 1}},
		{args: "/q --nowait", want: Options{Name: "/q", NoWait: true, Count: 1}},
		{args: "/q --type 3", wantErr: "--type is for System V"},
		{args: "/q --except", wantErr: "--except is for System V"},
		{args: "/q --peek 0", wantErr: "--peek is for System V"},
		{args: "/q --noerror", wantErr: "--noerror is for System V"},
		{args: "/q --max-size 1K", wantErr: "--max-size is for System V"},
		{args: "/q --wait-notify --nowait", wantErr: "if any flags in the group"},
		{args: "/q/x", wantErr: "invalid POSIX name"},
		{args: "/q --count 0", wantErr: "invalid --count"},
		{args: "4 --wait-notify", wantErr: "--wait-notify is for POSIX"},
		{args: "4 --type -9223372036854775808", wantErr: "invalid --type"},
		{args: "4 --type 9223372036854775808", wantErr: "invalid --type"},
		{args: "4 --except", wantErr: "--except needs --type"},
		{args: "4 --except --type -2", wantErr: "--except needs --type"},
		{args: "4 --max-size 2G", wantErr: "at most 2147483647"},
		{args: "4 --max-size -1", wantErr: "invalid size"},
		{args: "4 --peek -1", wantErr: "invalid --peek"},
		{args: "4 --peek 0 --type 3", wantErr: "if any flags in the group"},
		{args: "4 --peek 0 --all", wantErr: "if any flags in the group"},
		{args: "4 --count 0", wantErr: "invalid --count"},
		{args: "4 --count 2 --all", wantErr: "if any flags in the group"},
		{args: "4 --nowait --timeout 1s", wantErr: "if any flags in the group"},
		{args: "4 --timeout 0s", wantErr: "must be positive"},
		{args: "4 5", wantErr: "want a queue id"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			got, _, err := testutil.ParseArgs(NewCmdMqRecv, tc.args)
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

func TestWriteMessageJSON(t *testing.T) {
	typ := func(v int64) *int64 { return &v }
	prio := func(v uint32) *uint32 { return &v }
	for _, tc := range []struct {
		m    received
		want string
	}{
		{received{Type: typ(1), Body: []byte("hello <&>")}, `{"type":1,"size":9,"encoding":"text","body":"hello <&>"}` + "\n"},
		{received{Type: typ(9223372036854775807), Body: []byte{0xff, 0, 1}}, `{"type":9223372036854775807,"size":3,"encoding":"base64","body":"/wAB"}` + "\n"},
		{received{Type: typ(2), Body: nil}, `{"type":2,"size":0,"encoding":"text","body":""}` + "\n"},
		{received{Priority: prio(0), Body: []byte("p0")}, `{"priority":0,"size":2,"encoding":"text","body":"p0"}` + "\n"},
		{received{Priority: prio(32767), Body: []byte{0xfe}}, `{"priority":32767,"size":1,"encoding":"base64","body":"/g=="}` + "\n"},
	} {
		var b bytes.Buffer
		if err := writeMessage(&b, tc.m, true); err != nil || b.String() != tc.want {
			t.Errorf("writeMessage(%v) = %q, %v; want %q", tc.m, b.String(), err, tc.want)
		}
	}
	if err := writeMessage(failWriter{}, received{Type: typ(1), Body: []byte("x")}, false); err == nil {
		t.Error("a failing writer did not fail writeMessage")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("no") }

func TestKeepMessage(t *testing.T) {
	werr := errors.New("disk full")
	err := keepMessage("the message of priority 3 (5 bytes)", []byte("hello"), werr, "it was sent back", func() error { return nil })
	if err == nil || err.Error() != "could not write the message of priority 3 (5 bytes): disk full; it was sent back" {
		t.Errorf("put back: %v", err)
	}
	err = keepMessage("the message of priority 3 (5 bytes)", []byte("hello"), werr, "it was sent back", func() error { return errors.New("queue full") })
	if err == nil || !strings.Contains(err.Error(), "putting it back failed (queue full)") || !strings.HasSuffix(err.Error(), "base64: aGVsbG8=") {
		t.Errorf("not put back: %v", err)
	}
}

func TestBudget(t *testing.T) {
	if left, err := newBudget(0).left(); left != 0 || err != nil {
		t.Errorf("no timeout: %v %v", left, err)
	}
	if left, err := newBudget(time.Hour).left(); left <= 0 || left > time.Hour || err != nil {
		t.Errorf("an hour: %v %v", left, err)
	}
	if _, err := (budget{end: time.Now().Add(-time.Second)}).left(); !errors.Is(err, ipc.ErrTimeout) {
		t.Errorf("spent: %v", err)
	}
}

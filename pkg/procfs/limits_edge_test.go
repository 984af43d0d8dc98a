package procfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFixtureTree makes a fixture tree below a temp dir from relative path → content.
func writeFixtureTree(t *testing.T, files map[string]string) FS {
	t.Helper()
	root := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return FS(root)
}

func sysvLimitFiles() map[string]string {
	return map[string]string{
		"proc/sys/kernel/shmmax": "18446744073692774399\n",
		"proc/sys/kernel/shmall": "18446744073692774399\n",
		"proc/sys/kernel/shmmni": "4096\n",
		"proc/sys/kernel/sem":    "32000\t1024000000\t500\t32000\n",
		"proc/sys/kernel/msgmax": "8192\n",
		"proc/sys/kernel/msgmnb": "16384\n",
		"proc/sys/kernel/msgmni": "32000\n",
	}
}

func TestSysvLimitsEdgeCases(t *testing.T) {
	want := SysvLimits{ShmMax: 18446744073692774399, ShmAll: 18446744073692774399, ShmMni: 4096,
		SemMsl: 32000, SemMns: 1024000000, SemOpm: 500, SemMni: 32000, MsgMax: 8192, MsgMnb: 16384, MsgMni: 32000}
	for _, tc := range []struct {
		name   string
		change map[string]string // applied over sysvLimitFiles; "<rm>" removes
		want   SysvLimits
		err    string
		notExt bool
	}{
		{name: "kernel defaults", want: want},
		{name: "2^64-1 and no newline", change: map[string]string{"proc/sys/kernel/shmmax": "18446744073709551615"},
			want: func() SysvLimits { l := want; l.ShmMax = 1<<64 - 1; return l }()},
		{name: "CRLF", change: map[string]string{"proc/sys/kernel/msgmax": "8192\r\n", "proc/sys/kernel/sem": "1 2 3 4\r\n"},
			want: func() SysvLimits { l := want; l.SemMsl, l.SemMns, l.SemOpm, l.SemMni = 1, 2, 3, 4; return l }()},
		{name: "2^64 overflows", change: map[string]string{"proc/sys/kernel/shmall": "18446744073709551616\n"},
			err: `proc/sys/kernel/shmall:1: not an unsigned number: "18446744073709551616"`},
		{name: "negative", change: map[string]string{"proc/sys/kernel/msgmni": "-1\n"}, err: `proc/sys/kernel/msgmni:1: not an unsigned number: "-1"`},
		{name: "empty file", change: map[string]string{"proc/sys/kernel/shmmni": ""}, err: `proc/sys/kernel/shmmni:1: not an unsigned number: ""`},
		{name: "garbage", change: map[string]string{"proc/sys/kernel/msgmnb": "lots"}, err: `msgmnb:1: not an unsigned number: "lots"`},
		{name: "sem with 3 fields", change: map[string]string{"proc/sys/kernel/sem": "1 2 3\n"}, err: "proc/sys/kernel/sem:1: 3 fields, want 4"},
		{name: "sem with 5 fields", change: map[string]string{"proc/sys/kernel/sem": "1 2 3 4 5\n"}, err: "5 fields, want 4"},
		{name: "sem overflow", change: map[string]string{"proc/sys/kernel/sem": "1 2 3 18446744073709551616\n"},
			err: `proc/sys/kernel/sem:1: not an unsigned number: "18446744073709551616"`},
		{name: "missing file", change: map[string]string{"proc/sys/kernel/msgmax": "<rm>"}, notExt: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := sysvLimitFiles()
			for k, v := range tc.change {
				if v == "<rm>" {
					delete(files, k)
				} else {
					files[k] = v
				}
			}
			got, err := writeFixtureTree(t, files).SysvLimits()
			switch {
			case tc.notExt:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("error %v, want fs.ErrNotExist", err)
				}
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrParse) {
					t.Fatalf("error %v, want a parse error containing %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case got != tc.want:
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestMqueueLimitsEdgeCases(t *testing.T) {
	files := map[string]string{
		"proc/sys/fs/mqueue/queues_max":      "256\n",
		"proc/sys/fs/mqueue/msg_max":         "10\n",
		"proc/sys/fs/mqueue/msgsize_max":     "8192\n",
		"proc/sys/fs/mqueue/msg_default":     "10\n",
		"proc/sys/fs/mqueue/msgsize_default": "18446744073709551615\n",
	}
	got, err := writeFixtureTree(t, files).MqueueLimits()
	want := MqueueLimits{QueuesMax: 256, MsgMax: 10, MsgSizeMax: 8192, MsgDefault: 10, MsgSizeDefault: 1<<64 - 1}
	if err != nil || got != want {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
	files["proc/sys/fs/mqueue/msg_max"] = "ten\n"
	if _, err := writeFixtureTree(t, files).MqueueLimits(); err == nil || err.Error() != `proc/sys/fs/mqueue/msg_max:1: not an unsigned number: "ten"` {
		t.Fatalf("error %v", err)
	}
	delete(files, "proc/sys/fs/mqueue/queues_max")
	if _, err := writeFixtureTree(t, files).MqueueLimits(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error %v, want fs.ErrNotExist", err)
	}
}

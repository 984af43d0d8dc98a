package procfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestParseSemLimits(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    [4]uint64
		wantErr bool
	}{
		{in: "32000\t1024000000\t500\t32000\n", want: [4]uint64{32000, 1024000000, 500, 32000}},
		{in: "250 32000 32 128", want: [4]uint64{250, 32000, 32, 128}},
		{in: "18446744073709551615 1 2 3", want: [4]uint64{1<<64 - 1, 1, 2, 3}},
		{in: "", wantErr: true},
		{in: "250 32000 32", wantErr: true},
		{in: "250 32000 32 128 5", wantErr: true},
		{in: "250 -1 32 128", wantErr: true},
		{in: "250 18446744073709551616 32 128", wantErr: true},
		{in: "a b c d", wantErr: true},
	} {
		got, err := ParseSemLimits(tc.in)
		if tc.wantErr {
			if !errors.Is(err, ErrParse) {
				t.Errorf("ParseSemLimits(%q) err = %v, want a parse error", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSemLimits(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseSemLimits(f *testing.F) {
	for _, s := range []string{"32000\t1024000000\t500\t32000\n", "1 2 3", "", "18446744073709551616 0 0 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseSemLimits(s) // must not panic
	})
}

// writeTree writes files (path → content) below a temp root.
func writeTree(t *testing.T, files map[string]string) FS {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return FS(root)
}

func TestSysvLimits(t *testing.T) {
	files := map[string]string{
		"proc/sys/kernel/shmmax": "18446744073692774399\n",
		"proc/sys/kernel/shmall": "18446744073692774399\n",
		"proc/sys/kernel/shmmni": "4096\n",
		"proc/sys/kernel/sem":    "32000\t1024000000\t500\t32000\n",
		"proc/sys/kernel/msgmax": "8192\n",
		"proc/sys/kernel/msgmnb": "16384\n",
		"proc/sys/kernel/msgmni": "32000\n",
	}
	got, err := writeTree(t, files).SysvLimits()
	want := SysvLimits{ShmMax: 18446744073692774399, ShmAll: 18446744073692774399, ShmMni: 4096,
		SemMsl: 32000, SemMns: 1024000000, SemOpm: 500, SemMni: 32000, MsgMax: 8192, MsgMnb: 16384, MsgMni: 32000}
	if err != nil || got != want {
		t.Fatalf("SysvLimits = %+v, %v\nwant %+v", got, err, want)
	}

	files["proc/sys/kernel/msgmnb"] = "lots\n"
	var perr *ParseError
	if _, err := writeTree(t, files).SysvLimits(); !errors.As(err, &perr) || perr.File != "proc/sys/kernel/msgmnb" {
		t.Errorf("bad msgmnb: err = %v, want a ParseError naming the file", err)
	}
	delete(files, "proc/sys/kernel/msgmnb")
	if _, err := writeTree(t, files).SysvLimits(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing msgmnb: err = %v, want fs.ErrNotExist", err)
	}
}

func TestMqueueLimits(t *testing.T) {
	got, err := writeTree(t, map[string]string{
		"proc/sys/fs/mqueue/queues_max":      "256\n",
		"proc/sys/fs/mqueue/msg_max":         "10\n",
		"proc/sys/fs/mqueue/msgsize_max":     "8192\n",
		"proc/sys/fs/mqueue/msg_default":     "10\n",
		"proc/sys/fs/mqueue/msgsize_default": "8192\n",
	}).MqueueLimits()
	want := MqueueLimits{QueuesMax: 256, MsgMax: 10, MsgSizeMax: 8192, MsgDefault: 10, MsgSizeDefault: 8192}
	if err != nil || got != want {
		t.Fatalf("MqueueLimits = %+v, %v; want %+v", got, err, want)
	}
}

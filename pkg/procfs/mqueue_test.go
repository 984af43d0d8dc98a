package procfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestParseMqueueFile(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     MqueueStatus
		err      bool
	}{
		{"empty queue", "QSIZE:0          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n", MqueueStatus{}, false},
		{"registered", "QSIZE:129          NOTIFY:0     SIGNO:10     NOTIFY_PID:4242     \n", MqueueStatus{QSize: 129, Signo: 10, NotifyPID: 4242}, false},
		{"sigev none", "QSIZE:5 NOTIFY:1 SIGNO:0 NOTIFY_PID:7", MqueueStatus{QSize: 5, Notify: 1, NotifyPID: 7}, false},
		{"huge qsize", "QSIZE:18446744073709551615 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", MqueueStatus{QSize: 1<<64 - 1}, false},
		{"unknown field ignored", "QSIZE:1 NOTIFY:0 SIGNO:0 NOTIFY_PID:0 NEW:9", MqueueStatus{QSize: 1}, false},
		{"empty", "", MqueueStatus{}, true},
		{"missing pid", "QSIZE:0 NOTIFY:0 SIGNO:0", MqueueStatus{}, true},
		{"garbage", "hello world", MqueueStatus{}, true},
		{"negative size", "QSIZE:-1 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", MqueueStatus{}, true},
		{"qsize overflow", "QSIZE:18446744073709551616 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", MqueueStatus{}, true},
		{"pid overflow", "QSIZE:0 NOTIFY:0 SIGNO:0 NOTIFY_PID:4294967296", MqueueStatus{}, true},
		{"duplicate", "QSIZE:0 QSIZE:1 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", MqueueStatus{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMqueueFile("dev/mqueue/q", []byte(tc.in))
			if tc.err {
				if !errors.Is(err, ErrParse) {
					t.Fatalf("err = %v, want a parse error", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func FuzzParseMqueueFile(f *testing.F) {
	f.Add([]byte("QSIZE:0          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n"))
	f.Add([]byte("QSIZE:1 NOTIFY:x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseMqueueFile("f", b)
		if err != nil && !errors.Is(err, ErrParse) {
			t.Fatalf("error %v does not wrap ErrParse", err)
		}
		_ = st
	})
}

func TestParseMounts(t *testing.T) {
	in := "proc /proc proc rw,nosuid 0 0\nmqueue /dev/mqueue mqueue rw,relatime 0 0\n\ntmpfs /mnt/a\\040b tmpfs rw 0 0\n"
	got, err := ParseMounts("m", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{
		{"proc", "/proc", "proc", "rw,nosuid"},
		{"mqueue", "/dev/mqueue", "mqueue", "rw,relatime"},
		{"tmpfs", "/mnt/a b", "tmpfs", "rw"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %+v want %+v", i, got[i], want[i])
		}
	}
	if _, err := ParseMounts("m", []byte("short line\n")); !errors.Is(err, ErrParse) {
		t.Errorf("short line: err = %v", err)
	}
}

func TestFSMqueueFile(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "dev/mqueue"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "dev/mqueue/q"), []byte("QSIZE:3 NOTIFY:0 SIGNO:0 NOTIFY_PID:0\n"), 0o644)
	st, err := FS(root).MqueueFile("q")
	if err != nil || st.QSize != 3 {
		t.Fatalf("got %+v, %v", st, err)
	}
	if _, err := FS(root).MqueueFile("nope"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: err = %v", err)
	}
}

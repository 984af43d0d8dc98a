package show

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/golden"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

func TestMain(m *testing.M) {
	time.Local = time.UTC // goldens hold times
	os.Exit(m.Run())
}

func TestNewCmdShow(t *testing.T) {
	key := int32(0x1234abcd)
	for _, tc := range []struct {
		argv    string
		want    Options
		wantErr string
	}{
		{argv: "shm 5", want: Options{Kind: kinds.MustGet(ipc.KindShm), Target: kinds.Target{Label: "5", ID: 5}}},
		{argv: "sem 2147483647 --json", want: Options{Kind: kinds.MustGet(ipc.KindSem), Target: kinds.Target{Label: "2147483647", ID: 2147483647}, Output: cmdutil.OutputOptions{JSON: true}}},
		{argv: "msg --key 0x1234abcd -o qbytes --raw -n", want: Options{Kind: kinds.MustGet(ipc.KindMsg), Key: &key, Output: cmdutil.OutputOptions{Columns: "qbytes", Raw: true, NoHeadings: true}}},
		{argv: "sem --list-columns", want: Options{Kind: kinds.MustGet(ipc.KindSem), Output: cmdutil.OutputOptions{ListColumns: true}}},
		{argv: "shm 5 -b --numeric-perms --time-format iso", want: Options{Kind: kinds.MustGet(ipc.KindShm), Target: kinds.Target{Label: "5", ID: 5}, Output: cmdutil.OutputOptions{Bytes: true, NumericPerms: true, TimeFormat: "iso"}}},
		{argv: "", wantErr: "want KIND"},
		{argv: "pshm /cache", want: Options{Kind: kinds.MustGet(ipc.KindPshm), Target: kinds.Target{Label: "/cache", ID: -1, Name: "/cache"}}},
		{argv: "mq /q --json -o notify_pid,signo", want: Options{Kind: kinds.MustGet(ipc.KindMq), Target: kinds.Target{Label: "/q", ID: -1, Name: "/q"}, Output: cmdutil.OutputOptions{JSON: true, Columns: "notify_pid,signo"}}},
		{argv: "psem --list-columns", want: Options{Kind: kinds.MustGet(ipc.KindPsem), Output: cmdutil.OutputOptions{ListColumns: true}}},
		{argv: "pshm 5", wantErr: "must start with /"},
		{argv: "psem /a/b", wantErr: "no / allowed"},
		{argv: "mq /..", wantErr: "refers to a directory"},
		{argv: "pshm", wantErr: "want KIND and /NAME"},
		{argv: "pshm /a /b", wantErr: "want KIND and /NAME"},
		{argv: "mq --key 5", wantErr: "no keys"},
		{argv: "posix /a", wantErr: `unknown kind "posix"`},
		{argv: "shm", wantErr: "want KIND and ID"},
		{argv: "shm 1 2", wantErr: "want KIND and ID"},
		{argv: "shm 4294967296", wantErr: `invalid id "4294967296"`},
		{argv: "shm -1", wantErr: "unknown shorthand flag"},
		{argv: "shm 5 --key 7", wantErr: "not an id as well"},
		{argv: "shm --key 0x100000000", wantErr: "invalid key"},
		{argv: "shm --key 0", wantErr: "IPC_PRIVATE"},
		{argv: "shm 5 --json --export", wantErr: "none of the others"},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			got, f, err := testutil.ParseArgs(NewCmdShow, tc.argv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Factory != f || got.IO != f.IOStreams || got.Kind != tc.want.Kind || got.Target != tc.want.Target || got.Output != tc.want.Output ||
				(got.Key == nil) != (tc.want.Key == nil) || (got.Key != nil && *got.Key != *tc.want.Key) {
				t.Errorf("options = %+v, want %+v", *got, tc.want)
			}
		})
	}
}

// TestShowRun renders objects of a fixture tree in every format. The
// client does not make syscalls for a fixture tree, so semaphore values
// are absent (null) here; e2e checks them against the kernel.
func TestShowRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		argv string
	}{
		{"shm", "shm 0"},
		{"shm-raw", "shm 0 --raw"},
		{"shm-export", "shm 0 --export"},
		{"shm-json", "shm 0 --json"},
		{"shm-dest-locked-bytes-numeric", "shm 32769 -b --numeric-perms --time-format iso"},
		{"sem", "sem 65537"},
		{"sem-json", "sem 65537 --json"},
		{"sem-raw", "sem 65537 --raw"},
		{"sem-export", "sem 65537 --export"},
		{"msg-by-key-json", "msg --key 12345 --json"},
		{"msg", "msg 0"},
		{"fields-raw-noheadings", "shm 0 -o size,nattch,dest,nattch --raw -n"},
		{"list-columns-sem", "sem --list-columns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, err := run(t, tc.argv)
			if err != nil {
				t.Fatalf("%v (stderr %q)", err, stderr)
			}
			golden.Check(t, filepath.Join("testdata", "golden", tc.name+".golden"), stdout)
		})
	}
}

func TestShowRunErrors(t *testing.T) {
	for _, tc := range []struct {
		argv, msg string
		code      int
	}{
		{"shm 42", "show shm 42: not found", cmdutil.ExitNotFound},
		{"sem 32769", "show sem 32769: not found", cmdutil.ExitNotFound},
		{"msg --key 0x1234abcd", "show msg --key 0x1234abcd: not found", cmdutil.ExitNotFound},
		{"shm 0 -o nosuch", `unknown column "nosuch" (valid: key, id,`, cmdutil.ExitUsage},
		{"shm 999999", "show shm 999999: not found", cmdutil.ExitNotFound},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			_, _, err := run(t, tc.argv)
			if err == nil || !strings.HasPrefix(err.Error(), tc.msg) || cmdutil.ExitCode(err) != tc.code {
				t.Fatalf("err = %v (exit %d), want %q (exit %d)", err, cmdutil.ExitCode(err), tc.msg, tc.code)
			}
		})
	}
}

func run(t *testing.T, argv string) (stdout, stderr []byte, err error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{
		IOStreams: ios,
		FS:        procfs.FS("testdata/fs"),
		Now:       func() time.Time { return time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC) },
	}
	err = testutil.Execute(NewCmdShow(f, nil), argv)
	return out.Bytes(), errOut.Bytes(), err
}

// TestShowRunPosix shows the objects of a temporary tree: stat fields,
// the semaphore decoded from its file, the mqueue file's notify fields.
// (mq_getsetattr is for the live system only: maxmsg and the like are null.)
func TestShowRunPosix(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"dev/shm", "dev/mqueue"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sem := make([]byte, 32)
	binary.NativeEndian.PutUint64(sem, 5|2<<32) // value 5, 2 waiters
	binary.NativeEndian.PutUint32(sem[8:], 128)
	for name, content := range map[string][]byte{
		"dev/shm/cache":     make([]byte, 4096),
		"dev/shm/sem.lock":  sem,
		"dev/shm/sem.short": {1, 2, 3},
		"dev/mqueue/events": []byte("QSIZE:42         NOTIFY:0     SIGNO:10    NOTIFY_PID:4242 \n"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "dev/shm/dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	show := func(argv string) (map[string]any, error) {
		ios, _, out, _ := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: ios, FS: procfs.FS(dir), Now: time.Now}
		if err := testutil.Execute(NewCmdShow(f, nil), argv); err != nil {
			return nil, err
		}
		var got map[string]any
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", argv, err, out)
		}
		return got, nil
	}
	for argv, want := range map[string]map[string]any{
		"pshm /cache --json":              {"name": "/cache", "size": 4096.0, "mode": "0640", "perms": "rw-r-----"},
		"psem /lock --json":               {"name": "/lock", "value": 5.0, "waiters": 2.0, "status": "ok", "reason": nil, "size": 32.0},
		"psem /short --json":              {"name": "/short", "value": nil, "status": "invalid", "reason": "size 3 bytes, want 32"},
		"mq /events --json":               {"name": "/events", "used_bytes": 42.0, "notify_pid": 4242.0, "signo": 10.0, "notify": "signal", "maxmsg": nil},
		"mq /events --json -o notify_pid": {"notify_pid": 4242.0},
	} {
		got, err := show(argv)
		if err != nil {
			t.Errorf("%s: %v", argv, err)
			continue
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %#v, want %#v", argv, k, got[k], v)
			}
		}
		delete(got, "holders") // the table that follows the record, not a field
		if strings.Contains(argv, "-o") && len(got) != len(want) {
			t.Errorf("%s: %v has other fields", argv, got)
		}
	}
	// Every column is shown: as many fields as --list-columns lists.
	for kind, name := range map[string]string{"pshm": "/cache", "psem": "/lock", "mq": "/events"} {
		got, _ := show(kind + " " + name + " --json")
		delete(got, "holders")
		ios, _, out, _ := iostreams.Test()
		if err := testutil.Execute(NewCmdShow(&cmdutil.Factory{IOStreams: ios, FS: procfs.FS(dir), Now: time.Now}, nil), kind+" --list-columns --json"); err != nil {
			t.Fatal(err)
		}
		var catalog map[string][]any
		if err := json.Unmarshal(out.Bytes(), &catalog); err != nil {
			t.Fatal(err)
		}
		if n := len(catalog[kind]); len(got) != n {
			t.Errorf("show %s has %d fields, %d columns exist", kind, len(got), n)
		}
	}
	if _, err := show("pshm /sem.lock"); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("show pshm /sem.lock: %v, want a usage error: it is a semaphore", err)
	}
	for _, argv := range []string{"pshm /none", "pshm /dir", "psem /cache", "mq /none"} {
		if _, err := show(argv); cmdutil.ExitCode(err) != cmdutil.ExitNotFound {
			t.Errorf("show %s: %v (exit %d), want not found", argv, err, cmdutil.ExitCode(err))
		}
	}
}

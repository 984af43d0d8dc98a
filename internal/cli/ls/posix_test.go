package ls

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/decoy"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// posixFixture is a tree with one object of each POSIX kind, an invalid
// semaphore and things that are no objects.
func posixFixture(t *testing.T, mqueueMounted bool) string {
	root := t.TempDir()
	write := func(rel string, b []byte, mode os.FileMode) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
	}
	sem := make([]byte, 32)
	binary.NativeEndian.PutUint64(sem, 4|2<<32) // value 4, 2 waiters
	binary.NativeEndian.PutUint32(sem[8:], 128)
	write("dev/shm/data", make([]byte, 8192), 0o640)
	write("dev/shm/sem.lock", sem, 0o600)
	write("dev/shm/sem.broken", nil, 0o600)
	os.Mkdir(filepath.Join(root, "dev/shm/adir"), 0o755)
	os.Symlink(decoy.File(t), filepath.Join(root, "dev/shm/alink"))
	write("dev/mqueue/jobs", []byte("QSIZE:42         NOTIFY:0     SIGNO:10     NOTIFY_PID:77     \n"), 0o620)
	mounts := "proc /proc proc rw 0 0\n"
	if mqueueMounted {
		mounts += "mqueue /dev/mqueue mqueue rw,relatime 0 0\n"
	}
	write("proc/self/mounts", []byte(mounts), 0o644)
	return root
}

func runLs(t *testing.T, root string, opts Options) (string, string, error) {
	ios, _, stdout, stderr := iostreams.Test()
	opts.IO = ios
	opts.Factory = &cmdutil.Factory{IOStreams: ios, FS: procfs.FS(root), Now: time.Now}
	err := lsRun(&opts)
	return stdout.String(), stderr.String(), err
}

func TestLsRunPosixJSON(t *testing.T) {
	root := posixFixture(t, true)
	out, _, err := runLs(t, root, Options{Kinds: ks("pshm", "psem", "mq"),
		Output: cmdutil.OutputOptions{JSON: true}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(got["pshm"]) != 1 || got["pshm"][0]["name"] != "/data" || got["pshm"][0]["size"] != float64(8192) || got["pshm"][0]["perms"] != "rw-r-----" {
		t.Errorf("pshm %v", got["pshm"])
	}
	sems := map[string]map[string]any{}
	for _, s := range got["psem"] {
		sems[s["name"].(string)] = s
	}
	if s := sems["/lock"]; s["value"] != float64(4) || s["waiters"] != float64(2) || s["status"] != "ok" {
		t.Errorf("lock %v", s)
	}
	if s := sems["/broken"]; s["value"] != nil || s["status"] != "invalid" {
		t.Errorf("broken %v", s)
	}
	// The fixture is not the live system: no mq_getsetattr, so attributes are null.
	if q := got["mq"]; len(q) != 1 || q[0]["name"] != "/jobs" || q[0]["used_bytes"] != float64(42) || q[0]["notify_pid"] != float64(77) || q[0]["maxmsg"] != nil {
		t.Errorf("mq %v", q)
	}
}

func TestLsRunPosixFilters(t *testing.T) {
	root := posixFixture(t, true)
	for _, o := range []Options{{Filter: kinds.FilterFlags{Owner: "4242"}}} {
		o.Kinds = ks("pshm", "psem", "mq")
		o.Output.JSON = true
		out, _, err := runLs(t, root, o)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, `"name"`) {
			t.Errorf("%+v kept objects: %s", o, out)
		}
	}
}

func TestLsRunMqUnmounted(t *testing.T) {
	root := posixFixture(t, false)
	_, _, err := runLs(t, root, Options{Kinds: ks("mq")})
	if !errors.Is(err, errors.ErrUnsupported) || cmdutil.ExitCode(err) != 7 {
		t.Fatalf("ls mq: %v (exit %d), want unsupported (7)", err, cmdutil.ExitCode(err))
	}
	out, stderr, err := runLs(t, root, Options{Kinds: nil})
	if err != nil || !strings.Contains(stderr, "ls mq:") || !strings.Contains(stderr, "(skipped)") || !strings.Contains(out, "/data") {
		t.Fatalf("ls: %v\nstderr %q\nstdout %q", err, stderr, out)
	}
}

// --sort, --view and -o all work for the POSIX kinds too, in every format.
func TestLsRunPosixSortViewAll(t *testing.T) {
	root := posixFixture(t, true)
	os.WriteFile(filepath.Join(root, "dev/shm/zeta"), make([]byte, 10), 0o600)
	os.WriteFile(filepath.Join(root, "dev/shm/alpha"), make([]byte, 20000), 0o600)
	pshm := ks("pshm")
	names := func(out string) []string {
		var got map[string][]map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var n []string
		for _, o := range got["pshm"] {
			n = append(n, o["name"].(string))
		}
		return n
	}
	for _, tc := range []struct {
		output cmdutil.OutputOptions
		want   string
	}{
		{cmdutil.OutputOptions{JSON: true}, "/alpha /data /zeta"},
		{cmdutil.OutputOptions{JSON: true, Reverse: true}, "/zeta /data /alpha"},
		{cmdutil.OutputOptions{JSON: true, Sort: "size"}, "/zeta /data /alpha"},
		{cmdutil.OutputOptions{JSON: true, Sort: "size", Reverse: true}, "/alpha /data /zeta"},
	} {
		out, _, err := runLs(t, root, Options{Kinds: pshm, Output: tc.output})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(names(out), " "); got != tc.want {
			t.Errorf("%+v: order %s, want %s", tc.output, got, tc.want)
		}
	}
	for _, tc := range []struct {
		output cmdutil.OutputOptions
		header string
	}{
		{cmdutil.OutputOptions{Raw: true, View: "times"}, "NAME OWNER ATIME MTIME CTIME"},
		{cmdutil.OutputOptions{Raw: true, View: "creators"}, "NAME PERMS OWNER GROUP"},
		{cmdutil.OutputOptions{Raw: true, View: "pids", Columns: "+size"}, "NAME OWNER SIZE"},
		{cmdutil.OutputOptions{Raw: true, Columns: "all"}, "NAME OWNER PERMS MODE SIZE UID GID GROUP MTIME CTIME ATIME HOLDERS"},
	} {
		out, _, err := runLs(t, root, Options{Kinds: pshm, Output: tc.output})
		if err != nil {
			t.Fatal(err)
		}
		if first := strings.SplitN(out, "\n", 2)[0]; first != tc.header {
			t.Errorf("%+v: header %q, want %q", tc.output, first, tc.header)
		}
	}
	out, _, err := runLs(t, root, Options{Kinds: ks("psem", "mq"), Output: cmdutil.OutputOptions{Export: true, View: "pids"}})
	if err != nil || !strings.Contains(out, `KIND="psem" NAME="/lock" OWNER=`) || !strings.Contains(out, `KIND="mq" NAME="/jobs" OWNER=`) || !strings.Contains(out, `NOTIFY_PID="77"`) {
		t.Errorf("--export --view pids: %v\n%s", err, out)
	}
}

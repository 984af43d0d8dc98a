package prune

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

func TestMain(m *testing.M) {
	nschild.Dispatch()
	nstest.Main(m)
}

func TestNewCmdPrune(t *testing.T) {
	for _, tc := range []struct {
		argv string
		want Options
	}{
		{"", Options{Kinds: []string{}}},
		{"shm pshm --older-than 7d --owner postgres --dry-run --json",
			Options{Kinds: []string{"shm", "pshm"}, OlderThan: "7d", Owner: "postgres", DryRun: true, Output: cmdutil.OutputOptions{JSON: true}, outputChanged: true}},
		{"-y -v --ignore-unreadable mq", Options{Kinds: []string{"mq"}, Yes: true, Verbose: true, IgnoreUnreadable: true}},
	} {
		got, _, err := testutil.ParseArgs(NewCmdPrune, tc.argv)
		if err != nil {
			t.Errorf("%q: %v", tc.argv, err)
			continue
		}
		got.IO, got.Factory = nil, nil
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tc.argv, *got, tc.want)
		}
	}
}

// testRun runs prune with argv over test streams against the live
// system (the test's private namespaces); stdin and tty set the terminal.
func testRun(t *testing.T, argv, stdin string, tty bool, hook func()) (stdout, stderr string, err error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ios.SetStdinTTY(tty)
	ios.SetStderrTTY(tty)
	f := &cmdutil.Factory{IOStreams: ios, FS: procfs.DefaultFS, Now: time.Now}
	cmd := NewCmdPrune(f, func(o *Options) error {
		o.beforeRemove = hook
		return pruneRun(o)
	})
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err = testutil.Execute(cmd, argv)
	return out.String(), errOut.String(), err
}

// Usage errors come before any work.
func TestPruneUsageErrors(t *testing.T) {
	for _, tc := range []struct{ argv, msg string }{
		{"sem --dry-run", "no attach count"},
		{"msg --yes", "no attach count"},
		{"shmem --dry-run", "unknown kind"},
		{"--older-than 3y --dry-run", "invalid --older-than"},
		{"--older-than -1h --dry-run", "invalid --older-than"},
		{"--owner no-such-user-xyz --dry-run", "unknown user"},
		{"", "needs --yes"},
		{"-o nosuch --dry-run", "unknown column"},
		{"--time-format x --dry-run", "time-format"},
	} {
		_, _, err := testRun(t, tc.argv, "", false, nil)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(fmt.Sprint(err), tc.msg) {
			t.Errorf("%q: %v (exit %d), want usage error with %q", tc.argv, err, cmdutil.ExitCode(err), tc.msg)
		}
	}
}

// scene: orphans and non-orphans of each kind in the test's namespace.
type scene struct {
	deadSeg, aliveSeg, raced int
	observer                 *nschild.Child
}

func newScene(t *testing.T) scene {
	t.Helper()
	c := ipc.New(procfs.DefaultFS)
	dead := nschild.Start(t, nschild.Spec{Do: []string{"shm 0 4096", "shm 0 4096", "pshm orph 10", "pshm raced 10", "psem sorph 1", "pshm held 10", "mq qorph"}})
	alive := nschild.Start(t, nschild.Spec{Do: []string{"shm 0 4096", "map held"}})
	sc := scene{deadSeg: dead.Last.IDs["shm"][0], raced: dead.Last.IDs["shm"][1], aliveSeg: alive.Last.IDs["shm"][0]}
	for _, id := range []int{sc.deadSeg, sc.raced, sc.aliveSeg} {
		t.Cleanup(func() { c.ShmRemove(id) })
	}
	for _, n := range []string{"orph", "raced", "sem.sorph", "held"} {
		t.Cleanup(func() { os.Remove("/dev/shm/" + n) })
	}
	t.Cleanup(func() { c.MqRemove("/qorph") })
	dead.Exit(t)
	sc.observer = nschild.Start(t, nschild.Spec{})
	return sc
}

type row struct {
	Kind   string  `json:"kind"`
	ID     *int    `json:"id"`
	Name   *string `json:"name"`
	Reason string  `json:"reason"`
}

func rows(t *testing.T, out string) []string {
	t.Helper()
	var doc map[string][]row
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("bad JSON %q: %v", out, err)
	}
	var got []string
	for _, r := range doc["prune"] {
		switch {
		case r.ID != nil && r.Name == nil:
			got = append(got, r.Kind+" "+strconv.Itoa(*r.ID))
		case r.Name != nil && r.ID == nil:
			got = append(got, r.Kind+" "+*r.Name)
		default:
			t.Errorf("row %+v: want exactly one of id and name", r)
		}
		if r.Reason == "" {
			t.Errorf("row %+v has no reason", r)
		}
	}
	return got
}

// --dry-run lists exactly the orphans, and removes nothing.
func TestPruneDryRun(t *testing.T) {
	nstest.Require(t)
	sc := newScene(t)
	out, stderr, err := testRun(t, "--dry-run --json --ignore-unreadable", "", false, nil)
	if err != nil {
		t.Fatal(err, stderr)
	}
	want := []string{fmt.Sprintf("shm %d", min(sc.deadSeg, sc.raced)), fmt.Sprintf("shm %d", max(sc.deadSeg, sc.raced)),
		"pshm /orph", "pshm /raced", "psem /sorph", "mq /qorph"}
	if got := rows(t, out); !slices.Equal(got, want) {
		t.Errorf("dry run lists %v, want %v", got, want)
	}
	rep := sc.observer.Do(t)
	if !slices.Contains(rep.DevShm, "orph") || !strings.Contains(rep.SysvIPC["shm"], " "+strconv.Itoa(sc.deadSeg)+" ") {
		t.Error("the dry run removed something")
	}
	// The human table shows the same objects with their reasons.
	out, _, _ = testRun(t, "--dry-run --ignore-unreadable -o kind,id,name,reason", "", false, nil)
	for _, w := range []string{"/orph", "never attached", "no process maps it"} {
		if !strings.Contains(out, w) {
			t.Errorf("table lacks %q:\n%s", w, out)
		}
	}
	// Without --ignore-unreadable (processes outside the test's user
	// namespace cannot be read) POSIX objects are kept, and it says why.
	out, stderr, err = testRun(t, "--dry-run --json", "", false, nil)
	if err != nil || !strings.Contains(stderr, "POSIX objects are kept") {
		t.Fatalf("%v %q", err, stderr)
	}
	if got := rows(t, out); !slices.Equal(got, want[:2]) {
		t.Errorf("with unreadable processes: %v", got)
	}
}

// --yes removes the orphans, and keeps the segment whose id was taken by
// a new one between the plan and the removal (the race helper).
func TestPruneYesWithRace(t *testing.T) {
	nstest.Require(t)
	sc := newScene(t)
	c := ipc.New(procfs.DefaultFS)
	var newID int
	race := func() {
		if err := c.ShmRemove(sc.raced); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("/proc/sys/kernel/shm_next_id", []byte(strconv.Itoa(sc.raced)), 0); err != nil {
			t.Fatal(err)
		}
		newID, _ = c.ShmCreate(ipc.ShmCreateOptions{Size: 4096, Mode: 0o600})
		os.Remove("/dev/shm/raced")
		os.WriteFile("/dev/shm/raced", []byte("new"), 0o600)
	}
	out, stderr, err := testRun(t, "--yes -v --json --ignore-unreadable", "", false, race)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr)
	}
	if newID != sc.raced {
		t.Fatalf("the new segment got id %d, not %d", newID, sc.raced)
	}
	defer c.ShmRemove(newID)
	if got := rows(t, out); !slices.Equal(got, []string{fmt.Sprintf("shm %d", sc.deadSeg), "pshm /orph", "psem /sorph", "mq /qorph"}) {
		t.Errorf("removed list %v", got)
	}
	for _, w := range []string{fmt.Sprintf("removed shm %d", sc.deadSeg), fmt.Sprintf("kept shm %d", sc.raced), "kept pshm /raced", "removed mq /qorph"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	rep := sc.observer.Do(t)
	ids := map[string]bool{}
	for _, l := range strings.Split(rep.SysvIPC["shm"], "\n")[1:] {
		if f := strings.Fields(l); len(f) > 1 {
			ids[f[1]] = true
		}
	}
	if ids[strconv.Itoa(sc.deadSeg)] || !ids[strconv.Itoa(sc.raced)] || !ids[strconv.Itoa(sc.aliveSeg)] {
		t.Errorf("segments left %v: dead %d must go, reused %d and alive %d stay", ids, sc.deadSeg, sc.raced, sc.aliveSeg)
	}
	for _, f := range []struct {
		name string
		gone bool
	}{{"orph", true}, {"sem.sorph", true}, {"raced", false}, {"held", false}} {
		if slices.Contains(rep.DevShm, f.name) == f.gone {
			t.Errorf("/dev/shm/%s gone: %v, want %v", f.name, !f.gone, f.gone)
		}
	}
	if b, _ := os.ReadFile("/dev/shm/raced"); string(b) != "new" {
		t.Errorf("the new /raced holds %q", b)
	}
}

// On a terminal prune shows the list and asks; "n" removes nothing.
func TestPruneAsks(t *testing.T) {
	nstest.Require(t)
	sc := newScene(t)
	out, stderr, err := testRun(t, "shm", "n\n", true, nil)
	if !errors.Is(err, cmdutil.ErrSilent) || !strings.Contains(stderr, "Remove 2 objects?") || !strings.Contains(stderr, "Nothing removed") {
		t.Fatalf("%v: %q", err, stderr)
	}
	if !strings.Contains(out, strconv.Itoa(sc.deadSeg)) || !strings.Contains(out, "never attached") {
		t.Errorf("the list shown:\n%s", out)
	}
	if _, err := ipc.New(procfs.DefaultFS).ShmStat(sc.deadSeg); err != nil {
		t.Errorf("answered no, yet: %v", err)
	}
	_, stderr, err = testRun(t, "shm", "y\n", true, nil)
	if err != nil {
		t.Fatal(err, stderr)
	}
	if _, err := ipc.New(procfs.DefaultFS).ShmStat(sc.deadSeg); !errors.Is(err, ipc.ErrNotFound) {
		t.Errorf("answered yes: segment %d: %v", sc.deadSeg, err)
	}
	if _, err := ipc.New(procfs.DefaultFS).ShmStat(sc.aliveSeg); err != nil {
		t.Errorf("the live creator's segment: %v", err)
	}
}

// A removal that fails for another reason than a change is a failure:
// named on stderr, exit status from its class.
func TestPruneFailureExit(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the test namespace maps no ordinary uid")
	}
	sc := newScene(t)
	_ = sc
	// As uid 1000, root's orphans cannot be removed (IPC_STAT needs read
	// permission; unlink in /dev/shm needs ownership: sticky directory).
	uid := uint32(1000)
	out, code := nschild.Run(t, "prune", &uid, "shm", "--yes")
	if code != cmdutil.ExitPermission {
		t.Errorf("uid 1000 pruning root's segments: exit %d, %q", code, out)
	}
}

func init() {
	nschild.Register("prune", func(args []string) int {
		ios, _, out, errOut := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: ios, FS: procfs.DefaultFS, Now: time.Now}
		cmd := NewCmdPrune(f, nil)
		err := testutil.Execute(cmd, strings.Join(args, " "))
		if err != nil && !errors.Is(err, cmdutil.ErrSilent) {
			var se *cmdutil.SilentExit
			if !errors.As(err, &se) {
				errOut.WriteString(err.Error())
			}
		}
		os.Stdout.Write(out.Bytes())
		os.Stdout.Write(errOut.Bytes())
		return cmdutil.ExitCode(err)
	})
}

// The registered verb, through the binary: exit codes of the contract.
func TestPruneBinary(t *testing.T) {
	nstest.Require(t)
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"prune"}, cmdutil.ExitUsage, "needs --yes"},
		{[]string{"prune", "sem", "--dry-run"}, cmdutil.ExitUsage, "no attach count"},
		{[]string{"prune", "--dry-run", "--json"}, cmdutil.ExitOK, `"prune"`},
	} {
		r := testutil.Run(t, "", tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stdout+r.Stderr, tc.out) {
			t.Errorf("%v: exit %d, %q %q", tc.args, r.Code, r.Stdout, r.Stderr)
		}
	}
}

package difftest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/decoy"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// Mutating commands run in a child of the test binary, in fresh IPC and
// mount namespaces (nested in nstest's): it builds the population, runs
// the tool once, and reports the tool's output and what the namespace
// holds afterwards. Two children, one per tool, start alike, so their
// reports must match.

const childEnv = "COMPAT_DIFFTEST_CHILD"

type childSpec struct {
	Tool       string
	Argv0      string
	Args       []string
	Population string   // "varied", "uniform" or "empty"
	Decoy      string   // what the planted symlink points at
	AsUID      int      // run the tool as this uid:gid (0: root)
	Env        []string // the tool's environment (nil: baseEnv)
	// Passwd is appended to a copy of /etc/passwd mounted over it in the
	// child's mount namespace (owners with unusual names).
	Passwd string
	// Pairs, when set, are [util-linux, ipcctl] paths: the child runs
	// each of Cases with both and reports every result, instead of Tool.
	Pairs [2]string
	Cases [][]string
	// ShmOwners makes a 64-byte segment owned by each of these uids.
	ShmOwners []uint32
	// Combined sends the tool's stdout and stderr into one pipe, as
	// `2>&1` does: the order of their lines is then compared too.
	Combined bool
}

type childReport struct {
	Result  result
	Results [][2]result // for Cases
	State   []string
	Err     string
}

// runChild runs spec in a fresh namespace and returns its report.
func runChild(t *testing.T, spec childSpec) childReport {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if spec.Argv0 == "" {
		spec.Argv0 = filepath.Base(spec.Tool)
	}
	js, _ := json.Marshal(spec)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+string(js))
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWIPC | syscall.CLONE_NEWNS}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("child %v: %v\n%s", spec.Args, err, errOut.String())
	}
	var rep childReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("child report: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	if rep.Err != "" {
		t.Fatalf("child: %s", rep.Err)
	}
	return rep
}

// compareMutating runs name with args on both sides, each in a fresh
// namespace with the same population, and compares output and result.
func compareMutating(t *testing.T, ul, ours func(string) string, spec childSpec) (childReport, childReport) {
	t.Helper()
	if spec.Decoy == "" {
		spec.Decoy = decoy.File(t)
	}
	if spec.Argv0 == "" {
		spec.Argv0 = spec.Tool
	}
	a, b := spec, spec
	a.Tool, b.Tool = ul(spec.Tool), ours(spec.Tool)
	ra, rb := runChild(t, a), runChild(t, b)
	if ra.Result != rb.Result {
		t.Errorf("%s %q: output differs:\n=== util-linux:\n%s\n=== ipcctl:\n%s", spec.Argv0, spec.Args, ra.Result, rb.Result)
	}
	if strings.Join(ra.State, "\n") != strings.Join(rb.State, "\n") {
		t.Errorf("%s %q: resulting state differs: %s\n=== util-linux:\n%s\n=== ipcctl:\n%s", spec.Argv0, spec.Args,
			firstDiff(strings.Join(ra.State, "\n"), strings.Join(rb.State, "\n")), strings.Join(ra.State, "\n"), strings.Join(rb.State, "\n"))
	}
	return ra, rb
}

func childMain() int {
	var spec childSpec
	var rep childReport
	defer func() {
		json.NewEncoder(os.Stdout).Encode(rep)
	}()
	if err := json.Unmarshal([]byte(os.Getenv(childEnv)), &spec); err != nil {
		rep.Err = err.Error()
		return 0
	}
	if err := freshDevMounts(); err != nil {
		rep.Err = err.Error()
		return 0
	}
	if spec.Passwd != "" {
		if err := extendPasswd(spec.Passwd); err != nil {
			rep.Err = err.Error()
			return 0
		}
	}
	var pop *population
	if spec.Population != "empty" {
		var err error
		if pop, err = build(spec.Population == "uniform", true); err == nil && spec.Decoy != "" {
			err = pop.plantNonObjects(spec.Decoy)
		}
		if err != nil {
			rep.Err = err.Error()
			return 0
		}
		defer pop.destroy()
	}
	if len(spec.ShmOwners) > 0 {
		c := ipc.New("/")
		for _, uid := range spec.ShmOwners {
			id, err := c.ShmCreate(ipc.ShmCreateOptions{Size: 64, Mode: 0o644})
			if err == nil {
				defer c.ShmRemove(id)
				err = c.ShmSet(id, ipc.PermUpdate{UID: u32(uid), GID: u32(uid)})
			}
			if err != nil {
				rep.Err = fmt.Sprintf("shm owned by %d: %v", uid, err)
				return 0
			}
		}
	}
	if len(spec.Cases) > 0 {
		env := baseEnv()
		if spec.Env != nil {
			env = spec.Env
		}
		for _, args := range spec.Cases {
			var pair [2]result
			for i, tool := range spec.Pairs {
				pair[i] = runTool(failer{&rep}, tool, spec.Argv0, args, env)
			}
			rep.Results = append(rep.Results, pair)
		}
		return 0
	}
	cmd := exec.Command(spec.Tool, spec.Args...)
	cmd.Args[0] = spec.Argv0
	cmd.Env = baseEnv()
	if spec.Env != nil {
		cmd.Env = spec.Env
	}
	if spec.AsUID != 0 {
		nstest.AsUser(cmd, uint32(spec.AsUID), uint32(spec.AsUID))
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if spec.Combined {
		cmd.Stderr = &out
	}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		rep.Result.Code = ee.ExitCode()
	case err != nil:
		rep.Err = err.Error()
		return 0
	}
	rep.Result.Stdout, rep.Result.Stderr = out.String(), errOut.String()
	known := map[string]bool{}
	if pop != nil {
		for _, id := range pop.shm {
			known["shm "+strconv.Itoa(id)] = true
		}
		for _, id := range pop.sem {
			known["sem "+strconv.Itoa(id)] = true
		}
		for _, id := range pop.msg {
			known["msg "+strconv.Itoa(id)] = true
		}
	}
	rep.State = snapshot(known)
	return 0
}

// extendPasswd mounts a copy of /etc/passwd with lines added over it:
// this mount namespace is the child's own, the host's file is untouched.
func extendPasswd(lines string) error {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "passwd-")
	if err != nil {
		return err
	}
	f.Write(append(b, lines...))
	f.Close()
	os.Chmod(f.Name(), 0o644)
	return unix.Mount(f.Name(), "/etc/passwd", "", unix.MS_BIND, "")
}

// failer lets runTool report into a child's report instead of a test.
type failer struct{ rep *childReport }

func (f failer) Helper() {}
func (f failer) Fatalf(format string, args ...any) {
	f.rep.Err = fmt.Sprintf(format, args...)
	panic(f.rep.Err)
}

// freshDevMounts gives this mount namespace its own empty /dev/shm and
// /dev/mqueue (nstest's are tmpfs and mqueue mounts already: new ones go
// on top, and vanish with the namespace).
func freshDevMounts() error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("private mounts: %w", err)
	}
	if err := unix.Mount("tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return fmt.Errorf("tmpfs on /dev/shm: %w", err)
	}
	if err := unix.Mount("mqueue", "/dev/mqueue", "mqueue", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mqueue on /dev/mqueue: %w", err)
	}
	return nil
}

// snapshot describes the namespace's objects without times and pids
// (they differ between the two runs); keys of objects the tool made are
// random and shown as "new".
func snapshot(known map[string]bool) []string {
	var st []string
	fs := procfs.DefaultFS
	key := func(kind string, id int, k int32) string {
		if known[kind+" "+strconv.Itoa(id)] {
			return fmt.Sprintf("0x%08x", uint32(k))
		}
		return "new"
	}
	shm, _ := fs.SysvShm()
	for _, s := range shm {
		st = append(st, fmt.Sprintf("shm id=%d key=%s mode=%o size=%d nattch=%d uid=%d gid=%d cuid=%d cgid=%d",
			s.ID, key("shm", s.ID, s.Key), s.Mode, s.Size, s.Nattch, s.UID, s.GID, s.CUID, s.CGID))
	}
	sem, _ := fs.SysvSem()
	for _, s := range sem {
		st = append(st, fmt.Sprintf("sem id=%d key=%s mode=%o nsems=%d uid=%d gid=%d cuid=%d cgid=%d",
			s.ID, key("sem", s.ID, s.Key), s.Mode, s.NSems, s.UID, s.GID, s.CUID, s.CGID))
	}
	msg, _ := fs.SysvMsg()
	for _, m := range msg {
		st = append(st, fmt.Sprintf("msg id=%d key=%s mode=%o cbytes=%d qnum=%d uid=%d gid=%d cuid=%d cgid=%d",
			m.ID, key("msg", m.ID, m.Key), m.Mode, m.CBytes, m.QNum, m.UID, m.GID, m.CUID, m.CGID))
	}
	for _, dir := range []string{"/dev/shm", "/dev/mqueue"} {
		entries, _ := os.ReadDir(dir)
		var names []string
		for _, e := range entries {
			var sb unix.Stat_t
			p := filepath.Join(dir, e.Name())
			if unix.Lstat(p, &sb) != nil {
				continue
			}
			line := fmt.Sprintf("%s mode=%o size=%d uid=%d gid=%d", p, sb.Mode, sb.Size, sb.Uid, sb.Gid)
			if dir == "/dev/mqueue" {
				b, _ := os.ReadFile(p)
				if f := strings.Fields(string(b)); len(f) > 0 {
					line += " " + f[0] // QSIZE:N
				}
			}
			names = append(names, line)
		}
		sort.Strings(names)
		st = append(st, names...)
	}
	return st
}

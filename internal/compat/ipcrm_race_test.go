package compat

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/ipcrace"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// ipcrm -a checks each object right before removing it: a segment whose
// id another took after the listing, and a /dev/shm name made again,
// are left alone and reported as util-linux reports a missing one.
// (util-linux itself removes whatever the id or name names then.)
func TestIpcrmAllLeavesReplacedObjects(t *testing.T) {
	nstest.Require(t)
	c := ipc.New(procfs.DefaultFS)
	id, err := c.ShmCreate(ipc.ShmCreateOptions{Key: 0x5afe0101, Size: 4096, Mode: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.ShmRemove(id) })
	if err := os.WriteFile("/dev/shm/compat-raced", []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm/compat-raced") })
	beforeRemoveAll = func(k ipc.Kind) {
		switch k {
		case ipc.KindShm:
			ipcrace.ReplaceSysV(t, k, id, ipcrace.New{Key: 0x5afe0102})
		case ipc.KindPshm:
			ipcrace.ReplacePosix(t, k, "/compat-raced", 0)
		}
	}
	t.Cleanup(func() { beforeRemoveAll = nil })
	var stdout, stderr bytes.Buffer
	code := Main("ipcrm", []string{"ipcrm", "--all=shm"}, Env{Stdout: &stdout, Stderr: &stderr})
	if want := "ipcrm: invalid id (" + strconv.Itoa(id) + ")\n"; code != 1 || stderr.String() != want {
		t.Errorf("ipcrm --all=shm: exit %d, stderr %q; want 1, %q", code, stderr.String(), want)
	}
	sysv, err := os.ReadFile("/proc/sysvipc/shm")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sysv), strconv.FormatInt(0x5afe0102, 10)) {
		t.Errorf("the segment that took id %d was removed:\n%s", id, sysv)
	}
	stderr.Reset()
	code = Main("ipcrm", []string{"ipcrm", "--all=pshm"}, Env{Stdout: &stdout, Stderr: &stderr})
	if code != 1 || !strings.Contains(stderr.String(), "compat-raced") {
		t.Errorf("ipcrm --all=pshm: exit %d, stderr %q", code, stderr.String())
	}
	if _, err := os.Stat("/dev/shm/compat-raced"); err != nil {
		t.Errorf("the new /dev/shm/compat-raced was removed: %v", err)
	}
}

// ipcrm --posix-semaphore removes the semaphore it checked: a file put
// under its name between the check and the removal (a new semaphore, or
// a sem.* file that is no semaphore at all) is left alone, reported as
// a missing name.
func TestIpcrmPosixSemaphoreLeavesReplacedFile(t *testing.T) {
	nstest.Require(t)
	c := ipc.New(procfs.DefaultFS)
	const name, file = "/compat-psem-raced", "/dev/shm/sem.compat-psem-raced"
	for _, tc := range []struct {
		what    string
		replace func(t *testing.T)
	}{
		{"a new semaphore", func(t *testing.T) { ipcrace.ReplacePosix(t, ipc.KindPsem, name, 0) }},
		{"a file that is no semaphore", func(t *testing.T) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte("not a sem_t"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			if _, err := c.PsemCreate(name, ipc.PsemCreateOptions{Mode: 0o600}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Remove(file) })
			var before os.FileInfo
			afterNameChecked = func(ipc.Kind, string) {
				tc.replace(t)
				var err error
				if before, err = os.Stat(file); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() { afterNameChecked = nil })
			var stdout, stderr bytes.Buffer
			code := Main("ipcrm", []string{"ipcrm", "--posix-semaphore", name}, Env{Stdout: &stdout, Stderr: &stderr})
			if want := "ipcrm: name `" + name + "' not found\n"; code != 1 || stderr.String() != want {
				t.Errorf("exit %d, stderr %q; want 1, %q", code, stderr.String(), want)
			}
			after, err := os.Stat(file)
			if err != nil || !os.SameFile(before, after) {
				t.Errorf("the file put under %s was removed: %v", name, err)
			}
		})
	}
}

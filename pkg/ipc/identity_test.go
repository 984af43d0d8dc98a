package ipc_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil/ipcrace"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// sysvLine is the line of /proc/sysvipc/KIND for id ("" when there is
// none): the kernel's own listing, a path independent of IPC_STAT.
func sysvLine(t *testing.T, k ipc.Kind, id int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/sysvipc/" + string(k))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Fields(l); len(f) > 1 && f[1] == fmt.Sprint(id) {
			return l
		}
	}
	return ""
}

// makeSysV creates an object of kind k with key, owned by uid, and lists it.
func makeSysV(t *testing.T, c *ipc.Client, k ipc.Kind, key int32, uid uint32) ipc.Identity {
	t.Helper()
	var id int
	var err error
	switch k {
	case ipc.KindShm:
		id, err = c.ShmCreate(ipc.ShmCreateOptions{Key: key, Size: 4096, Mode: 0o600})
	case ipc.KindSem:
		id, err = c.SemCreate(ipc.SemCreateOptions{Key: key, NSems: 1, Mode: 0o600})
	case ipc.KindMsg:
		id, err = c.MsgCreate(ipc.MsgCreateOptions{Key: key, Mode: 0o600})
	}
	if err != nil {
		t.Fatalf("create %s: %v", k, err)
	}
	t.Cleanup(func() { c.Remove(k, id) })
	u := ipc.PermUpdate{UID: &uid}
	switch k {
	case ipc.KindShm:
		err = c.ShmSet(id, u)
	case ipc.KindSem:
		err = c.SemSet(id, u)
	case ipc.KindMsg:
		err = c.MsgSet(id, u, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	switch k {
	case ipc.KindShm:
		s, err := c.ShmStat(id)
		if err != nil {
			t.Fatal(err)
		}
		return s.Identity()
	case ipc.KindSem:
		s, err := c.SemStat(id)
		if err != nil {
			t.Fatal(err)
		}
		return s.Identity()
	}
	m, err := c.MsgStat(id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Identity()
}

// TestRemoveIfSameSysV: an id that another object took after the
// listing (other owner, other key) is not removed, and says "replaced";
// the listed object itself is.
func TestRemoveIfSameSysV(t *testing.T) {
	nstest.Require(t)
	c := ipc.New(procfs.DefaultFS)
	for _, k := range []ipc.Kind{ipc.KindShm, ipc.KindSem, ipc.KindMsg} {
		t.Run(string(k), func(t *testing.T) {
			// rm --all --owner 65534: root's object took the listed id.
			listed := makeSysV(t, c, k, 0x5afe0001, 65534).WithOwner(65534)
			ipcrace.ReplaceSysV(t, k, listed.ID, ipcrace.New{Key: 0x5afe0001, UID: 0})
			err := c.RemoveIfSame(k, listed)
			if !errors.Is(err, ipc.ErrNotFound) || !strings.Contains(err.Error(), "replaced") || !strings.Contains(err.Error(), "owner 0, listed 65534") {
				t.Errorf("new owner: %v, want not found saying replaced", err)
			}
			if sysvLine(t, k, listed.ID) == "" {
				t.Errorf("the new object %d was removed", listed.ID)
			}

			// No owner filter: the key tells them apart.
			listed = makeSysV(t, c, k, 0x5afe0002, 0)
			ipcrace.ReplaceSysV(t, k, listed.ID, ipcrace.New{Key: 0x5afe0003})
			if err := c.RemoveIfSame(k, listed); !errors.Is(err, ipc.ErrNotFound) || !strings.Contains(err.Error(), "key 0x5afe0003, listed 0x5afe0002") {
				t.Errorf("new key: %v", err)
			}
			if sysvLine(t, k, listed.ID) == "" {
				t.Errorf("the new object %d was removed", listed.ID)
			}

			// A change time other than the listed one (IPC_SET since).
			listed = makeSysV(t, c, k, 0, 0)
			stale := listed
			stale.CTime = stale.CTime.Add(-time.Second)
			if err := c.RemoveIfSame(k, stale); !errors.Is(err, ipc.ErrNotFound) || !strings.Contains(err.Error(), "ctime") {
				t.Errorf("other ctime: %v", err)
			}
			if sysvLine(t, k, listed.ID) == "" {
				t.Error("removed despite another ctime")
			}

			// Unchanged: removed. Then gone: not found, saying so.
			if err := c.RemoveIfSame(k, listed.WithOwner(0)); err != nil {
				t.Fatalf("unchanged object: %v", err)
			}
			if sysvLine(t, k, listed.ID) != "" {
				t.Error("the listed object is still there")
			}
			if err := c.RemoveIfSame(k, listed); !errors.Is(err, ipc.ErrNotFound) || !strings.Contains(err.Error(), "gone") {
				t.Errorf("gone: %v", err)
			}
		})
	}
}

// TestRemoveIfSameIdleSegment: a segment chosen as unused (prune, rm
// --orphaned) is kept when it was attached since, or detached, or is not
// the listed creator's; unused and unchanged, it goes.
func TestRemoveIfSameIdleSegment(t *testing.T) {
	nstest.Require(t)
	c := ipc.New(procfs.DefaultFS)
	id, err := c.ShmCreate(ipc.ShmCreateOptions{Size: 4096, Mode: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Remove(ipc.KindShm, id) })
	listed := func() ipc.Identity {
		s, err := c.ShmStat(id)
		if err != nil {
			t.Fatal(err)
		}
		return s.IdleIdentity()
	}
	idle := listed()
	addr, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveIfSame(ipc.KindShm, idle); !errors.Is(err, ipc.ErrChanged) || !strings.Contains(err.Error(), "1 attached now") {
		t.Errorf("attached since: %v", err)
	}
	if err := unix.SysvShmDetach(addr); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveIfSame(ipc.KindShm, idle); !errors.Is(err, ipc.ErrChanged) || !strings.Contains(err.Error(), fmt.Sprintf("attached or detached by %d since", os.Getpid())) {
		t.Errorf("detached since: %v", err)
	}
	other := listed()
	other.CPID++
	if err := c.RemoveIfSame(ipc.KindShm, other); !errors.Is(err, ipc.ErrChanged) || !strings.Contains(err.Error(), "creator") {
		t.Errorf("other creator: %v", err)
	}
	if sysvLine(t, ipc.KindShm, id) == "" {
		t.Fatal("removed although it changed")
	}
	if err := c.RemoveIfSame(ipc.KindShm, listed()); err != nil {
		t.Fatalf("unused and unchanged: %v", err)
	}
	if sysvLine(t, ipc.KindShm, id) != "" {
		t.Error("the idle segment is still there")
	}
}

func posixPath(k ipc.Kind, name string) string {
	switch k {
	case ipc.KindPsem:
		return "/dev/shm/sem." + name[1:]
	case ipc.KindMq:
		return "/dev/mqueue/" + name[1:]
	}
	return "/dev/shm/" + name[1:]
}

func makePosix(t *testing.T, c *ipc.Client, k ipc.Kind, name string, uid uint32) ipc.Identity {
	t.Helper()
	var err error
	switch k {
	case ipc.KindPshm:
		_, err = c.PshmCreate(name, ipc.PshmCreateOptions{Size: 4096, Mode: 0o600})
	case ipc.KindPsem:
		_, err = c.PsemCreate(name, ipc.PsemCreateOptions{Mode: 0o600})
	case ipc.KindMq:
		_, err = c.MqCreate(name, ipc.MqCreateOptions{Mode: 0o600})
	}
	if err != nil {
		t.Fatal(err)
	}
	path := posixPath(k, name)
	t.Cleanup(func() { unix.Unlink(path) })
	if err := os.Lchown(path, int(uid), -1); err != nil {
		t.Fatal(err)
	}
	var f ipc.PosixFile
	switch k {
	case ipc.KindPshm:
		p, err := c.PshmStat(name)
		if err != nil {
			t.Fatal(err)
		}
		f = p.PosixFile
	case ipc.KindPsem:
		p, err := c.PsemStat(name)
		if err != nil {
			t.Fatal(err)
		}
		f = p.PosixFile
	case ipc.KindMq:
		q, err := c.MqStat(name)
		if err != nil {
			t.Fatal(err)
		}
		f = q.PosixFile
	}
	return f.Identity()
}

// TestRemoveIfSamePosix: a name another file took after the listing (a
// new inode), a symlink put in its place, or a chmod since (the ctime)
// stop the removal; the listed object itself goes.
func TestRemoveIfSamePosix(t *testing.T) {
	nstest.Require(t)
	c := ipc.New(procfs.DefaultFS)
	for _, k := range []ipc.Kind{ipc.KindPshm, ipc.KindPsem, ipc.KindMq} {
		t.Run(string(k), func(t *testing.T) {
			name := "/race-" + string(k)
			path := posixPath(k, name)

			// rm --all pshm --owner 65534: root made a file of that name after.
			listed := makePosix(t, c, k, name, 65534).WithOwner(65534)
			ipcrace.ReplacePosix(t, k, name, 0)
			err := c.RemoveIfSame(k, listed)
			if !errors.Is(err, ipc.ErrNotFound) || !strings.Contains(err.Error(), "replaced") || !strings.Contains(err.Error(), "inode") {
				t.Errorf("replaced: %v", err)
			}
			var st unix.Stat_t
			if err := unix.Lstat(path, &st); err != nil || st.Uid != 0 {
				t.Errorf("the new object was removed or changed: %v uid %d", err, st.Uid)
			}

			// A symlink where the object was.
			unix.Unlink(path)
			listed = makePosix(t, c, k, name, 0)
			if k != ipc.KindMq { // mqueue has no symlinks
				unix.Unlink(path)
				target := t.TempDir() + "/target"
				os.WriteFile(target, nil, 0o600)
				os.Symlink(target, path)
				if err := c.RemoveIfSame(k, listed); !errors.Is(err, ipc.ErrNotFound) || !strings.Contains(err.Error(), "not a regular file") {
					t.Errorf("symlink: %v", err)
				}
				if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Errorf("the symlink was removed: %v", err)
				}
				unix.Unlink(path)
				listed = makePosix(t, c, k, name, 0)
			}

			// chmod since the listing: its ctime moved. (Not for a queue:
			// its ctime moves with every message and is not compared.)
			if k != ipc.KindMq {
				// chmod until the ctime moves: the clock behind it is coarse.
				for mode := os.FileMode(0o640); ; mode ^= 0o040 {
					if err := os.Chmod(path, mode); err != nil {
						t.Fatal(err)
					}
					var st unix.Stat_t
					unix.Lstat(path, &st)
					if !time.Unix(st.Ctim.Unix()).Equal(listed.CTime) {
						break
					}
					time.Sleep(time.Millisecond)
				}
				if err := c.RemoveIfSame(k, listed); !errors.Is(err, ipc.ErrNotFound) || !strings.Contains(err.Error(), "ctime") {
					t.Errorf("chmod since: %v", err)
				}
				if _, err := os.Lstat(path); err != nil {
					t.Errorf("removed despite the change: %v", err)
				}
			}

			// Unchanged: removed; then gone.
			unix.Unlink(path)
			listed = makePosix(t, c, k, name, 0)
			if err := c.RemoveIfSame(k, listed.WithOwner(0)); err != nil {
				t.Fatalf("unchanged: %v", err)
			}
			if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the listed object is still there: %v", err)
			}
			if err := c.RemoveIfSame(k, listed); !errors.Is(err, ipc.ErrNotFound) || !strings.Contains(err.Error(), "gone") {
				t.Errorf("gone: %v", err)
			}
		})
	}
}

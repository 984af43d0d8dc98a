package ipc_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/ipcrace"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// removeEach runs the RemoveEach method of kind k with pick and done
// written over the listed ipc_perm.
func removeEach(c *ipc.Client, k ipc.Kind, pick func(ipc.Perm) bool, done func(ipc.Perm, error)) error {
	switch k {
	case ipc.KindShm:
		return c.ShmRemoveEach(func(s *ipc.Shm) bool { return pick(s.Perm) },
			func(s *ipc.Shm, err error) error { done(s.Perm, err); return nil })
	case ipc.KindSem:
		return c.SemRemoveEach(func(s *ipc.Sem) bool { return pick(s.Perm) },
			func(s *ipc.Sem, err error) error { done(s.Perm, err); return nil })
	}
	return c.MsgRemoveEach(func(m *ipc.Msg) bool { return pick(m.Perm) },
		func(m *ipc.Msg, err error) error { done(m.Perm, err); return nil })
}

// The one-walk removal decides on each object as it is when read, right
// before its IPC_RMID, not as an earlier listing saw it: here an object
// further on in the walk is replaced under the same id, after the walk
// started, by one pick refuses. It stays; what pick refused stays; only
// what pick took goes. /proc/sysvipc (not IPC_STAT) says what is left.
func TestRemoveEachDecidesOnEachObjectAsItIsRead(t *testing.T) {
	nstest.Require(t)
	c := ipc.New(procfs.DefaultFS)
	for _, k := range []ipc.Kind{ipc.KindShm, ipc.KindSem, ipc.KindMsg} {
		t.Run(string(k), func(t *testing.T) {
			// Made in this order, each takes the lowest free index: the
			// walk meets them in this order too.
			var ids []int
			for i := range 4 {
				ids = append(ids, makeSysV(t, c, k, int32(0x5e1e0001+i), 0).ID)
			}
			wanted := map[int32]bool{0x5e1e0001: true, 0x5e1e0003: true}
			var picked, replaced []string
			err := removeEach(c, k, func(p ipc.Perm) bool { return wanted[p.Key] }, func(p ipc.Perm, err error) {
				picked = append(picked, fmt.Sprintf("%d 0x%08x %v", p.ID, uint32(p.Key), err))
				if replaced == nil {
					// After the first removal, before the walk reaches it:
					// id[2] becomes another object, with a key not wanted.
					ipcrace.ReplaceSysV(t, k, ids[2], ipcrace.New{Key: 0x5e1e0005})
					replaced = append(replaced, fmt.Sprint(ids[2]))
				}
			})
			if err != nil {
				t.Fatalf("%sRemoveEach: %v", k, err)
			}
			if want := []string{fmt.Sprintf("%d 0x5e1e0001 <nil>", ids[0])}; strings.Join(picked, "|") != strings.Join(want, "|") {
				t.Errorf("done got %q, want %q", picked, want)
			}
			if sysvLine(t, k, ids[0]) != "" {
				t.Errorf("picked %s %d is still there", k, ids[0])
			}
			for i, wantKey := range []int32{0, 0x5e1e0002, 0x5e1e0005, 0x5e1e0004} {
				if i == 0 {
					continue
				}
				line := sysvLine(t, k, ids[i])
				if f := strings.Fields(line); len(f) < 1 || f[0] != fmt.Sprint(wantKey) {
					t.Errorf("%s %d: /proc says %q, want it there with key %d", k, ids[i], line, wantKey)
				}
			}
		})
	}
}

// Where there is no walk, RemoveEach removes nothing and says so
// (ErrNoWalk): the caller lists then, and removes with RemoveIfSame.
func TestRemoveEachWithoutAWalk(t *testing.T) {
	nstest.Require(t)
	live := ipc.New(procfs.DefaultFS)
	fixture := ipc.New(procfs.FS(t.TempDir()))
	for _, k := range []ipc.Kind{ipc.KindShm, ipc.KindSem, ipc.KindMsg} {
		id := makeSysV(t, live, k, 0, 0).ID
		for name, c := range map[string]*ipc.Client{"proc source": live.WithListSource(ipc.SourceProc), "fixture": fixture} {
			err := removeEach(c, k, func(ipc.Perm) bool { return true }, func(p ipc.Perm, err error) {
				t.Errorf("%s %s: done called for %d (%v)", name, k, p.ID, err)
			})
			if !errors.Is(err, ipc.ErrNoWalk) {
				t.Errorf("%s %s: %v, want ErrNoWalk", name, k, err)
			}
			if sysvLine(t, k, id) == "" {
				t.Errorf("%s %s: %d was removed", name, k, id)
			}
		}
	}
}

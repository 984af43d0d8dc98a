package ipc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// Readable follows the read permission bits (root may read everything):
// objects of mode 0600 made by root are unreadable to uid 1000, those of
// mode 0604 readable, checked against the mode /proc/sysvipc shows; a
// removed id is NotFound and a POSIX kind Unsupported.
func TestReadable(t *testing.T) {
	nstest.Require(t)
	c := New(procfs.DefaultFS)
	type object struct {
		kind Kind
		id   int
		mode uint32
	}
	var objs []object
	for _, mode := range []uint32{0o600, 0o604} {
		shm, err := c.ShmCreate(ShmCreateOptions{Size: 4096, Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.ShmRemove(shm) })
		// a set of the largest size (SEMMSL): one IPC_STAT all the same
		sem, err := c.SemCreate(SemCreateOptions{NSems: 32000, Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Remove(KindSem, sem) })
		msg, err := c.MsgCreate(MsgCreateOptions{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Remove(KindMsg, msg) })
		objs = append(objs, object{KindShm, shm, mode}, object{KindSem, sem, mode}, object{KindMsg, msg, mode})
	}
	var args []string
	for _, o := range objs {
		if got := sysvipcMode(t, o.kind, o.id); got != o.mode {
			t.Fatalf("%s %d: /proc/sysvipc mode %o, created %o", o.kind, o.id, got, o.mode)
		}
		ok, err := Readable(o.kind, o.id)
		if !ok || err != nil {
			t.Errorf("as root: Readable(%s, %d) = %v, %v; want true", o.kind, o.id, ok, err)
		}
		args = append(args, string(o.kind), strconv.Itoa(o.id))
	}
	if nstest.CanSwitchUser() {
		uid := uint32(1000)
		out, code := nschild.Run(t, "readable", &uid, args...)
		var want strings.Builder
		for _, o := range objs {
			fmt.Fprintf(&want, "%s %d %v\n", o.kind, o.id, o.mode&0o004 != 0)
		}
		if code != 0 || out != want.String() {
			t.Errorf("as uid 1000: exit %d\n%s\nwant\n%s", code, out, want.String())
		}
	}

	gone, err := c.MsgCreate(MsgCreateOptions{Mode: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(KindMsg, gone); err != nil {
		t.Fatal(err)
	}
	if ok, err := Readable(KindMsg, gone); ok || !errors.Is(err, ErrNotFound) {
		t.Errorf("removed queue %d: Readable = %v, %v; want false, NotFound", gone, ok, err)
	}
	if ok, err := Readable(KindPshm, 0); ok || !errors.Is(err, ErrUnsupported) {
		t.Errorf("pshm: Readable = %v, %v; want false, Unsupported", ok, err)
	}
}

// sysvipcMode is the mode /proc/sysvipc/KIND shows for id.
func sysvipcMode(t *testing.T, k Kind, id int) uint32 {
	t.Helper()
	b, err := os.ReadFile("/proc/sysvipc/" + string(k))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) > 2 && f[1] == strconv.Itoa(id) {
			m, err := strconv.ParseUint(f[2], 8, 32) // printed "%o"
			if err != nil {
				t.Fatal(err)
			}
			return uint32(m) & 0o777
		}
	}
	t.Fatalf("%s %d not in /proc/sysvipc", k, id)
	return 0
}

func init() {
	// readable KIND ID...: Readable of each object, one line each.
	nschild.Register("readable", func(args []string) int {
		for i := 0; i+1 < len(args); i += 2 {
			id, _ := strconv.Atoi(args[i+1])
			ok, err := Readable(Kind(args[i]), id)
			if err != nil {
				fmt.Println(args[i], id, err)
				continue
			}
			fmt.Println(args[i], id, ok)
		}
		return 0
	})
}

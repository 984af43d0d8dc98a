package ipc

import (
	"fmt"
	"slices"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// Namespaces finds the containers the test started, each once with its
// own process as representative, next to the test's own namespace, and
// a client of each lists what that container sees.
func TestNamespaces(t *testing.T) {
	nstest.Require(t)
	a := nschild.Start(t, nschild.Spec{Container: true, Do: []string{"shm 0xa 4096", "pshm a 1", "mq qa"}})
	b := nschild.Start(t, nschild.Spec{Container: true, Do: []string{"shm 0xb 4096", "sem 0xb 2"}})
	ipcOnly := nschild.Start(t, nschild.Spec{IPCOnly: true, Do: []string{"msg 0xc", "mq qc"}})
	sameNS := nschild.Start(t, nschild.Spec{}) // a second process of our namespace
	// Queues of ours: the IPC-only child sees them in /dev/mqueue (our
	// mount namespace), but they are not of its namespace; ours of the
	// same name as its own holds a message, its own is empty.
	must(liveClient().MqCreate("/ours", smallMq))
	defer liveClient().MqRemove("/ours")
	must(liveClient().MqCreate("/qc", smallMq))
	defer liveClient().MqRemove("/qc")
	oq := must(liveClient().MqOpen("/qc", unix.O_WRONLY))
	must(0, oq.Send([]byte("ours"), 0, NoWait))
	oq.Close()
	list, unreadable, err := Namespaces(procfs.DefaultFS)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d namespaces, %d processes unreadable", len(list), unreadable)
	byIno := map[uint64]Namespace{}
	for _, n := range list {
		if _, dup := byIno[n.Inode]; dup {
			t.Errorf("namespace %d listed twice", n.Inode)
		}
		byIno[n.Inode] = n
	}
	self := must(procfs.DefaultFS.NamespaceInode("self", "ipc"))
	inoOf := func(c *nschild.Child) uint64 { return must(procfs.DefaultFS.NamespaceInodePID(c.PID, "ipc")) }
	// Which is the host's: PID 1's when we may read it, else ours.
	host := self
	if h, err := procfs.DefaultFS.NamespaceInodePID(1, "ipc"); err == nil {
		host = h
	}
	if !list[0].Host || list[0].Inode != host {
		t.Errorf("first namespace %+v is not the host's (%d)", list[0], host)
	}
	me, ok := byIno[self]
	if !ok || !me.Self || me.Processes < 2 {
		t.Errorf("our namespace: %+v (we and the plain child %d are in it)", me, sameNS.PID)
	}
	for _, c := range []*nschild.Child{a, b, ipcOnly} {
		n, ok := byIno[inoOf(c)]
		if !ok {
			t.Fatalf("the namespace of child %d is missing", c.PID)
		}
		if n.PID != c.PID || n.Processes != 1 || n.Self || n.Host {
			t.Errorf("child %d: %+v", c.PID, n)
		}
		if got := n.Container.String(); got != "-" {
			t.Errorf("child %d runs in no container runtime, yet: %s", c.PID, got)
		}
	}
	// /dev/shm belongs to the mount namespace: the IPC-only child shares ours.
	if n := byIno[inoOf(ipcOnly)]; n.DevShmOf != self {
		t.Errorf("an IPC-only namespace shares our /dev/shm, but DevShmOf = %d (ours %d)", n.DevShmOf, self)
	}
	if byIno[inoOf(a)].DevShmOf != 0 || byIno[inoOf(b)].DevShmOf != 0 {
		t.Error("a container with its own /dev/shm is marked as sharing another's")
	}
	// Each client lists that namespace's objects (the child's own view).
	for _, tc := range []struct {
		c   *nschild.Child
		shm int
		mq  []string
	}{{a, 1, []string{"/qa"}}, {b, 1, []string{}}, {ipcOnly, 0, []string{"/qc"}}} {
		n := byIno[inoOf(tc.c)]
		cl, err := n.Client(procfs.DefaultFS)
		if err != nil {
			t.Fatalf("client of %d: %v", tc.c.PID, err)
		}
		shm := must(cl.ShmList())
		want := sysvIDs(t, tc.c.Last.SysvIPC["shm"], "shmid")
		if got := idKeys(shm, func(s Shm) Perm { return s.Perm }); !slices.Equal(got, want) || len(got) != tc.shm {
			t.Errorf("child %d: ShmList %v, it sees %v", tc.c.PID, got, want)
		}
		mq := must(cl.MqList())
		for _, q := range mq {
			if q.Status == nil || q.Status.QSize != 0 {
				t.Errorf("child %d: queue %s shows our queue's status %+v", tc.c.PID, q.Name, q.Status)
			}
		}
		if got := posixNames(mq, func(q Mq) PosixFile { return q.PosixFile }); !slices.Equal(got, tc.mq) {
			info, _ := cl.Namespace()
			t.Errorf("child %d: MqList %v, want %v (child sees %v; %+v)", tc.c.PID, got, tc.mq, tc.c.Last.Mqueue, info)
		}
		cl.Close()
	}
	cl := must(me.Client(procfs.DefaultFS))
	if _, isNS := cl.Namespace(); isNS {
		t.Error("the client of our own namespace is a namespaced one")
	}
}

// As an ordinary user only its own processes are readable: the root
// container's namespace is not listed, and the processes that could not
// be read are counted.
func TestNamespacesUnprivileged(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the test namespace maps no ordinary uid")
	}
	uid := uint32(1000)
	ct := nschild.Start(t, nschild.Spec{Container: true})
	out, code := nschild.Run(t, "namespaces", &uid)
	want := fmt.Sprintf("self %d; unreadable>0=true\n", must(procfs.DefaultFS.NamespaceInode("self", "ipc")))
	if code != 0 || out != want {
		t.Errorf("as uid 1000 (container %d running as root): %q (exit %d), want %q", ct.PID, out, code, want)
	}
}

func init() {
	// namespaces: the namespaces this process sees, and whether some
	// processes could not be read.
	nschild.Register("namespaces", func([]string) int {
		list, unreadable, err := Namespaces(procfs.DefaultFS)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		for _, n := range list {
			if n.Self {
				fmt.Printf("self %d; ", n.Inode)
			} else {
				fmt.Printf("other %d; ", n.Inode)
			}
		}
		fmt.Printf("unreadable>0=%v\n", unreadable > 0)
		return 0
	})
}

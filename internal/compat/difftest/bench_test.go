package difftest

import (
	"io"
	"testing"

	"github.com/ipcctl/ipcctl/internal/compat"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// BenchmarkIpcsAll is `ipcs -a` over 2000 objects of each kind, in
// process (scripts/bench-compat.sh times the whole command against
// util-linux's).
func BenchmarkIpcsAll(b *testing.B) {
	nstest.Require(b)
	c := ipc.New("/")
	var shm, sem, msg []int
	defer func() {
		for _, id := range shm {
			c.ShmRemove(id)
		}
		for _, id := range sem {
			c.SemRemove(id)
		}
		for _, id := range msg {
			c.MsgRemove(id)
		}
	}()
	owners := []uint32{0, 1, 2, 997, 4242}
	for i := 0; i < 2000; i++ {
		o := ipc.PermUpdate{UID: u32(owners[i%len(owners)])}
		id, err := c.ShmCreate(ipc.ShmCreateOptions{Size: 4096, Mode: 0o600})
		if err != nil {
			b.Fatal(err)
		}
		shm = append(shm, id)
		c.ShmSet(id, o)
		if id, err = c.SemCreate(ipc.SemCreateOptions{NSems: 1, Mode: 0o600}); err != nil {
			b.Fatal(err)
		}
		sem = append(sem, id)
		c.SemSet(id, o)
		if id, err = c.MsgCreate(ipc.MsgCreateOptions{Mode: 0o600}); err != nil {
			b.Fatal(err)
		}
		msg = append(msg, id)
		c.MsgSet(id, o, nil)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code := compat.Main("ipcs", []string{"ipcs", "-a"}, compat.Env{Stdout: io.Discard, Stderr: io.Discard}); code != 0 {
			b.Fatal(code)
		}
	}
}

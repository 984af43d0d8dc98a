package ipc

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/pkg/procfs"
)

func TestShmOrphaned(t *testing.T) {
	root := t.TempDir()
	const alive = 100 // gone: 200, 300
	if err := os.MkdirAll(filepath.Join(root, "proc", "100"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := New(procfs.FS(root))
	var (
		segs []Shm
		want []bool
	)
	for _, tc := range []struct {
		name       string
		nattch     uint64
		cpid, lpid int
		attached   bool // ever attached: it has an attach time
		want       bool
	}{
		{"creator and last attacher gone", 0, 200, 300, true, true},
		{"same gone process", 0, 200, 200, true, true},
		{"still attached", 1, 200, 300, true, false},
		{"creator alive", 0, alive, 300, true, false},
		{"last attacher alive", 0, 200, alive, true, false},
		{"never attached, creator gone", 0, 200, 0, false, true},
		{"last attacher in another pid namespace: 0 is not gone", 0, 200, 0, true, false},
		{"creator in another pid namespace: 0 is not gone", 0, 0, 300, true, false},
		{"both read 0", 0, 0, 0, false, false},
	} {
		s := Shm{Nattch: tc.nattch, CPID: tc.cpid, LPID: tc.lpid}
		if tc.attached {
			s.ATime = time.Unix(1e9, 0)
		}
		if got := c.ShmOrphaned(s); got != tc.want {
			t.Errorf("%s: ShmOrphaned(nattch %d, cpid %d, lpid %d) = %v, want %v", tc.name, tc.nattch, tc.cpid, tc.lpid, got, tc.want)
		}
		segs = append(segs, s)
		want = append(want, tc.want)
	}
	// The batch form gives the same answers.
	if got := c.ShmOrphans(segs); !slices.Equal(got, want) {
		t.Errorf("ShmOrphans = %v, want %v", got, want)
	}
}

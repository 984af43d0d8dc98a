package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"golang.org/x/sys/unix"
)

// The /dev/shm figures of `limits` are what statfs of the tmpfs says, and
// the queue count is what a readdir of /dev/mqueue finds.
func TestLimitsPosixAgreesWithStatfs(t *testing.T) {
	nstest.Require(t)
	// Written data, not a sparse file: tmpfs counts only allocated pages.
	if err := os.WriteFile("/dev/shm/limits-data", make([]byte, 256<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove("/dev/shm/limits-data") })
	runPosixc(t, "mqcreate", "/limits-q1", "2", "16")
	runPosixc(t, "mqcreate", "/limits-q2", "2", "16")
	t.Cleanup(func() { os.Remove("/dev/mqueue/limits-q1"); os.Remove("/dev/mqueue/limits-q2") })

	got := limitsFigures(t, "-o", "resource,used,limit,free")
	var st unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &st); err != nil {
		t.Fatal(err)
	}
	if st.Type != unix.TMPFS_MAGIC || st.Blocks == 0 || st.Files == 0 {
		t.Fatalf("the harness's /dev/shm is not a sized tmpfs: %+v", st)
	}
	bs := uint64(st.Bsize)
	want := map[string]limitFigures{
		"DEVSHM_BYTES":  {fmt.Sprint((st.Blocks - st.Bfree) * bs), fmt.Sprint(st.Blocks * bs), fmt.Sprint(st.Bavail * bs)},
		"DEVSHM_INODES": {fmt.Sprint(st.Files - st.Ffree), fmt.Sprint(st.Files), fmt.Sprint(st.Ffree)},
	}
	ents, err := os.ReadDir("/dev/mqueue")
	if err != nil {
		t.Fatal(err)
	}
	qmax, err := os.ReadFile("/proc/sys/fs/mqueue/queues_max")
	if err != nil {
		t.Fatal(err)
	}
	want["QUEUES_MAX"] = limitFigures{fmt.Sprint(len(ents)), strings.TrimSpace(string(qmax)),
		fmt.Sprint(mustUint(t, strings.TrimSpace(string(qmax))) - uint64(len(ents)))}
	for res, w := range want {
		if got[res] != w {
			t.Errorf("%s: used, limit, free = %+v; statfs/readdir say %+v", res, got[res], w)
		}
	}
	if used := mustUint(t, got["DEVSHM_BYTES"].Used); used < 256<<10 {
		t.Errorf("DEVSHM_BYTES used %d, below the 256K written", used)
	}
	if len(ents) < 2 {
		t.Errorf("readdir of /dev/mqueue found %d queues, want the 2 made", len(ents))
	}
}

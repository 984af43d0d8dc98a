package ipc

import (
	"errors"
	"strconv"
	"testing"

	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

func TestSysvUsage(t *testing.T) {
	u64 := func(v uint64) *uint64 { return &v }
	shm := []Shm{
		{Size: 1, RSS: u64(4096), Swap: u64(0)},
		{Size: 4096, RSS: u64(0), Swap: u64(4096)},
		{Size: 4097, RSS: u64(8192), Swap: u64(0)},
		{Size: 0, RSS: u64(0), Swap: u64(0)},
	}
	sem := []Sem{{NSems: 3}, {NSems: 250}}
	msg := []Msg{{QNum: 2, CBytes: 100}, {QNum: 0, CBytes: 0}, {QNum: 5, CBytes: 8000}}
	u := sysvUsage(shm, sem, msg, 4096)
	want := SysvUsage{
		ShmSegments: 4, ShmBytes: 8194, ShmPages: 1 + 1 + 2 + 0,
		SemSets: 2, Semaphores: 253,
		MsgQueues: 3, Messages: 7, MsgBytes: 8100,
	}
	if *u.ShmRSS != 12288 || *u.ShmSwap != 4096 {
		t.Errorf("rss, swap = %d, %d; want 12288, 4096", *u.ShmRSS, *u.ShmSwap)
	}
	u.ShmRSS, u.ShmSwap = nil, nil
	if u != want {
		t.Errorf("usage = %+v\nwant    %+v", u, want)
	}

	// A kernel without the rss/swap columns: unknown, not zero.
	u = sysvUsage([]Shm{{Size: 65536}}, nil, nil, 65536)
	if u.ShmPages != 1 || u.ShmRSS != nil || u.ShmSwap != nil {
		t.Errorf("usage without rss = %+v", u)
	}
	// Nothing at all uses nothing.
	if u = sysvUsage(nil, nil, nil, 4096); u.ShmRSS == nil || *u.ShmRSS != 0 {
		t.Errorf("empty usage = %+v", u)
	}
}

func TestDevShmUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   unix.Statfs_t
		want [6]string // size, used, free bytes; inodes, used, free
	}{
		{"sized", unix.Statfs_t{Bsize: 4096, Blocks: 100, Bfree: 40, Bavail: 40, Files: 50, Ffree: 45},
			[6]string{"409600", "245760", "163840", "50", "5", "45"}},
		// size=0 and nr_inodes=0 mount options: no limit, statfs says 0.
		{"unlimited", unix.Statfs_t{Bsize: 4096}, [6]string{"nil", "nil", "nil", "nil", "nil", "nil"}},
	} {
		u := devShmUsage(tc.st)
		var got [6]string
		for i, p := range []*uint64{u.SizeBytes, u.UsedBytes, u.FreeBytes, u.Inodes, u.UsedInodes, u.FreeInodes} {
			got[i] = "nil"
			if p != nil {
				got[i] = strconv.FormatUint(*p, 10)
			}
		}
		if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A fixture tree's /dev/shm is never statfs-ed: it would describe the disk.
func TestDevShmNotOnFixtures(t *testing.T) {
	if _, err := New(procfs.FS(t.TempDir())).DevShm(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DevShm on a fixture = %v, want ErrUnsupported", err)
	}
}

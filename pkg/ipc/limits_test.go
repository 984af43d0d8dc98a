package ipc

import (
	"testing"
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

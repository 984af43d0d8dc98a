package mmaputil

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/disktest"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) { nstest.Main(m) }

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func mapPath(t *testing.T, path string, flag int, o FileOptions) *Mapping {
	t.Helper()
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := MapFile(f, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestSharedAndPrivateWrites(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	orig := bytes.Repeat([]byte("a"), 3*PageSize)
	for _, tc := range []struct {
		name    string
		private bool
		flag    int
	}{
		{"shared", false, os.O_RDWR},
		{"private", true, os.O_RDONLY},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.name, orig)
			m := mapPath(t, p, tc.flag, FileOptions{Offset: int64(PageSize), Prot: unix.PROT_READ | unix.PROT_WRITE, Private: tc.private})
			if m.Len() != 2*PageSize || m.Shared() == tc.private {
				t.Fatalf("len %d shared %v", m.Len(), m.Shared())
			}
			copy(m.Bytes()[10:], "hello")
			if string(m.Bytes()[10:15]) != "hello" {
				t.Fatal("write not visible in the mapping")
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]byte(nil), orig...)
			if !tc.private {
				copy(want[PageSize+10:], "hello")
			}
			if !bytes.Equal(got, want) {
				t.Errorf("file after unmap differs from what a %s mapping must leave", tc.name)
			}
		})
	}
}

func TestSyncFlags(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		flags int
		err   error
	}{
		{"sync", unix.MS_SYNC, nil},
		{"async", unix.MS_ASYNC, nil},
		{"invalidate", unix.MS_INVALIDATE, nil},
		{"sync+invalidate", unix.MS_SYNC | unix.MS_INVALIDATE, nil},
		// The kernel refuses both at once: seeing EINVAL proves the flags reach it.
		{"sync+async", unix.MS_SYNC | unix.MS_ASYNC, unix.EINVAL},
		{"bogus", 0x100, unix.EINVAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.name, make([]byte, PageSize))
			m := mapPath(t, p, os.O_RDWR, FileOptions{Prot: unix.PROT_READ | unix.PROT_WRITE})
			copy(m.Bytes(), tc.name)
			err := m.Sync(tc.flags)
			if !errors.Is(err, tc.err) && !(err == nil && tc.err == nil) {
				t.Fatalf("Sync(%#x) = %v, want %v", tc.flags, err, tc.err)
			}
			m.Close()
			got, _ := os.ReadFile(p)
			if !bytes.HasPrefix(got, []byte(tc.name)) {
				t.Errorf("file starts %q, want %q", got[:len(tc.name)], tc.name)
			}
		})
	}
}

func TestMapFileRefusals(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	p := writeFile(t, dir, "f", make([]byte, 2*PageSize+100))
	empty := writeFile(t, dir, "empty", nil)
	for _, tc := range []struct {
		name string
		path string
		o    FileOptions
		err  error
		msg  string
	}{
		{"unaligned", p, FileOptions{Offset: 100}, ErrUnaligned, "page size " + strconv.Itoa(PageSize)},
		{"negative", p, FileOptions{Offset: -int64(PageSize)}, ErrUnaligned, ""},
		{"past EOF", p, FileOptions{Length: 3 * int64(PageSize)}, ErrPastEOF, "(" + strconv.Itoa(2*PageSize+100) + " bytes)"},
		{"offset past EOF", p, FileOptions{Offset: 4 * int64(PageSize)}, ErrEmpty, "past the end"},
		{"empty", empty, FileOptions{}, ErrEmpty, "empty"},
		{"directory", dir, FileOptions{}, ErrNotRegular, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Open(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := MapFile(f, tc.o)
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) {
				m.Close()
				t.Fatalf("err = %v, want %v containing %q", err, tc.err, tc.msg)
			}
		})
	}
	if st, _ := os.Stat(p); st.Size() != int64(2*PageSize+100) {
		t.Errorf("a refused mapping resized the file to %d", st.Size())
	}
}

func TestGrow(t *testing.T) {
	nstest.Require(t)
	p := writeFile(t, t.TempDir(), "g", []byte("x"))
	m := mapPath(t, p, os.O_RDWR, FileOptions{Length: 2 * int64(PageSize), Prot: unix.PROT_READ | unix.PROT_WRITE, Grow: true})
	m.Bytes()[2*PageSize-1] = 'z' // would be SIGBUS without the ftruncate
	m.Close()
	got, _ := os.ReadFile(p)
	if len(got) != 2*PageSize || got[0] != 'x' || got[len(got)-1] != 'z' {
		t.Errorf("grown file: len %d first %q last %q", len(got), got[0], got[len(got)-1])
	}
}

func TestProtectRemapAdvise(t *testing.T) {
	nstest.Require(t)
	m, err := Anon(uint64(PageSize), AnonOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Bytes()[0] = 1
	if err := m.Protect(unix.PROT_READ); err != nil {
		t.Fatal(err)
	}
	reg, err := procfs.DefaultFS.SmapsAt("self", m.Addr())
	if err != nil || reg.Perms != "r--p" {
		t.Fatalf("after Protect(PROT_READ): %+v, %v", reg, err)
	}
	if err := m.Remap(4 * PageSize); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 4*PageSize || m.Bytes()[0] != 1 {
		t.Fatalf("after Remap: len %d first byte %d", m.Len(), m.Bytes()[0])
	}
	if reg, err := procfs.DefaultFS.SmapsAt("self", m.Addr()); err != nil || reg.End-reg.Start != uint64(4*PageSize) {
		t.Fatalf("smaps after Remap: %+v, %v", reg, err)
	}
	for _, adv := range []int{unix.MADV_NORMAL, unix.MADV_SEQUENTIAL, unix.MADV_RANDOM, unix.MADV_WILLNEED, unix.MADV_DONTNEED} {
		if err := m.Advise(adv); err != nil {
			t.Errorf("Advise(%d): %v", adv, err)
		}
	}
	if err := m.Advise(-1); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Advise(-1) = %v, want EINVAL", err)
	}
}

func TestAnonPopulateAndLock(t *testing.T) {
	nstest.Require(t)
	const size = 1 << 20
	m, err := Anon(size, AnonOptions{Populate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	vec, err := m.Resident()
	if err != nil || vec.Count() != size/uint64(PageSize) {
		t.Fatalf("populated mapping: %d of %d pages resident, %v", vec.Count(), size/PageSize, err)
	}
	reg, err := procfs.DefaultFS.SmapsAt("self", m.Addr())
	if err != nil || reg.Fields["Rss"] != size || reg.End-reg.Start != size {
		t.Fatalf("smaps region %#x-%#x Rss = %d, %v; want exactly the %d-byte mapping", reg.Start, reg.End, reg.Fields["Rss"], err, size)
	}
	if limit, _ := MemlockLimit(); limit < size {
		t.Skipf("RLIMIT_MEMLOCK %d too small", limit)
	}
	if err := m.Lock(); err != nil {
		t.Fatal(err)
	}
	if reg, _ := procfs.DefaultFS.SmapsAt("self", m.Addr()); reg.Fields["Locked"] != size {
		t.Errorf("smaps Locked = %d after Lock, want %d", reg.Fields["Locked"], size)
	}
	if err := m.Unlock(); err != nil {
		t.Fatal(err)
	}
	if reg, _ := procfs.DefaultFS.SmapsAt("self", m.Addr()); reg.Fields["Locked"] != 0 {
		t.Errorf("smaps Locked = %d after Unlock", reg.Fields["Locked"])
	}
}

// With the host's pool empty, a hugetlb mapping is a HugePoolError (exit 7
// in the CLI), not a bare ENOMEM. The pool is never changed here.
func TestAnonHugetlbEmptyPool(t *testing.T) {
	nstest.Require(t)
	sizes, err := procfs.DefaultFS.HugetlbSizes()
	if err != nil || len(sizes) == 0 {
		t.Skipf("no hugetlb: %v", err)
	}
	_, free, err := procfs.DefaultFS.HugetlbPool(sizes[0])
	if err != nil || free != 0 {
		t.Skipf("pool of %d-byte pages is not empty (%d free): cannot test the empty-pool error", sizes[0], free)
	}
	m, err := Anon(1, AnonOptions{HugePageSize: sizes[0]})
	var pe *HugePoolError
	if !errors.As(err, &pe) || pe.PageSize != sizes[0] || pe.Pages != 1 || !errors.Is(err, errors.ErrUnsupported) {
		m.Close()
		t.Fatalf("err = %v, want HugePoolError for 1 page of %d", err, sizes[0])
	}
}

func TestAnonBadHugePageSize(t *testing.T) {
	if _, err := Anon(1, AnonOptions{HugePageSize: 3 << 20}); !errors.Is(err, ErrHugePageSize) {
		t.Errorf("3 MiB pages: err = %v", err)
	}
}

func TestResidencyEvictTouchAgreeWithFincore(t *testing.T) {
	nstest.Require(t)
	const size = 4 << 20
	p := writeFile(t, disktest.TempDir(t), "cache", bytes.Repeat([]byte("0123456789abcdef"), size/16))
	f, _ := os.Open(p)
	unix.Fdatasync(int(f.Fd())) // clean pages can be evicted; dirty ones stay
	f.Close()

	check := func(stage string, r Residency, wantAll, wantNone bool) {
		t.Helper()
		if r.Size != size || r.Pages != size/uint64(PageSize) {
			t.Fatalf("%s: size %d pages %d", stage, r.Size, r.Pages)
		}
		if fb := disktest.FincoreBytes(t, p); fb != r.ResidentBytes() {
			t.Errorf("%s: ipcctl says %d resident bytes, fincore %d", stage, r.ResidentBytes(), fb)
		}
		if wantAll && r.Resident != r.Pages || wantNone && r.Resident != 0 {
			t.Errorf("%s: %d of %d pages resident", stage, r.Resident, r.Pages)
		}
	}
	before, after, err := Evict(p)
	if err != nil {
		t.Fatal(err)
	}
	check("after evict", after, false, true)
	if before.Resident < after.Resident {
		t.Errorf("evict: before %d < after %d", before.Resident, after.Resident)
	}
	r, err := FileResidency(p, true)
	if err != nil {
		t.Fatal(err)
	}
	check("residency after evict", r, false, true)
	if uint64(len(r.Map)) != r.Pages || r.Map.Count() != 0 {
		t.Errorf("map: %d entries, %d set", len(r.Map), r.Map.Count())
	}
	tb, ta, held, err := Touch(p, false)
	if err != nil || held != nil {
		t.Fatal(err, held)
	}
	if tb.Resident != 0 {
		t.Errorf("touch: before %d pages, want 0", tb.Resident)
	}
	check("after touch", ta, true, false)
	r, _ = FileResidency(p, false)
	check("residency after touch", r, true, false)
}

func TestTouchLockHoldsPages(t *testing.T) {
	nstest.Require(t)
	p := writeFile(t, disktest.TempDir(t), "locked", make([]byte, 64<<10))
	if limit, _ := MemlockLimit(); limit < 64<<10 {
		t.Skip("RLIMIT_MEMLOCK too small")
	}
	_, after, held, err := Touch(p, true)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	reg, err := procfs.DefaultFS.SmapsAt("self", held.Addr())
	if err != nil || reg.Fields["Locked"] != 64<<10 || after.Resident != after.Pages {
		t.Errorf("locked touch: smaps %+v err %v; after %+v", reg.Fields, err, after)
	}
}

// Counting window by window gives the same answer as one pass with a map.
func TestResidencyWindows(t *testing.T) {
	nstest.Require(t)
	p := writeFile(t, t.TempDir(), "w", make([]byte, 10*PageSize+1))
	full, err := FileResidency(p, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func(w int) { scanWindow = w }(scanWindow)
	scanWindow = 3 * PageSize
	s := Scanner{noCachestat: true} // the mincore loop, as before Linux 6.5
	for i := 0; i < 2; i++ {        // the second pass reuses the buffer
		got, err := s.FileResidency(p, false)
		if err != nil || got.Resident != full.Resident || got.Resident != full.Map.Count() || got.Pages != 11 {
			t.Fatalf("windowed %+v, %v; one pass %+v", got, err, full)
		}
	}
}

// cachestat(2)'s count agrees with mincore's page by page on a file of
// which only some pages are cached.
func TestResidencyCachestatAgreesWithMincore(t *testing.T) {
	nstest.Require(t)
	const pages = 1024 // 4 MiB: halves hold whole folios, up to PMD size
	p := writeFile(t, disktest.TempDir(t), "partly", make([]byte, pages*PageSize+100))
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unix.Fdatasync(int(f.Fd())) // clean pages can be evicted
	// Drop the first half: a page of a large folio goes only with all of it.
	if err := Fadvise(f, 0, pages/2*int64(PageSize), unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	var viaCachestat Scanner
	got, err := viaCachestat.FileResidency(p, false)
	if err != nil || viaCachestat.noCachestat {
		t.Skipf("no cachestat(2) here (Linux 6.5+): %v", err)
	}
	viaMincore := Scanner{noCachestat: true}
	want, err := viaMincore.FileResidency(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Resident != want.Resident || got.Pages != pages+1 || want.Resident == 0 || want.Resident == want.Pages {
		t.Errorf("cachestat says %d of %d pages resident, mincore %d of %d; want equal and partial",
			got.Resident, got.Pages, want.Resident, want.Pages)
	}
}

func TestResidencyErrors(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	if _, err := FileResidency(filepath.Join(dir, "nope"), false); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := FileResidency(dir, false); !errors.Is(err, ErrNotRegular) {
		t.Errorf("dir: %v", err)
	}
	r, err := FileResidency(writeFile(t, dir, "empty", nil), false)
	if err != nil || r.Pages != 0 || r.Resident != 0 {
		t.Errorf("empty: %+v %v", r, err)
	}
}

func BenchmarkResident1GiB(b *testing.B) {
	m, err := Anon(1<<30, AnonOptions{}) // never touched: nothing resident
	if err != nil {
		b.Skip(err)
	}
	defer m.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Resident(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFileResidency(b *testing.B) {
	p := writeFile(b, b.TempDir(), "f", make([]byte, 64<<20))
	b.ResetTimer()
	for b.Loop() {
		if _, err := FileResidency(p, false); err != nil {
			b.Fatal(err)
		}
	}
}

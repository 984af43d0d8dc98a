package columns

import (
	"fmt"
	"strings"

	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// Residency is the column list of `mmap residency` (like fincore). The map
// column draws mapWidth regions of the file (see ResidencyMap).
func Residency(mapWidth int) table.Columns[mmaputil.Residency] {
	type R = mmaputil.Residency
	return table.Columns[R]{
		sizeCol("res", "resident bytes in the page cache (whole pages, as fincore)", true, func(r *R) uint64 { return r.ResidentBytes() }),
		uintCol("pages", "resident pages (fincore's PAGES)", true, func(r *R) uint64 { return r.Resident }),
		uintCol("total", "pages the file spans", true, func(r *R) uint64 { return r.Pages }),
		uintCol("resident", "resident pages, as pages (the name older scripts use)", false, func(r *R) uint64 { return r.Resident }),
		col[R]{Name: "percent", Head: "RES%", Help: "resident pages in percent (null for an empty file)", Right: true, Default: true, Type: table.Percent,
			Value: func(r *R) table.Value { return table.PercentV(r.Resident, r.Pages) }},
		sizeCol("size", "file size", true, func(r *R) uint64 { return uint64(r.Size) }),
		col[R]{Name: "file", Help: "file name", Default: true, Type: table.String,
			Value: func(r *R) table.Value { return table.Str(r.Path) }},
		col[R]{Name: "map", Help: "residency map: O all pages of a region resident, o some, . none", Type: table.String,
			Value: func(r *R) table.Value { return table.Str(ResidencyMap(r.Map, mapWidth)) }},
	}
}

// ResidencyMap draws pages as at most width characters, each a region of
// consecutive pages: O when all are resident, o when some are, . when none.
func ResidencyMap(pages mmaputil.PageMap, width int) string {
	n := len(pages)
	if n == 0 || width <= 0 {
		return ""
	}
	if width > n {
		width = n
	}
	var b strings.Builder
	b.Grow(width)
	for i := 0; i < width; i++ {
		lo, hi := i*n/width, (i+1)*n/width
		switch c := pages[lo:hi].Count(); {
		case c == uint64(hi-lo):
			b.WriteByte('O')
		case c > 0:
			b.WriteByte('o')
		default:
			b.WriteByte('.')
		}
	}
	return b.String()
}

// CacheChange is one file of `mmap touch` or `mmap evict`: its residency
// before and after.
type CacheChange struct {
	Before, After mmaputil.Residency
}

// CacheChanges is the column list of `mmap touch` (delta "loaded") and
// `mmap evict` (delta "evicted").
func CacheChanges(delta string) table.Columns[CacheChange] {
	type C = CacheChange
	diff := func(c *C) uint64 {
		b, a := c.Before.ResidentBytes(), c.After.ResidentBytes()
		if delta == "evicted" {
			b, a = a, b
		}
		if a < b {
			return 0
		}
		return a - b
	}
	return table.Columns[C]{
		sizeCol("before", "resident bytes before", true, func(c *C) uint64 { return c.Before.ResidentBytes() }),
		sizeCol(delta, "bytes "+delta+" (after minus before)", true, diff),
		sizeCol("after", "resident bytes after", true, func(c *C) uint64 { return c.After.ResidentBytes() }),
		uintCol("pages", "resident pages after (as fincore's PAGES)", true, func(c *C) uint64 { return c.After.Resident }),
		uintCol("total", "pages the file spans", true, func(c *C) uint64 { return c.After.Pages }),
		uintCol("resident", "resident pages after, as pages (the name older scripts use)", false, func(c *C) uint64 { return c.After.Resident }),
		col[C]{Name: "percent", Head: "RES%", Help: "resident pages after, in percent (null for an empty file)", Right: true, Default: true, Type: table.Percent,
			Value: func(c *C) table.Value { return table.PercentV(c.After.Resident, c.After.Pages) }},
		sizeCol("size", "file size", false, func(c *C) uint64 { return uint64(c.After.Size) }),
		col[C]{Name: "file", Help: "file name", Default: true, Type: table.String,
			Value: func(c *C) table.Value { return table.Str(c.After.Path) }},
	}
}

// AnonMapping is what `mmap anon` got from the kernel: the mapping and its
// /proc/self/smaps region.
type AnonMapping struct {
	Addr    uint64
	Size    uint64
	HugeTLB bool
	Smaps   procfs.SmapsRegion
}

// Anon is the column list of `mmap anon`.
func Anon() table.Columns[AnonMapping] {
	type A = AnonMapping
	field := func(name string) func(*A) uint64 { return func(a *A) uint64 { return a.Smaps.Fields[name] } }
	return table.Columns[A]{
		col[A]{Name: "address", Help: "start address", Type: table.String,
			Value: func(a *A) table.Value { return table.Str(fmt.Sprintf("%#x", a.Addr)) }},
		sizeCol("size", "mapped bytes", true, func(a *A) uint64 { return a.Size }),
		col[A]{Name: "hugetlb", Help: "MAP_HUGETLB mapping", Default: true, Type: table.Bool,
			Value: func(a *A) table.Value { return table.BoolV(a.HugeTLB) }},
		sizeCol("kernel_page_size", "page size the kernel backs the mapping with (smaps KernelPageSize)", true, field("KernelPageSize")),
		sizeCol("rss", "resident bytes (smaps Rss; hugetlb pages count under hugetlb_bytes)", true, field("Rss")),
		sizeCol("anon_huge", "bytes in transparent huge pages (smaps AnonHugePages)", true, field("AnonHugePages")),
		sizeCol("hugetlb_bytes", "bytes in hugetlb pages (smaps Private_Hugetlb + Shared_Hugetlb)", true,
			func(a *A) uint64 { return a.Smaps.Fields["Private_Hugetlb"] + a.Smaps.Fields["Shared_Hugetlb"] }),
		sizeCol("locked", "locked bytes (smaps Locked)", true, field("Locked")),
	}
}

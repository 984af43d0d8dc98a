package columns

import (
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// HugePool is one row of `ipcctl hugepage`: a page size's pool and
// whether it is the default size (Hugepagesize).
type HugePool struct {
	procfs.HugePagePool
	Default bool
}

func optUintCol[T any](name, help string, typ table.Type, def bool, get func(*T) *uint64) col[T] {
	return col[T]{Name: name, Help: help, Right: true, Default: def, Type: typ,
		Value: func(r *T) table.Value { return table.OptUint(typ, get(r)) }}
}

func pageSizeCol[T any](get func(*T) uint64) col[T] {
	return col[T]{Name: "pagesize", Help: "huge page size in bytes (2M, 1G in the table)", Right: true, Default: true, Type: table.Size,
		Value: func(r *T) table.Value { return table.SizeV(get(r)) }}
}

// HugePools are the columns of the huge page pool table.
func HugePools() table.Columns[HugePool] {
	pages := func(name, help string, def bool, get func(*HugePool) uint64) col[HugePool] {
		return uintCol(name, help+" (pages)", def, get)
	}
	return table.Columns[HugePool]{
		pageSizeCol(func(p *HugePool) uint64 { return p.PageSize }),
		{Name: "default", Help: "the default huge page size (Hugepagesize)", Default: true, Type: table.Bool,
			Value: func(p *HugePool) table.Value { return table.BoolV(p.Default) }},
		pages("total", "pages in the pool, surplus included", true, func(p *HugePool) uint64 { return p.Total }),
		pages("free", "pages not in use", true, func(p *HugePool) uint64 { return p.Free }),
		optUintCol("reserved", "pages promised to mappings but not yet faulted in", table.Uint, true, func(p *HugePool) *uint64 { return p.Reserved }),
		pages("surplus", "pages above the minimum, from overcommit", true, func(p *HugePool) uint64 { return p.Surplus }),
		pages("available", "free − reserved: what a new mapping can get now", true, func(p *HugePool) uint64 { return p.Available() }),
		pages("minimum", "total − surplus: the persistent pool", true, func(p *HugePool) uint64 { return p.Minimum() }),
		optUintCol("maximum", "minimum + overcommit: the most the pool may grow to", table.Uint, true, func(p *HugePool) *uint64 { return p.Maximum() }),
		optUintCol("overcommit", "nr_overcommit_hugepages", table.Uint, false, func(p *HugePool) *uint64 { return p.Overcommit }),
		sizeCol("bytes", "total pages in bytes", false, func(p *HugePool) uint64 { return p.Total * p.PageSize }),
	}
}

// HugeNodes are the columns of the per-NUMA-node pool table.
func HugeNodes() table.Columns[procfs.HugePagePool] {
	type P = procfs.HugePagePool
	return table.Columns[P]{
		intCol("node", "NUMA node", true, func(p *P) int { return p.Node }),
		pageSizeCol(func(p *P) uint64 { return p.PageSize }),
		uintCol("total", "pages on the node, surplus included", true, func(p *P) uint64 { return p.Total }),
		uintCol("free", "free pages on the node", true, func(p *P) uint64 { return p.Free }),
		uintCol("surplus", "surplus pages on the node", true, func(p *P) uint64 { return p.Surplus }),
		uintCol("minimum", "total − surplus", true, func(p *P) uint64 { return p.Minimum() }),
	}
}

// HugetlbfsMounts are the columns of the hugetlbfs mount table.
func HugetlbfsMounts() table.Columns[procfs.HugetlbfsMount] {
	type M = procfs.HugetlbfsMount
	u32 := func(p *uint32) *uint64 {
		if p == nil {
			return nil
		}
		v := uint64(*p)
		return &v
	}
	return table.Columns[M]{
		{Name: "dir", Help: "mount point", Default: true, Type: table.String, Value: func(m *M) table.Value { return table.Str(m.Dir) }},
		optUintCol("pagesize", "page size of the mount", table.Size, true, func(m *M) *uint64 { return m.PageSize }),
		optUintCol("size", "size= limit (null: unlimited)", table.Size, true, func(m *M) *uint64 { return m.Size }),
		optUintCol("min_size", "min_size= pages reserved for the mount", table.Size, true, func(m *M) *uint64 { return m.MinSize }),
		optUintCol("nr_inodes", "nr_inodes= limit (null: unlimited)", table.Uint, true, func(m *M) *uint64 { return m.NrInodes }),
		{Name: "mode", Help: "mode= of the root directory", Type: table.Mode, Value: func(m *M) table.Value {
			if m.Mode == nil {
				return table.Null(table.Mode)
			}
			return table.ModeV(*m.Mode)
		}},
		optUintCol("uid", "uid= of the root directory", table.Uint, false, func(m *M) *uint64 { return u32(m.UID) }),
		optUintCol("gid", "gid= of the root directory", table.Uint, false, func(m *M) *uint64 { return u32(m.GID) }),
		{Name: "source", Help: "mount source", Type: table.String, Value: func(m *M) table.Value { return table.Str(m.Source) }},
		{Name: "options", Help: "all mount options", Wrap: true, Type: table.String, Value: func(m *M) table.Value { return table.Str(m.Options) }},
	}
}

// HugeMemory are the columns of the system-wide huge page memory row
// (/proc/meminfo; absent fields are null).
func HugeMemory() table.Columns[procfs.Meminfo] {
	type M = procfs.Meminfo
	return table.Columns[M]{
		optUintCol("hugetlb", "memory in all hugetlb pools, every size (Hugetlb)", table.Size, true, func(m *M) *uint64 { return m.Hugetlb }),
		optUintCol("hugepagesize", "default huge page size", table.Size, true, func(m *M) *uint64 { return m.Hugepagesize }),
		optUintCol("memtotal", "all usable memory", table.Size, true, func(m *M) *uint64 { return m.MemTotal }),
		optUintCol("memfree", "free memory", table.Size, true, func(m *M) *uint64 { return m.MemFree }),
	}
}

// Finding is one result of `ipcctl hugepage explain`.
type Finding struct {
	Check   string // memory, pool 2M, mounts, min_free_kbytes, shmmax, hugetlb_shm_group
	Status  string // ok, info, warn
	Message string
	Fix     string // a command that fixes it; "" when nothing to do
}

// Findings are the columns of `ipcctl hugepage explain`.
func Findings() table.Columns[Finding] {
	str := func(name, help string, get func(*Finding) string) col[Finding] {
		return col[Finding]{Name: name, Help: help, Default: true, Type: table.String, Value: func(f *Finding) table.Value {
			if s := get(f); s != "" {
				return table.Str(s)
			}
			return table.Null(table.String)
		}}
	}
	return table.Columns[Finding]{
		str("check", "what was checked", func(f *Finding) string { return f.Check }),
		str("status", "ok, info or warn", func(f *Finding) string { return f.Status }),
		wrap(str("finding", "what was found, in plain words", func(f *Finding) string { return f.Message })),
		str("fix", "a command that fixes it", func(f *Finding) string { return f.Fix }),
	}
}

// wrap marks a column as free text that may wrap on a narrow terminal.
func wrap[T any](c col[T]) col[T] {
	c.Wrap = true
	return c
}

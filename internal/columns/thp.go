package columns

import (
	"strings"

	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// THPSetting is one row of `ipcctl thp`: Key is what `thp set` takes
// (enabled, khugepaged.pages_to_scan).
type THPSetting struct {
	Key string
	procfs.THPSetting
}

// THPSettings are the columns of the THP settings table. A number file's
// value is a JSON number, anything else a string.
func THPSettings() table.Columns[THPSetting] {
	type S = THPSetting
	return table.Columns[S]{
		{Name: "key", Help: "setting, as `ipcctl thp set KEY=VALUE` names it", Default: true, Type: table.String,
			Value: func(s *S) table.Value { return table.Str(s.Key) }},
		{Name: "value", Help: "current value (a number for number files)", Default: true, Type: table.String,
			Value: func(s *S) table.Value {
				if s.Number != nil {
					return table.UintV(*s.Number)
				}
				return table.Str(s.Value)
			}},
		{Name: "choices", Help: "the values the kernel offers (null: not a choice)", Default: true, Type: table.String,
			Value: func(s *S) table.Value {
				if s.Choices == nil {
					return table.Null(table.String)
				}
				return table.Str(strings.Join(s.Choices, " "))
			}},
	}
}

// MTHPSizes are the columns of the multi-size THP table.
func MTHPSizes() table.Columns[procfs.MTHPSize] {
	type M = procfs.MTHPSize
	get := func(name string) func(*M) table.Value {
		return func(m *M) table.Value {
			if s, ok := procfs.Setting(m.Settings, name); ok {
				return table.Str(s.Value)
			}
			return table.Null(table.String)
		}
	}
	return table.Columns[M]{
		{Name: "size", Help: "THP size", Right: true, Default: true, Type: table.Size, Value: func(m *M) table.Value { return table.SizeV(m.Size) }},
		{Name: "enabled", Help: "anonymous THP of this size", Default: true, Type: table.String, Value: get("enabled")},
		{Name: "shmem_enabled", Help: "shmem THP of this size (null: not offered)", Default: true, Type: table.String, Value: get("shmem_enabled")},
	}
}

// THPUsage are the columns of the system-wide THP usage row.
type THPUsage struct {
	procfs.Meminfo
	NrAnonTHP *uint64 // nr_anon_transparent_hugepages from /proc/vmstat
}

// THPUsageColumns are the columns of the THP usage table.
func THPUsageColumns() table.Columns[THPUsage] {
	type U = THPUsage
	return table.Columns[U]{
		optUintCol("anon_huge_pages", "anonymous memory in THP (AnonHugePages)", table.Size, true, func(u *U) *uint64 { return u.AnonHugePages }),
		optUintCol("shmem_huge_pages", "shmem and tmpfs in THP (ShmemHugePages)", table.Size, true, func(u *U) *uint64 { return u.ShmemHugePages }),
		optUintCol("file_huge_pages", "page cache in THP (FileHugePages)", table.Size, true, func(u *U) *uint64 { return u.FileHugePages }),
		optUintCol("nr_anon_transparent_hugepages", "anonymous THPs (vmstat)", table.Uint, true, func(u *U) *uint64 { return u.NrAnonTHP }),
	}
}

// THPCounter is one counter of `ipcctl thp stats`; Size is 0 for the
// system-wide /proc/vmstat counters. Rate is per second, nil until two
// samples exist.
type THPCounter struct {
	Size  uint64
	Name  string
	Value uint64
	Rate  *uint64
}

// THPCounters are the columns of `ipcctl thp stats`.
func THPCounters() table.Columns[THPCounter] {
	type C = THPCounter
	return table.Columns[C]{
		{Name: "size", Help: "mTHP size (null: system-wide /proc/vmstat)", Right: true, Default: true, Type: table.Size,
			Value: func(c *C) table.Value {
				if c.Size == 0 {
					return table.Null(table.Size)
				}
				return table.SizeV(c.Size)
			}},
		{Name: "counter", Help: "counter name", Default: true, Type: table.String, Value: func(c *C) table.Value { return table.Str(c.Name) }},
		uintCol("value", "counter value", true, func(c *C) uint64 { return c.Value }),
		optUintCol("rate", "increase per second over the last interval", table.Uint, true, func(c *C) *uint64 { return c.Rate }),
	}
}

// THPProcesses are the columns of `ipcctl thp top`.
func THPProcesses() table.Columns[procfs.ProcHuge] {
	type P = procfs.ProcHuge
	return table.Columns[P]{
		intCol("pid", "process id", true, func(p *P) int { return p.PID }),
		{Name: "command", Help: "command name", Default: true, Type: table.String, Value: func(p *P) table.Value { return table.Str(p.Command) }},
		optUintCol("rss", "resident memory", table.Size, true, func(p *P) *uint64 { return p.RSS }),
		optUintCol("anon_huge_pages", "anonymous memory in THP (AnonHugePages)", table.Size, true, func(p *P) *uint64 { return p.AnonHugePages }),
		{Name: "thp_enabled", Help: "THP allowed (false after PR_SET_THP_DISABLE)", Default: true, Type: table.Bool,
			Value: func(p *P) table.Value {
				if p.THPEnabled == nil {
					return table.Null(table.Bool)
				}
				return table.BoolV(*p.THPEnabled)
			}},
		optUintCol("shmem_pmd_mapped", "shmem mapped with PMDs", table.Size, false, func(p *P) *uint64 { return p.ShmemPmdMapped }),
		optUintCol("file_pmd_mapped", "page cache mapped with PMDs", table.Size, false, func(p *P) *uint64 { return p.FilePmdMapped }),
		optUintCol("hugetlb", "hugetlb pages mapped (HugetlbPages)", table.Size, false, func(p *P) *uint64 { return p.HugetlbPages }),
	}
}

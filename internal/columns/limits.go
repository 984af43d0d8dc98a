package columns

import (
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// Limits is the column list of `ipcctl limits`, after `lsipc -g`. USED and
// LIMIT are typed per row: bytes for byte limits (humanized for people
// unless --bytes), plain numbers for counts and pages.
func Limits() table.Columns[ipc.Limit] {
	value := func(l *ipc.Limit, p *uint64) table.Value {
		t := table.Uint
		if l.Unit == ipc.UnitBytes {
			t = table.Size
		}
		return table.OptUint(t, p)
	}
	return table.Columns[ipc.Limit]{
		{Name: "kind", Help: "facility: shm, sem, msg, mq (POSIX message queues) or pshm (/dev/shm)", Type: table.String,
			Value: func(l *ipc.Limit) table.Value { return table.Str(string(l.Kind)) }},
		{Name: "resource", Help: "limit name, as the sysctl or lsipc calls it", Default: true, Type: table.String,
			Value: func(l *ipc.Limit) table.Value { return table.Str(l.Name) }},
		{Name: "description", Help: "what the limit bounds", Default: true, Wrap: true, Type: table.String,
			Value: func(l *ipc.Limit) table.Value { return table.Str(l.Description) }},
		{Name: "used", Help: "current usage; null where nothing counts against the limit", Right: true, Default: true, Type: table.Uint,
			Value: func(l *ipc.Limit) table.Value { return value(l, l.Used) }},
		{Name: "limit", Help: "the limit; null for usage figures without one", Right: true, Default: true, Type: table.Uint,
			Value: func(l *ipc.Limit) table.Value { return value(l, l.Max) }},
		{Name: "free", Help: "limit minus used; null where either is null", Right: true, Type: table.Uint,
			Value: func(l *ipc.Limit) table.Value {
				if l.Used == nil || l.Max == nil {
					return value(l, nil)
				}
				return value(l, &[]uint64{*l.Max - min(*l.Used, *l.Max)}[0])
			}},
		{Name: "use_percent", Head: "USE%", Help: "used as a percentage of the limit", Right: true, Default: true, Type: table.Percent,
			Value: func(l *ipc.Limit) table.Value {
				if l.Used == nil || l.Max == nil {
					return table.Null(table.Percent)
				}
				return table.PercentV(*l.Used, *l.Max)
			}},
		{Name: "unit", Help: "what used and limit count: count, bytes or pages", Type: table.String,
			Value: func(l *ipc.Limit) table.Value { return table.Str(string(l.Unit)) }},
	}
}

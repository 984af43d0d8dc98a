package prune

import (
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// Columns are the columns of prune's list: one row per object, of any
// kind. (They belong with the kinds registry once it exists.)
func Columns(names *columns.Names) table.Columns[ipc.PruneCandidate] {
	type c = ipc.PruneCandidate
	return table.Columns[c]{
		{Name: "kind", Help: "kind of object: shm, pshm, psem or mq", Default: true, Type: table.String,
			Value: func(p *c) table.Value { return table.Str(string(p.Kind)) }},
		{Name: "id", Help: "System V id (null for POSIX objects)", Right: true, Default: true, Type: table.Int,
			Value: func(p *c) table.Value {
				if !p.Kind.SysV() {
					return table.Null(table.Int)
				}
				return table.IntV(int64(p.ID))
			}},
		{Name: "name", Help: "POSIX name (null for System V objects)", Default: true, Type: table.String,
			Value: func(p *c) table.Value {
				if !p.Kind.Posix() {
					return table.Null(table.String)
				}
				return table.Str(p.Name)
			}},
		{Name: "key", Help: "System V key (null for POSIX objects)", Type: table.Key,
			Value: func(p *c) table.Value {
				if !p.Kind.SysV() {
					return table.Null(table.Key)
				}
				return table.KeyV(p.Key)
			}},
		{Name: "owner", Help: "owner's user name", Default: true, Type: table.String,
			Value: func(p *c) table.Value { return table.Str(names.User(p.UID)) }},
		{Name: "uid", Help: "owner's uid", Right: true, Type: table.Uint,
			Value: func(p *c) table.Value { return table.UintV(uint64(p.UID)) }},
		{Name: "size", Help: "size in bytes", Right: true, Default: true, Type: table.Size,
			Value: func(p *c) table.Value { return table.SizeV(p.Size) }},
		{Name: "used", Help: "last used, what --older-than compares (see prune --help: times a listing moves are left out)", Default: true, Type: table.Time,
			Value: func(p *c) table.Value { return table.TimeV(p.Used) }},
		{Name: "reason", Help: "why it is an orphan", Default: true, Type: table.String,
			Value: func(p *c) table.Value { return table.Str(p.Reason) }},
	}
}

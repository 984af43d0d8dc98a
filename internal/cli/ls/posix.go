package ls

import (
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// Titles of the POSIX tables.
const (
	TitlePshm = "POSIX Shared Memory"
	TitlePsem = "POSIX Named Semaphores"
	TitleMq   = "POSIX Message Queues"
)

// matchPosix applies the filters to a POSIX object: --owner by uid;
// --key and --creator-pid name System V properties, so they match nothing.
func (f *Filter) matchPosix(p ipc.PosixFile) bool {
	return (f.UID == nil || p.UID == *f.UID) && f.Key == nil && f.CreatorPID == nil
}

// posixLister builds the lister of one POSIX kind from its columns, its
// list call and the PosixFile of a row.
func posixLister[T any](kind ipc.Kind, title string, cols func(*columns.Names) table.Columns[T],
	list func(*ipc.Client) ([]T, error), file func(T) ipc.PosixFile) func(*Options, *Filter, *columns.Names) kindLister {
	return func(opts *Options, flt *Filter, names *columns.Names) kindLister {
		cs := cols(names)
		return kindLister{
			Catalog: func() *table.Table { return cs.Catalog(string(kind)) },
			Build: func(spec string) (*table.Table, error) {
				sel, err := cmdutil.SelectColumns(cs, spec)
				if err != nil {
					return nil, err
				}
				all, err := list(opts.Factory.IPC())
				if err != nil {
					return nil, err
				}
				rows := all[:0]
				for _, r := range all {
					if flt.matchPosix(file(r)) {
						rows = append(rows, r)
					}
				}
				return sel.Build(string(kind), title, rows), nil
			},
		}
	}
}

func init() {
	listers[ipc.KindPshm] = posixLister(ipc.KindPshm, TitlePshm, columns.Pshm, (*ipc.Client).PshmList,
		func(p ipc.Pshm) ipc.PosixFile { return p.PosixFile })
	listers[ipc.KindPsem] = posixLister(ipc.KindPsem, TitlePsem, columns.Psem, (*ipc.Client).PsemList,
		func(p ipc.Psem) ipc.PosixFile { return p.PosixFile })
	listers[ipc.KindMq] = posixLister(ipc.KindMq, TitleMq, columns.Mq, (*ipc.Client).MqList,
		func(q ipc.Mq) ipc.PosixFile { return q.PosixFile })
}

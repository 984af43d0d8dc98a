package ls

import (
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// Titles of the System V tables, as ipcs prints them.
const (
	TitleShm = "Shared Memory Segments"
	TitleSem = "Semaphore Arrays"
	TitleMsg = "Message Queues"
)

func init() {
	listers[ipc.KindShm] = func(opts *Options, flt *Filter, names *columns.Names) kindLister {
		cols := columns.Shm(names)
		return kindLister{
			Catalog: func() *table.Table { return cols.Catalog(string(ipc.KindShm)) },
			Build: func(spec string) (*table.Table, error) {
				sel, err := cmdutil.SelectColumns(cols, spec)
				if err != nil {
					return nil, err
				}
				_, rss := sel.Lookup("rss")
				_, swap := sel.Lookup("swap")
				all, err := opts.Factory.IPC().ShmListNeeds(ipc.ListNeeds{RSS: rss || swap})
				if err != nil {
					return nil, err
				}
				rows := all[:0]
				for _, s := range all {
					if flt.MatchPerm(s.Perm) && flt.MatchCreator(s.CPID) {
						rows = append(rows, s)
					}
				}
				return sel.Build(string(ipc.KindShm), TitleShm, rows), nil
			},
		}
	}
	listers[ipc.KindSem] = func(opts *Options, flt *Filter, names *columns.Names) kindLister {
		cols := columns.Sem(names)
		return kindLister{
			Catalog: func() *table.Table { return cols.Catalog(string(ipc.KindSem)) },
			Build: func(spec string) (*table.Table, error) {
				sel, err := cmdutil.SelectColumns(cols, spec)
				if err != nil {
					return nil, err
				}
				all, err := opts.Factory.IPC().SemListNeeds(ipc.ListNeeds{})
				if err != nil {
					return nil, err
				}
				rows := all[:0]
				for _, s := range all {
					if flt.MatchPerm(s.Perm) && flt.CreatorPID == nil {
						rows = append(rows, s)
					}
				}
				return sel.Build(string(ipc.KindSem), TitleSem, rows), nil
			},
		}
	}
	listers[ipc.KindMsg] = func(opts *Options, flt *Filter, names *columns.Names) kindLister {
		cols := columns.Msg(names)
		return kindLister{
			Catalog: func() *table.Table { return cols.Catalog(string(ipc.KindMsg)) },
			Build: func(spec string) (*table.Table, error) {
				sel, err := cmdutil.SelectColumns(cols, spec)
				if err != nil {
					return nil, err
				}
				_, qbytes := sel.Lookup("qbytes")
				all, err := opts.Factory.IPC().MsgListNeeds(ipc.ListNeeds{QBytes: qbytes})
				if err != nil {
					return nil, err
				}
				rows := all[:0]
				for _, m := range all {
					if flt.MatchPerm(m.Perm) && flt.CreatorPID == nil {
						rows = append(rows, m)
					}
				}
				return sel.Build(string(ipc.KindMsg), TitleMsg, rows), nil
			},
		}
	}
}

package rm

import (
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/cli/ls"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

func init() {
	removers[ipc.KindPshm] = posixRemover(ipc.KindPshm, ls.TitlePshm, columns.Pshm, (*ipc.Client).PshmList,
		func(p ipc.Pshm) ipc.PosixFile { return p.PosixFile }, (*ipc.Client).PshmRemove)
	removers[ipc.KindPsem] = posixRemover(ipc.KindPsem, ls.TitlePsem, columns.Psem, (*ipc.Client).PsemList,
		func(p ipc.Psem) ipc.PosixFile { return p.PosixFile }, (*ipc.Client).PsemRemove)
	removers[ipc.KindMq] = posixRemover(ipc.KindMq, ls.TitleMq, columns.Mq, (*ipc.Client).MqList,
		func(q ipc.Mq) ipc.PosixFile { return q.PosixFile }, (*ipc.Client).MqRemove)
}

// posixRemover is the remover of a POSIX kind: targets are names, checked
// before anything goes; --all takes what the kind's listing returns, which
// holds only objects of that kind (regular files; no sem.* among shared
// memory, no other file among semaphores; never a directory or symlink).
func posixRemover[T any](k ipc.Kind, title string, cols func(*columns.Names) table.Columns[T],
	list func(*ipc.Client) ([]T, error), file func(T) ipc.PosixFile,
	remove func(*ipc.Client, string) error) remover {
	return remover{
		ParseTarget: func(arg string) (target, error) {
			name, err := cmdutil.ParsePosixName(k, arg)
			if err != nil {
				return target{}, err
			}
			return target{label: name}, nil
		},
		List: func(opts *Options, flt *filter) ([]target, error) {
			all, err := list(opts.Factory.IPC())
			if err != nil {
				return nil, err
			}
			var ts []target
			for _, r := range all {
				f := file(r)
				if flt.matchOwnerAge(f.UID, f.CTime) {
					ts = append(ts, target{label: f.Name, row: r})
				}
			}
			return ts, nil
		},
		Table: func(ts []target, spec string, names *columns.Names) (*table.Table, error) {
			return buildTable(cols(names), spec, k, title, ts)
		},
		Catalog: func(names *columns.Names) *table.Table { return cols(names).Catalog(string(k)) },
		Remove: func(opts *Options, t target) error {
			return remove(opts.Factory.IPC(), t.label)
		},
	}
}

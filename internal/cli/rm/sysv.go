package rm

import (
	"strconv"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/cli/ls"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

func init() {
	removers[ipc.KindShm] = sysvRemover(ipc.KindShm,
		func(opts *Options, flt *filter) ([]target, error) {
			var ts []target
			// --dry-run shows every column, RSS and swap too.
			err := opts.Factory.IPC().ShmEach(ipc.ListNeeds{RSS: opts.DryRun}, func(s *ipc.Shm) error {
				// A segment marked for removal is already going (and has lost its key).
				if s.Dest() || !flt.matchOwnerAge(s.UID, s.CTime) {
					return nil
				}
				if flt.orphaned && (s.Nattch != 0 || !flt.procGone(s.CPID)) {
					return nil
				}
				ts = append(ts, sysvTarget(opts, s.Perm, *s))
				return nil
			})
			return ts, err
		},
		func(ts []target, spec string, names *columns.Names) (*table.Table, error) {
			return buildTable(columns.Shm(names), spec, ipc.KindShm, ls.TitleShm, ts)
		},
		func(names *columns.Names) *table.Table { return columns.Shm(names).Catalog(string(ipc.KindShm)) })
	removers[ipc.KindSem] = sysvRemover(ipc.KindSem,
		func(opts *Options, flt *filter) ([]target, error) {
			var ts []target
			err := opts.Factory.IPC().SemEach(ipc.ListNeeds{}, func(s *ipc.Sem) error {
				if flt.matchOwnerAge(s.UID, s.CTime) {
					ts = append(ts, sysvTarget(opts, s.Perm, *s))
				}
				return nil
			})
			return ts, err
		},
		func(ts []target, spec string, names *columns.Names) (*table.Table, error) {
			return buildTable(columns.Sem(names), spec, ipc.KindSem, ls.TitleSem, ts)
		},
		func(names *columns.Names) *table.Table { return columns.Sem(names).Catalog(string(ipc.KindSem)) })
	removers[ipc.KindMsg] = sysvRemover(ipc.KindMsg,
		func(opts *Options, flt *filter) ([]target, error) {
			var ts []target
			// --dry-run shows every column, qbytes too.
			err := opts.Factory.IPC().MsgEach(ipc.ListNeeds{QBytes: opts.DryRun}, func(m *ipc.Msg) error {
				if flt.matchOwnerAge(m.UID, m.CTime) {
					ts = append(ts, sysvTarget(opts, m.Perm, *m))
				}
				return nil
			})
			return ts, err
		},
		func(ts []target, spec string, names *columns.Names) (*table.Table, error) {
			return buildTable(columns.Msg(names), spec, ipc.KindMsg, ls.TitleMsg, ts)
		},
		func(names *columns.Names) *table.Table { return columns.Msg(names).Catalog(string(ipc.KindMsg)) })
}

// sysvRemover is the remover of a System V kind: ids are ParseID'd, keys
// resolved with the kind's get call, removal is IPC_RMID.
func sysvRemover(k ipc.Kind,
	list func(*Options, *filter) ([]target, error),
	tbl func([]target, string, *columns.Names) (*table.Table, error),
	catalog func(*columns.Names) *table.Table) remover {
	return remover{
		Keyed: true,
		ParseTarget: func(arg string) (target, error) {
			id, err := cmdutil.ParseID(arg)
			if err != nil {
				return target{}, err
			}
			// The canonical spelling, so "05" and "5" are one target.
			return target{label: strconv.Itoa(id), id: id}, nil
		},
		ResolveKey: func(opts *Options, key int32) (target, error) {
			id, err := opts.Factory.IPC().IDByKey(k, key)
			if err != nil {
				return target{}, err
			}
			return target{label: strconv.Itoa(id), id: id, key: &key}, nil
		},
		List:    list,
		Table:   tbl,
		Catalog: catalog,
		Remove: func(opts *Options, t target) error {
			if t.key != nil {
				return opts.Factory.IPC().RemoveIfKey(k, t.id, *t.key)
			}
			return opts.Factory.IPC().Remove(k, t.id)
		},
	}
}

// sysvTarget keeps the listed row only for --dry-run: boxing thousands of
// rows that are never shown showed up in `rm --all` profiles.
func sysvTarget[T any](opts *Options, p ipc.Perm, row T) target {
	t := target{label: strconv.Itoa(p.ID), id: p.ID}
	if opts.DryRun {
		t.row = row
	}
	return t
}

// buildTable renders the rows held by ts with cols.
func buildTable[T any](cols table.Columns[T], spec string, k ipc.Kind, title string, ts []target) (*table.Table, error) {
	sel, err := cmdutil.SelectColumns(cols, spec)
	if err != nil {
		return nil, err
	}
	rows := make([]T, 0, len(ts))
	for _, t := range ts {
		if r, ok := t.row.(T); ok {
			rows = append(rows, r)
		}
	}
	return sel.Build(string(k), title, rows), nil
}

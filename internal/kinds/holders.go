package kinds

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// Who holds an object and who made it are not in the object: they come
// from a scan of /proc (ipc.Client.ScanHolders) for the objects of one
// kind, done only when a listing shows the command or holders column,
// and always by show. A listing of several kinds scans once per kind.

// procView is what a listing learned of the processes: filled by the
// scan before the table is built, read by the columns' Value functions.
type procView struct {
	h *ipc.Holders
}

// holding is how a kind finds its objects' holders and creator.
type holding[T any] struct {
	// of returns the holders of row r in h.
	of func(h *ipc.Holders, r *T) []ipc.Holder
	// query adds row r to what the scan looks for.
	query func(q *ipc.HolderQuery, r *T)
	// creator is the pid that made r, for the command column; nil when
	// the kind does not record one.
	creator func(r *T) int
}

var shmHolding = &holding[ipc.Shm]{
	of:      func(h *ipc.Holders, s *ipc.Shm) []ipc.Holder { return h.Shm(s.ID) },
	query:   func(q *ipc.HolderQuery, s *ipc.Shm) { q.Shm = append(q.Shm, s.ID) },
	creator: func(s *ipc.Shm) int { return s.CPID },
}

// posixHolding finds holders of a POSIX object by its file.
func posixHolding[T any](file func(*T) ipc.PosixFile) *holding[T] {
	return &holding[T]{
		of:    func(h *ipc.Holders, r *T) []ipc.Holder { return h.File(file(r)) },
		query: func(q *ipc.HolderQuery, r *T) { q.Files = append(q.Files, file(r)) },
	}
}

// columns are the command and holders columns of a kind that has them.
func (hd *holding[T]) columns(pv *procView) table.Columns[T] {
	var cols table.Columns[T]
	if hd.creator != nil {
		cols = append(cols, table.Column[T]{Name: "command", Help: "creator's command line; (exited) when it is gone, null when not visible from here (scans /proc)",
			Type: table.String, Value: func(r *T) table.Value {
				pid := hd.creator(r)
				if pv.h == nil || pid <= 0 {
					return table.Null(table.String)
				}
				if cmd, alive := pv.h.Command(pid); alive {
					return table.Str(cmd)
				}
				if pv.h.Gone(pid) {
					return table.Str("(exited)")
				}
				return table.Null(table.String)
			}})
	}
	cols = append(cols, table.Column[T]{Name: "holders", Help: "processes that map it or hold a descriptor: PID:COMMAND(how), space separated (scans /proc)",
		Wrap: true, Type: table.String, Value: func(r *T) table.Value {
			if pv.h == nil {
				return table.Null(table.String)
			}
			var b strings.Builder
			for i, h := range hd.of(pv.h, r) {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(strconv.Itoa(h.PID))
				b.WriteByte(':')
				b.WriteString(firstWord(h.Command))
				b.WriteString("(" + h.How() + ")")
			}
			return table.Str(b.String())
		}})
	return cols
}

// firstWord is a command line's program, for a compact holders list.
func firstWord(cmd string) string {
	if i := strings.IndexByte(cmd, ' '); i >= 0 {
		cmd = cmd[:i]
	}
	return cmd[strings.LastIndexByte(cmd, '/')+1:]
}

// needsScan reports whether cols show what only a scan of /proc tells.
func needsScan(cols []string) bool {
	return slices.Contains(cols, "command") || slices.Contains(cols, "holders")
}

// scan looks for the holders of rows, once.
func (hd *holding[T]) scan(c *ipc.Client, rows []T) (*ipc.Holders, error) {
	var q ipc.HolderQuery
	for i := range rows {
		hd.query(&q, &rows[i])
	}
	return c.ScanHolders(q)
}

// holderColumns are the columns of the holders table of show.
func holderColumns() table.Columns[ipc.Holder] {
	return table.Columns[ipc.Holder]{
		{Name: "pid", Help: "process id", Right: true, Type: table.Int, Value: func(h *ipc.Holder) table.Value { return table.IntV(int64(h.PID)) }},
		{Name: "how", Help: "mapped, fd, or both", Type: table.String, Value: func(h *ipc.Holder) table.Value { return table.Str(h.How()) }},
		{Name: "maps", Help: "mappings of the object in the process", Right: true, Type: table.Uint, Value: func(h *ipc.Holder) table.Value { return table.UintV(uint64(h.Maps)) }},
		{Name: "fds", Help: "descriptors open on the object", Right: true, Type: table.Uint, Value: func(h *ipc.Holder) table.Value { return table.UintV(uint64(len(h.FDs))) }},
		{Name: "command", Help: "command line", Type: table.String, Value: func(h *ipc.Holder) table.Value { return table.Str(h.Command) }},
	}
}

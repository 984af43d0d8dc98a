package columns

import (
	"strings"

	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

type col[T any] = table.Column[T]

// permColumns are the ipc_perm columns every System V kind has; perm gets
// a row's Perm, and def names the ones shown by default.
func permColumns[T any](names *Names, perm func(*T) *ipc.Perm, def ...string) table.Columns[T] {
	isDef := func(name string) bool {
		for _, d := range def {
			if d == name {
				return true
			}
		}
		return false
	}
	cols := table.Columns[T]{
		col[T]{Name: "key", Help: "System V key (0x00000000 is IPC_PRIVATE)", Type: table.Key}.
			WithNumber(func(r *T) uint64 { return uint64(uint32(perm(r).Key)) }),
		col[T]{Name: "id", Help: "object id", Right: true, Type: table.Int}.
			WithNumber(func(r *T) uint64 { return uint64(perm(r).ID) }),
		{Name: "owner", Help: "owner's user name", Type: table.String,
			Value: func(r *T) table.Value { return table.Str(names.User(perm(r).UID)) }},
		col[T]{Name: "perms", Help: "permissions (rw-r-----, or octal with --numeric-perms)", Type: table.Perms}.
			WithNumber(func(r *T) uint64 { return uint64(perm(r).Mode) }),
		col[T]{Name: "mode", Help: "permissions as octal, e.g. 0640", Type: table.Mode}.
			WithNumber(func(r *T) uint64 { return uint64(perm(r).Mode & 0o777) }),
		col[T]{Name: "uid", Help: "owner's uid", Right: true, Type: table.Uint}.
			WithNumber(func(r *T) uint64 { return uint64(perm(r).UID) }),
		col[T]{Name: "gid", Help: "owner's gid", Right: true, Type: table.Uint}.
			WithNumber(func(r *T) uint64 { return uint64(perm(r).GID) }),
		{Name: "group", Help: "owner's group name", Type: table.String,
			Value: func(r *T) table.Value { return table.Str(names.Group(perm(r).GID)) }},
		col[T]{Name: "cuid", Help: "creator's uid", Right: true, Type: table.Uint}.
			WithNumber(func(r *T) uint64 { return uint64(perm(r).CUID) }),
		{Name: "cuser", Help: "creator's user name", Type: table.String,
			Value: func(r *T) table.Value { return table.Str(names.User(perm(r).CUID)) }},
		col[T]{Name: "cgid", Help: "creator's gid", Right: true, Type: table.Uint}.
			WithNumber(func(r *T) uint64 { return uint64(perm(r).CGID) }),
		{Name: "cgroup", Help: "creator's group name", Type: table.String,
			Value: func(r *T) table.Value { return table.Str(names.Group(perm(r).CGID)) }},
	}
	for i := range cols {
		cols[i].Default = isDef(cols[i].Name)
	}
	return cols
}

func intCol[T any](name, help string, def bool, get func(*T) int) col[T] {
	return col[T]{Name: name, Help: help, Right: true, Default: def, Type: table.Int}.
		WithNumber(func(r *T) uint64 { return uint64(get(r)) })
}

func uintCol[T any](name, help string, def bool, get func(*T) uint64) col[T] {
	return col[T]{Name: name, Help: help, Right: true, Default: def, Type: table.Uint}.WithNumber(get)
}

func sizeCol[T any](name, help string, def bool, get func(*T) uint64) col[T] {
	return col[T]{Name: name, Help: help, Right: true, Default: def, Type: table.Size}.WithNumber(get)
}

func timeCol[T any](name, help string, def bool, get func(*T) table.Value) col[T] {
	return col[T]{Name: name, Help: help, Default: def, Type: table.Time, Value: get}
}

// reorder puts the columns named in order first (in that order), then the rest.
func reorder[T any](cols table.Columns[T], order ...string) table.Columns[T] {
	out := make(table.Columns[T], 0, len(cols))
	used := map[string]bool{}
	for _, name := range order {
		if c, ok := cols.Lookup(name); ok {
			out = append(out, c)
			used[name] = true
		}
	}
	for _, c := range cols {
		if !used[c.Name] {
			out = append(out, c)
		}
	}
	return out
}

// Shm is the column list of System V shared memory segments.
func Shm(names *Names) table.Columns[ipc.Shm] {
	perm := func(s *ipc.Shm) *ipc.Perm { return &s.Perm }
	cols := permColumns(names, perm, "key", "id", "owner", "perms")
	cols = append(cols,
		sizeCol("size", "segment size", true, func(s *ipc.Shm) uint64 { return s.Size }),
		uintCol("nattch", "number of attached processes", true, func(s *ipc.Shm) uint64 { return s.Nattch }),
		col[ipc.Shm]{Name: "status", Help: "dest (removed at last detach), locked", Default: true, Type: table.String,
			Value: func(s *ipc.Shm) table.Value { return shmStatus(s) }},
		col[ipc.Shm]{Name: "dest", Help: "marked for removal at last detach", Type: table.Bool,
			Value: func(s *ipc.Shm) table.Value { return table.BoolV(s.Dest()) }},
		col[ipc.Shm]{Name: "locked", Help: "locked in memory (SHM_LOCK)", Type: table.Bool,
			Value: func(s *ipc.Shm) table.Value { return table.BoolV(s.Locked()) }},
		intCol("cpid", "creator's pid", true, func(s *ipc.Shm) int { return s.CPID }),
		intCol("lpid", "pid of the last shmat/shmdt", true, func(s *ipc.Shm) int { return s.LPID }),
		timeCol("atime", "last attach", false, func(s *ipc.Shm) table.Value { return table.TimeV(s.ATime) }),
		timeCol("dtime", "last detach", false, func(s *ipc.Shm) table.Value { return table.TimeV(s.DTime) }),
		timeCol("ctime", "last change", true, func(s *ipc.Shm) table.Value { return table.TimeV(s.CTime) }),
		col[ipc.Shm]{Name: "rss", Help: "resident bytes", Right: true, Type: table.Size,
			Value: func(s *ipc.Shm) table.Value { return table.OptUint(table.Size, s.RSS) }},
		col[ipc.Shm]{Name: "swap", Help: "swapped-out bytes", Right: true, Type: table.Size,
			Value: func(s *ipc.Shm) table.Value { return table.OptUint(table.Size, s.Swap) }},
	)
	return reorder(cols, "key", "id", "owner", "perms", "mode", "size", "nattch", "status")
}

func shmStatus(s *ipc.Shm) table.Value {
	var parts []string
	if s.Dest() {
		parts = append(parts, "dest")
	}
	if s.Locked() {
		parts = append(parts, "locked")
	}
	if len(parts) == 0 {
		return table.Null(table.String)
	}
	return table.Str(strings.Join(parts, ","))
}

// Sem is the column list of System V semaphore sets.
func Sem(names *Names) table.Columns[ipc.Sem] {
	perm := func(s *ipc.Sem) *ipc.Perm { return &s.Perm }
	cols := permColumns(names, perm, "key", "id", "owner", "perms")
	cols = append(cols,
		uintCol("nsems", "number of semaphores", true, func(s *ipc.Sem) uint64 { return s.NSems }),
		timeCol("otime", "last semop", true, func(s *ipc.Sem) table.Value { return table.TimeV(s.OTime) }),
		timeCol("ctime", "last change", true, func(s *ipc.Sem) table.Value { return table.TimeV(s.CTime) }),
	)
	return reorder(cols, "key", "id", "owner", "perms", "mode", "nsems")
}

// Semaphore is the column list of the semaphores of one set (show sem, sem-op --get).
func Semaphore() table.Columns[ipc.Semaphore] {
	return table.Columns[ipc.Semaphore]{
		intCol("semnum", "semaphore number", true, func(s *ipc.Semaphore) int { return s.Num }),
		intCol("value", "current value", true, func(s *ipc.Semaphore) int { return s.Value }),
		intCol("ncnt", "processes waiting for an increase", true, func(s *ipc.Semaphore) int { return s.NCnt }),
		intCol("zcnt", "processes waiting for zero", true, func(s *ipc.Semaphore) int { return s.ZCnt }),
		intCol("pid", "last process to operate on it", true, func(s *ipc.Semaphore) int { return s.PID }),
	}
}

// Msg is the column list of System V message queues.
func Msg(names *Names) table.Columns[ipc.Msg] {
	perm := func(m *ipc.Msg) *ipc.Perm { return &m.Perm }
	cols := permColumns(names, perm, "key", "id", "owner", "perms")
	cols = append(cols,
		sizeCol("used_bytes", "bytes in the queue", true, func(m *ipc.Msg) uint64 { return m.CBytes }),
		uintCol("messages", "messages in the queue", true, func(m *ipc.Msg) uint64 { return m.QNum }),
		col[ipc.Msg]{Name: "qbytes", Help: "queue capacity in bytes (IPC_STAT per queue; null without read permission)", Right: true, Type: table.Size,
			Value: func(m *ipc.Msg) table.Value { return table.OptUint(table.Size, m.QBytes) }},
		intCol("lspid", "last sender's pid", true, func(m *ipc.Msg) int { return m.LSPID }),
		intCol("lrpid", "last receiver's pid", true, func(m *ipc.Msg) int { return m.LRPID }),
		timeCol("stime", "last send", false, func(m *ipc.Msg) table.Value { return table.TimeV(m.STime) }),
		timeCol("rtime", "last receive", false, func(m *ipc.Msg) table.Value { return table.TimeV(m.RTime) }),
		timeCol("ctime", "last change", true, func(m *ipc.Msg) table.Value { return table.TimeV(m.CTime) }),
	)
	return reorder(cols, "key", "id", "owner", "perms", "mode", "used_bytes", "messages", "qbytes")
}

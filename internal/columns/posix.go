package columns

import (
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// posixFileColumns are the columns every POSIX kind has, from the stat of
// the object's file; def names the default ones.
func posixFileColumns[T any](names *Names, file func(*T) *ipc.PosixFile, def ...string) table.Columns[T] {
	cols := table.Columns[T]{
		{Name: "name", Help: "object name, with its leading /", Type: table.String,
			Value: func(r *T) table.Value { return table.Str(file(r).Name) }},
		{Name: "owner", Help: "owner's user name", Type: table.String,
			Value: func(r *T) table.Value { return table.Str(names.User(file(r).UID)) }},
		col[T]{Name: "perms", Help: "permissions (rw-r-----, or octal with --numeric-perms)", Type: table.Perms}.
			WithNumber(func(r *T) uint64 { return uint64(file(r).Mode) }),
		col[T]{Name: "mode", Help: "permissions as octal, e.g. 0640", Type: table.Mode}.
			WithNumber(func(r *T) uint64 { return uint64(file(r).Mode) }),
		col[T]{Name: "uid", Help: "owner's uid", Right: true, Type: table.Uint}.
			WithNumber(func(r *T) uint64 { return uint64(file(r).UID) }),
		col[T]{Name: "gid", Help: "owner's gid", Right: true, Type: table.Uint}.
			WithNumber(func(r *T) uint64 { return uint64(file(r).GID) }),
		{Name: "group", Help: "owner's group name", Type: table.String,
			Value: func(r *T) table.Value { return table.Str(names.Group(file(r).GID)) }},
		timeCol("mtime", "last modification of the file", false, func(r *T) table.Value { return table.TimeV(file(r).MTime) }),
		timeCol("ctime", "last status change of the file", false, func(r *T) table.Value { return table.TimeV(file(r).CTime) }),
		timeCol("atime", "last access of the file", false, func(r *T) table.Value { return table.TimeV(file(r).ATime) }),
	}
	for i := range cols {
		for _, d := range def {
			if cols[i].Name == d {
				cols[i].Default = true
			}
		}
	}
	return cols
}

func optU32(t table.Type, p *uint32) table.Value {
	if p == nil {
		return table.Null(t)
	}
	return table.Value{Type: t, Uint: uint64(*p)}
}

// Pshm is the column list of POSIX shared memory objects.
func Pshm(names *Names) table.Columns[ipc.Pshm] {
	cols := posixFileColumns(names, func(p *ipc.Pshm) *ipc.PosixFile { return &p.PosixFile }, "name", "owner", "perms", "mtime")
	cols = append(cols, sizeCol("size", "object size", true, func(p *ipc.Pshm) uint64 { return p.Size }))
	return reorder(cols, "name", "owner", "perms", "mode", "size")
}

// Psem is the column list of POSIX named semaphores.
func Psem(names *Names) table.Columns[ipc.Psem] {
	cols := posixFileColumns(names, func(p *ipc.Psem) *ipc.PosixFile { return &p.PosixFile }, "name", "owner", "perms", "mtime")
	cols = append(cols,
		col[ipc.Psem]{Name: "value", Help: "semaphore value (null unless status is ok)", Right: true, Default: true, Type: table.Uint,
			Value: func(p *ipc.Psem) table.Value { return optU32(table.Uint, p.Value) }},
		col[ipc.Psem]{Name: "waiters", Help: "processes blocked in sem_wait (glibc nwaiters)", Right: true, Default: true, Type: table.Uint,
			Value: func(p *ipc.Psem) table.Value { return optU32(table.Uint, p.Waiters) }},
		col[ipc.Psem]{Name: "status", Help: "ok, invalid (wrong size or layout) or unreadable", Default: true, Type: table.String,
			Value: func(p *ipc.Psem) table.Value { return table.Str(string(p.Status)) }},
		col[ipc.Psem]{Name: "reason", Help: "why the status is not ok", Wrap: true, Type: table.String,
			Value: func(p *ipc.Psem) table.Value {
				if p.Reason == "" {
					return table.Null(table.String)
				}
				return table.Str(p.Reason)
			}},
		sizeCol("size", "file size (32 for a valid semaphore)", false, func(p *ipc.Psem) uint64 { return p.Size }),
	)
	return reorder(cols, "name", "owner", "perms", "mode", "value", "waiters", "status")
}

// Mq is the column list of POSIX message queues.
func Mq(names *Names) table.Columns[ipc.Mq] {
	cols := posixFileColumns(names, func(q *ipc.Mq) *ipc.PosixFile { return &q.PosixFile }, "name", "owner", "perms")
	cols = append(cols,
		col[ipc.Mq]{Name: "maxmsg", Help: "most messages (needs read permission)", Right: true, Default: true, Type: table.Uint,
			Value: func(q *ipc.Mq) table.Value { return table.OptUint(table.Uint, q.MaxMsg) }},
		col[ipc.Mq]{Name: "msgsize", Help: "largest message (needs read permission)", Right: true, Default: true, Type: table.Size,
			Value: func(q *ipc.Mq) table.Value { return table.OptUint(table.Size, q.MsgSize) }},
		col[ipc.Mq]{Name: "messages", Help: "messages in the queue (needs read permission)", Right: true, Default: true, Type: table.Uint,
			Value: func(q *ipc.Mq) table.Value { return table.OptUint(table.Uint, q.CurMsgs) }},
		mqStatusCol("used_bytes", "bytes queued (QSIZE; needs read permission)", true, table.Size,
			func(s *procfs.MqueueStatus) table.Value { return table.SizeV(s.QSize) }),
		mqStatusCol("notify_pid", "process registered with mq_notify (0: none)", true, table.Int,
			func(s *procfs.MqueueStatus) table.Value { return table.IntV(int64(s.NotifyPID)) }),
		mqStatusCol("signo", "signal of the mq_notify registration", false, table.Int,
			func(s *procfs.MqueueStatus) table.Value { return table.IntV(int64(s.Signo)) }),
		mqStatusCol("notify", "notification type: signal, none, thread (null when nobody is registered)", false, table.String,
			func(s *procfs.MqueueStatus) table.Value {
				if s.NotifyPID == 0 {
					return table.Null(table.String)
				}
				switch s.Notify {
				case 0:
					return table.Str("signal")
				case 1:
					return table.Str("none")
				case 2:
					return table.Str("thread")
				}
				return table.Str("unknown")
			}),
	)
	return reorder(cols, "name", "owner", "perms", "mode", "maxmsg", "msgsize", "messages", "used_bytes")
}

// mqStatusCol is a column from the mqueue file, null when it was unreadable.
func mqStatusCol(name, help string, def bool, typ table.Type, get func(*procfs.MqueueStatus) table.Value) col[ipc.Mq] {
	return col[ipc.Mq]{Name: name, Help: help, Right: typ != table.String, Default: def, Type: typ,
		Value: func(q *ipc.Mq) table.Value {
			if q.Status == nil {
				return table.Null(typ)
			}
			return get(q.Status)
		}}
}

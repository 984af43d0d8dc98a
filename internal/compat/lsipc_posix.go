package compat

import (
	"errors"
	"strings"

	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// lsipc's POSIX resources (util-linux 2.43: -M, -Q, -S, -N). Objects come
// from pkg/ipc's listings, which take only regular files: symlinks,
// directories and files of the wrong shape in /dev/shm are not objects.
// Unlike 2.43, objects this process may not open are listed too, with
// the values it cannot read left empty (docs/compat.md).

// posixWanted reports whether an object named base ("NAME" without "/")
// is wanted: all of them, or the one -N names.
func posixWanted(base, name string, hasName bool) bool {
	return !hasName || strings.TrimLeft(name, "/") == base
}

func (l *lsipc) posixPerm(ln *scolsLine, n, col int, f ipc.PosixFile) bool {
	switch col {
	case colOwner, colPerms, colCUID, colCUser, colCGID, colCGroup:
		l.setPerm(ln, n, col, f.UID, f.GID, f.UID, f.GID, f.Mode)
	case colMTime:
		l.setTime(ln, n, unixSeconds(f.MTime))
	default:
		return false
	}
	return true
}

func (l *lsipc) pshmList(tb *scolsTable, name string, hasName bool) {
	tb.name = "posix-sharedmemory"
	list, err := l.ipc.PshmList()
	if err != nil {
		l.errx(1, "cannot open %s", "/dev/shm")
	}
	found := false
	for _, o := range list {
		base := o.Name[1:]
		if !posixWanted(base, name, hasName) {
			continue
		}
		found = true
		ln := tb.newLine()
		for n, col := range l.columns {
			switch col {
			case colName:
				ln.set(n, base)
			case colSize:
				ln.set(n, l.size(o.Size))
			default:
				l.posixPerm(ln, n, col, o.PosixFile)
			}
		}
	}
	if hasName && !found {
		l.warnx("shared memory segment %s not found", name)
	}
}

func (l *lsipc) psemList(tb *scolsTable, name string, hasName bool) {
	tb.name = "posix-semaphores"
	list, err := l.ipc.PsemList()
	if err != nil {
		l.errx(1, "cannot open %s", "/dev/shm")
	}
	found := false
	for _, o := range list {
		base := o.Name[1:]
		if o.Status == ipc.PsemInvalid || !posixWanted(base, name, hasName) {
			continue
		}
		found = true
		ln := tb.newLine()
		for n, col := range l.columns {
			switch col {
			case colName:
				ln.set(n, base)
			case colSVal:
				if o.Value != nil {
					ln.set(n, utoa(uint64(*o.Value)))
				}
			default:
				l.posixPerm(ln, n, col, o.PosixFile)
			}
		}
	}
	if hasName && !found {
		l.warnx("semaphore %s not found", name)
	}
}

func (l *lsipc) mqList(tb *scolsTable, name string, hasName bool) {
	tb.name = "posix-messages"
	if hasName && !strings.HasPrefix(name, "/") {
		l.warnx("message queue name must start with '/': %s", name)
		return
	}
	list, err := l.ipc.MqList()
	if errors.Is(err, ipc.ErrUnsupported) {
		l.errx(1, "%s: the mqueue filesystem is not mounted", "/dev/mqueue")
	}
	if err != nil {
		l.errx(1, "cannot open %s", "/dev/mqueue")
	}
	found := false
	for _, o := range list {
		if hasName && o.Name != name {
			continue
		}
		found = true
		ln := tb.newLine()
		for n, col := range l.columns {
			switch col {
			case colName:
				ln.set(n, o.Name)
			case colUsedBytes:
				if o.Status != nil {
					ln.set(n, l.size(o.Status.QSize))
				}
			case colMsgs:
				if o.CurMsgs != nil {
					ln.set(n, utoa(*o.CurMsgs))
				}
			default:
				l.posixPerm(ln, n, col, o.PosixFile)
			}
		}
	}
	if hasName && !found {
		l.warnx("message queue %s not found", name)
	}
}

// mqGlobal is 2.43's rows for POSIX message queues (lsipc -g -Q).
func (l *lsipc) mqGlobal(tb *scolsTable) {
	lim, _ := l.fs.MqueueLimits()
	list, _ := l.ipc.MqList()
	l.globalRow(tb, "MQUMNI", "Number of POSIX message queues", uint64(len(list)), lim.QueuesMax, true, false)
	l.globalRow(tb, "MQUMAX", "Max size of POSIX message (bytes)", 0, lim.MsgSizeMax, false, true)
	l.globalRow(tb, "MQUMNB", "Number of messages in POSIX message queue", 0, lim.MsgMax, false, false)
}

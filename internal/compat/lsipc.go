package compat

import (
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// lsipc: util-linux sys-utils/lsipc.c (2.38.1), with the POSIX resources
// of 2.43 (-M, -Q, -S, -N).

const lsipcUsageHead = `
Usage:
 lsipc [options]

Show information on IPC facilities.

Resource options:
 -m, --shmems      shared memory segments
 -q, --queues      message queues
 -s, --semaphores  semaphores
 -M, --posix-shmems      POSIX shared memory segments
 -Q, --posix-mqueues     POSIX message queues
 -S, --posix-semaphores  POSIX semaphores
 -g, --global      info about system-wide usage (may be used with -m, -q and -s)
 -i, --id <id>     print details on resource identified by <id>
 -N, --name <name> print details on the POSIX resource identified by <name>

Options:
     --noheadings         don't print headings
     --notruncate         don't truncate output
     --time-format=<type> display dates in short, full or iso format
 -b, --bytes              print SIZE in bytes rather than in human readable format
 -c, --creator            show creator and owner
 -e, --export             display in an export-able output format
 -J, --json               use the JSON output format
 -n, --newline            display each piece of information on a new line
 -l, --list               force list output format (for example with --id)
 -o, --output[=<list>]    define the columns to output
 -P, --numeric-perms      print numeric permissions (PERMS column)
 -r, --raw                display in raw mode
 -t, --time               show attach, detach and change times
 -y, --shell              use column names to be usable as shell variable identifiers

 -h, --help               display this help
 -V, --version            display version
`

// Columns, in util-linux's order (the --id pretty mode lists them in
// this order); NAME, MTIME and SVAL are 2.43's POSIX columns.
const (
	colKey = iota
	colID
	colOwner
	colPerms
	colCUID
	colCUser
	colCGID
	colCGroup
	colUID
	colUser
	colGID
	colGroup
	colCTime
	colUsedBytes
	colMsgs
	colSend
	colRecv
	colLSPID
	colLRPID
	colSize
	colNattch
	colStatus
	colAttach
	colDetach
	colCommand
	colCPID
	colLPID
	colNSems
	colOTime
	colResource
	colDesc
	colLimit
	colUsed
	colUsePerc
	colName
	colMTime
	colSVal
)

const (
	colMsgFirst, colMsgLast = colUsedBytes, colLRPID
	colShmFirst, colShmLast = colSize, colLPID
	colSemFirst, colSemLast = colNSems, colOTime
	colSumFirst, colSumLast = colResource, colUsePerc
	ul2381Columns           = colSVal - 2 // 2.38.1 has 34 columns
)

type lsipcColumn struct {
	name, help, pretty string
	whint              float64
	flags              int
}

var lsipcColumns = []lsipcColumn{
	colKey:       {"KEY", "Resource key", "Key", 1, 0},
	colID:        {"ID", "Resource ID", "ID", 1, 0},
	colOwner:     {"OWNER", "Owner's username or UID", "Owner", 1, flRight},
	colPerms:     {"PERMS", "Permissions", "Permissions", 1, flRight},
	colCUID:      {"CUID", "Creator UID", "Creator UID", 1, flRight},
	colCUser:     {"CUSER", "Creator user", "Creator user", 1, 0},
	colCGID:      {"CGID", "Creator GID", "Creator GID", 1, flRight},
	colCGroup:    {"CGROUP", "Creator group", "Creator group", 1, 0},
	colUID:       {"UID", "User ID", "UID", 1, flRight},
	colUser:      {"USER", "User name", "User name", 1, 0},
	colGID:       {"GID", "Group ID", "GID", 1, flRight},
	colGroup:     {"GROUP", "Group name", "Group name", 1, 0},
	colCTime:     {"CTIME", "Time of the last change", "Last change", 1, flRight},
	colUsedBytes: {"USEDBYTES", "Bytes used", "Bytes used", 1, flRight},
	colMsgs:      {"MSGS", "Number of messages", "Messages", 1, 0},
	colSend:      {"SEND", "Time of last msg sent", "Msg sent", 1, flRight},
	colRecv:      {"RECV", "Time of last msg received", "Msg received", 1, flRight},
	colLSPID:     {"LSPID", "PID of the last msg sender", "Msg sender", 1, flRight},
	colLRPID:     {"LRPID", "PID of the last msg receiver", "Msg receiver", 1, flRight},
	colSize:      {"SIZE", "Segment size", "Segment size", 1, flRight},
	colNattch:    {"NATTCH", "Number of attached processes", "Attached processes", 1, flRight},
	colStatus:    {"STATUS", "Status", "Status", 1, flNoExtremes},
	colAttach:    {"ATTACH", "Attach time", "Attach time", 1, flRight},
	colDetach:    {"DETACH", "Detach time", "Detach time", 1, flRight},
	colCommand:   {"COMMAND", "Creator command line", "Creator command", 0, flTrunc},
	colCPID:      {"CPID", "PID of the creator", "Creator PID", 1, flRight},
	colLPID:      {"LPID", "PID of last user", "Last user PID", 1, flRight},
	colNSems:     {"NSEMS", "Number of semaphores", "Semaphores", 1, flRight},
	colOTime:     {"OTIME", "Time of the last operation", "Last operation", 1, flRight},
	colResource:  {"RESOURCE", "Resource name", "Resource", 1, 0},
	colDesc:      {"DESCRIPTION", "Resource description", "Description", 1, 0},
	colLimit:     {"LIMIT", "System-wide limit", "Limit", 1, flRight},
	colUsed:      {"USED", "Currently used", "Used", 1, flRight},
	colUsePerc:   {"USE%", "Currently use percentage", "Use", 1, flRight},
	colName:      {"NAME", "POSIX resource name", "Name", 1, 0},
	colMTime:     {"MTIME", "Time of the last modification of a POSIX resource", "Last modification", 1, flRight},
	colSVal:      {"SVAL", "Semaphore value", "Value", 1, flRight},
}

func lsipcUsage() string {
	var b strings.Builder
	b.WriteString(lsipcUsageHead)
	section := func(title string, from, to int) {
		fmt.Fprintf(&b, "\n%s\n", title)
		for i := from; i <= to; i++ {
			fmt.Fprintf(&b, " %14s  %s\n", lsipcColumns[i].name, lsipcColumns[i].help)
		}
	}
	section("Generic columns:", colKey, colCTime)
	section("Shared-memory columns (--shmems):", colShmFirst, colShmLast)
	section("Message-queue columns (--queues):", colMsgFirst, colMsgLast)
	section("Semaphore columns (--semaphores):", colSemFirst, colSemLast)
	section("Summary columns (--global):", colSumFirst, colSumLast)
	section("POSIX columns (--posix-shmems, --posix-mqueues, --posix-semaphores):", colName, colSVal)
	b.WriteString("\nFor more details see lsipc(1).\n")
	return b.String()
}

// Output modes.
const (
	outDefault = iota
	outExport
	outNewline
	outRaw
	outJSON
	outPretty
	outList
)

// Time formats.
const (
	timeInvalid = iota
	timeShort
	timeFull
	timeISO
)

const (
	optNoTrunc = 256 + iota
	optNoHead
	optTimeFmt
)

var lsipcLongopts = []longOption{
	{"bytes", noArgument, 'b'},
	{"creator", noArgument, 'c'},
	{"export", noArgument, 'e'},
	{"global", noArgument, 'g'},
	{"help", noArgument, 'h'},
	{"id", requiredArgument, 'i'},
	{"json", noArgument, 'J'},
	{"list", noArgument, 'l'},
	{"name", requiredArgument, 'N'},
	{"newline", noArgument, 'n'},
	{"noheadings", noArgument, optNoHead},
	{"notruncate", noArgument, optNoTrunc},
	{"numeric-perms", noArgument, 'P'},
	{"output", requiredArgument, 'o'},
	{"posix-mqueues", noArgument, 'Q'},
	{"posix-semaphores", noArgument, 'S'},
	{"posix-shmems", noArgument, 'M'},
	{"queues", noArgument, 'q'},
	{"raw", noArgument, 'r'},
	{"semaphores", noArgument, 's'},
	{"shmems", noArgument, 'm'},
	{"time", noArgument, 't'},
	{"time-format", requiredArgument, optTimeFmt},
	{"version", noArgument, 'V'},
	{"shell", noArgument, 'y'},
}

// lsipcExcl is 2.38.1's table of mutually exclusive options, checked as
// its err_exclusive_options does (which, the groups not being in ASCII
// order, never records -c).
var lsipcExcl = [][]int{
	{'J', 'e', 'l', 'n', 'r'},
	{'g', 'i'},
	{'c', 'o', 't'},
	{'m', 'q', 's'},
}

type lsipc struct {
	*prog
	outmode    int
	noheadings bool
	notrunc    bool
	shellvar   bool
	bytes      bool
	numperms   bool
	timeMode   int

	columns []int
	allowed func(col int) bool // -o columns beyond the generic ones
	excl    []int
	// 2.43's options: the first resource option seen, and -N/-g/-i
	resource int
	nameSeen int
}

func (p *prog) lsipc() {
	l := &lsipc{prog: p, excl: make([]int, len(lsipcExcl))}
	l.allowed = func(int) bool { return false }
	var msg, sem, shm, pmsg, pshm, psem, global, showTime, showCreat bool
	id := int32(-1)
	var name, outarg string
	var hasName, hasOutarg bool
	g := newGetopt(p.argv, "bceghi:JlMmN:no:PQqrSstVy", lsipcLongopts, p.errOut, p.posixlyCorrect())
	for {
		c := g.next()
		if c == optDone {
			break
		}
		l.exclusive(c)
		switch c {
		case 'b':
			l.bytes = true
		case 'i':
			id = p.strtos32OrErr(g.optarg, "failed to parse IPC identifier")
		case 'N':
			name, hasName = g.optarg, true
		case 'e':
			l.outmode = outExport
		case 'r':
			l.outmode = outRaw
		case 'o':
			outarg, hasOutarg = g.optarg, true
		case 'g':
			global = true
		case 'q':
			msg = true
			l.addColumns(colKey, colID, colPerms, colOwner, colUsedBytes, colMsgs, colLSPID, colLRPID)
			l.allowed = colRange(colMsgFirst, colMsgLast)
		case 'l':
			l.outmode = outList
		case 'm':
			shm = true
			l.addColumns(colKey, colID, colPerms, colOwner, colSize, colNattch, colStatus, colCTime, colCPID, colLPID, colCommand)
			l.allowed = colRange(colShmFirst, colShmLast)
		case 'n':
			l.outmode = outNewline
		case 'P':
			l.numperms = true
		case 's':
			sem = true
			l.addColumns(colKey, colID, colPerms, colOwner, colNSems)
			l.allowed = colRange(colSemFirst, colSemLast)
		case 'M':
			pshm = true
			l.addColumns(colName, colPerms, colOwner, colSize, colMTime)
			l.allowed = colSet(colName, colMTime, colSize)
		case 'Q':
			pmsg = true
			l.addColumns(colName, colPerms, colOwner, colMTime, colUsedBytes, colMsgs)
			l.allowed = colSet(colName, colMTime, colUsedBytes, colMsgs)
		case 'S':
			psem = true
			l.addColumns(colName, colPerms, colOwner, colMTime, colSVal)
			l.allowed = colSet(colName, colMTime, colSVal)
		case optNoTrunc:
			l.notrunc = true
		case optNoHead:
			l.noheadings = true
		case optTimeFmt:
			switch g.optarg {
			case "iso":
				l.timeMode = timeISO
			case "full":
				l.timeMode = timeFull
			case "short":
				l.timeMode = timeShort
			default:
				p.errx(1, "unknown time format: %s", g.optarg)
			}
		case 'J':
			l.outmode = outJSON
		case 't':
			showTime = true
		case 'c':
			showCreat = true
		case 'y':
			l.shellvar = true
		case 'h':
			p.puts(lsipcUsage())
			p.exit(0)
		case 'V':
			p.printVersion()
		default:
			p.errtryhelp(1)
		}
	}
	posix := pmsg || pshm || psem
	if !msg && !shm && !sem && !posix {
		msg, shm, sem, global = true, true, true, true
		if hasName {
			p.errx(1, "--global is mutually exclusive with --creator, --id, --name and --time")
		}
		if showTime || showCreat || id != -1 {
			p.errx(1, "--global is mutually exclusive with --creator, --id and --time")
		}
	}
	if global {
		l.addColumns(colResource, colDesc, colLimit, colUsed, colUsePerc)
		l.allowed = colRange(colSumFirst, colSumLast)
	}
	if (id != -1 || hasName) && l.outmode == outDefault {
		l.outmode = outPretty
	}
	if l.timeMode == timeInvalid {
		l.timeMode = timeShort
		if l.outmode == outPretty {
			l.timeMode = timeFull
		}
	}
	// util-linux tests getopt's optarg here, which is always NULL by now
	if l.outmode == outPretty && !showCreat && !showTime {
		l.columns = l.columns[:0]
		for i := range lsipcColumns {
			l.columns = append(l.columns, i)
		}
	} else {
		if showCreat {
			l.addColumns(colCUID, colCGID)
			if !posix {
				l.addColumns(colUID, colGID)
			}
		}
		if msg && showTime {
			l.addColumns(colSend, colRecv, colCTime)
		}
		if shm && showTime {
			cmd := len(l.columns) > 0 && l.columns[len(l.columns)-1] == colCommand
			if cmd {
				l.columns = l.columns[:len(l.columns)-1]
			}
			l.addColumns(colAttach, colDetach)
			if cmd {
				l.addColumns(colCommand)
			}
		}
		if sem && showTime {
			l.addColumns(colOTime, colCTime)
		}
	}
	if hasOutarg && !l.parseOutput(outarg) {
		p.exit(1)
	}
	tb := l.newTable()
	for _, c := range l.columns {
		d := lsipcColumns[c]
		flags := d.flags
		if l.notrunc {
			flags &^= flTrunc
		}
		tb.newColumn(d.name, d.whint, flags)
	}
	if global {
		tb.name = "ipclimits"
	}
	if msg {
		if global {
			l.msgGlobal(tb)
		} else {
			l.msgList(tb, id)
		}
	}
	if pmsg {
		if global {
			l.mqGlobal(tb)
		} else {
			l.mqList(tb, name, hasName)
		}
	}
	if shm {
		if global {
			l.shmGlobal(tb)
		} else {
			l.shmList(tb, id)
		}
	}
	if pshm && !global {
		l.pshmList(tb, name, hasName)
	}
	if sem {
		if global {
			l.semGlobal(tb)
		} else {
			l.semList(tb, id)
		}
	}
	if psem && !global {
		l.psemList(tb, name, hasName)
	}
	var b strings.Builder
	if l.outmode == outPretty {
		l.printPretty(&b, tb)
	} else {
		tb.print(&b)
	}
	p.puts(b.String())
}

// addColumns is lsipc's add_column, with its limit: twice the number of
// 2.38.1's columns.
func (l *lsipc) addColumns(cols ...int) {
	for _, c := range cols {
		if len(l.columns) >= 2*ul2381Columns {
			l.errx(1, "too many columns specified, the limit is %d columns", 2*ul2381Columns-1)
		}
		l.columns = append(l.columns, c)
	}
}

func colRange(lo, hi int) func(int) bool {
	return func(c int) bool { return c >= lo && c <= hi }
}

func colSet(cols ...int) func(int) bool {
	return func(c int) bool {
		for _, x := range cols {
			if x == c {
				return true
			}
		}
		return false
	}
}

// exclusive is 2.38.1's err_exclusive_options over lsipcExcl, then the
// groups 2.43 adds for its options, reported in 2.43's words.
func (l *lsipc) exclusive(c int) {
	for e := 0; e < len(lsipcExcl) && lsipcExcl[e][0] <= c; e++ {
		for _, op := range lsipcExcl[e] {
			if op > c {
				break
			}
			if op != c {
				continue
			}
			if l.excl[e] == 0 {
				l.excl[e] = c
			} else if l.excl[e] != c {
				var b strings.Builder
				fmt.Fprintf(&b, "%s: mutually exclusive arguments:", l.name)
				for _, o := range lsipcExcl[e] {
					fmt.Fprintf(&b, " --%s", longName(lsipcLongopts, o))
				}
				b.WriteString("\n")
				fmt.Fprint(l.errOut, b.String())
				l.exit(1)
			}
			break
		}
	}
	isResource := strings.ContainsRune("mqsMQS", rune(c)) && c < 128
	newResource := strings.ContainsRune("MQS", rune(c)) && c < 128
	if isResource {
		if l.resource != 0 && l.resource != c && (newResource || strings.ContainsRune("MQS", rune(l.resource))) {
			l.errx(1, "options --%s and --%s cannot be combined", longName(lsipcLongopts, l.resource), longName(lsipcLongopts, c))
		}
		if l.resource == 0 {
			l.resource = c
		}
	}
	if c == 'N' || c == 'g' || c == 'i' {
		if l.nameSeen != 0 && l.nameSeen != c && (c == 'N' || l.nameSeen == 'N') {
			l.errx(1, "options --%s and --%s cannot be combined", longName(lsipcLongopts, l.nameSeen), longName(lsipcLongopts, c))
		}
		if l.nameSeen == 0 || c == 'N' {
			l.nameSeen = c
		}
	}
}

func longName(opts []longOption, val int) string {
	for _, o := range opts {
		if o.val == val {
			return o.name
		}
	}
	return string(rune(val))
}

// parseOutput is string_add_to_idarray over column_name_to_id: a list
// that replaces the columns, or with a leading '+' adds to them. Errors
// are silent except for unknown and inapplicable names, whose message
// shows the rest of the list, as util-linux's does.
func (l *lsipc) parseOutput(list string) bool {
	if list == "" {
		return false
	}
	add := strings.HasPrefix(list, "+")
	if add {
		list = list[1:]
	} else {
		l.columns = l.columns[:0]
	}
	arysz := 2*ul2381Columns - len(l.columns)
	if list == "" || arysz <= 0 {
		return false
	}
	n := 0
	begin := -1
	for i := 0; i < len(list); i++ {
		if n >= arysz {
			return false
		}
		if begin < 0 {
			begin = i
		}
		end := -1
		if list[i] == ',' {
			end = i
		}
		if i+1 == len(list) {
			end = i + 1
		}
		if end < 0 {
			continue
		}
		if end <= begin {
			return false
		}
		col := l.columnID(list[begin:end], list[begin:])
		if col < 0 {
			return false
		}
		l.columns = append(l.columns, col)
		n++
		begin = -1
		if end == len(list) {
			break
		}
	}
	return true
}

// columnID is lsipc's column_name_to_id; shown is what its warnings print.
func (l *lsipc) columnID(name, shown string) int {
	for i, d := range lsipcColumns {
		if !strings.EqualFold(name, d.name) {
			continue
		}
		if i > colCTime && !l.allowed(i) {
			l.warnx("column %s does not apply to the specified IPC", shown)
			return -1
		}
		return i
	}
	l.warnx("unknown column: %s", shown)
	return -1
}

func (l *lsipc) newTable() *scolsTable {
	tb := newScolsTable()
	tb.noheadings = l.noheadings
	tb.shellvar = l.shellvar
	tb.utf8 = l.utf8
	switch l.outmode {
	case outNewline:
		tb.colsep = "\n"
		tb.format = scolsExport
	case outExport:
		tb.format = scolsExport
	case outRaw:
		tb.format = scolsRaw
	case outPretty:
		tb.noheadings = true
	case outJSON:
		tb.format = scolsJSON
	}
	if tb.format == scolsHuman {
		tb.isTerm = l.tty
		tb.termwidth = l.width
	}
	return tb
}

// makeTime is lsipc's make_time.
func (l *lsipc) makeTime(sec int64) string {
	t := time.Unix(sec, 0).In(time.Local)
	switch l.timeMode {
	case timeFull:
		return t.Format("Mon Jan _2 15:04:05 2006")
	case timeISO:
		_, off := t.Zone()
		tmin := off / 60
		zmin := tmin % 60
		if zmin < 0 {
			zmin = -zmin
		}
		return fmt.Sprintf("%4d-%02d-%02dT%02d:%02d:%02d%+03d:%02d", t.Year(), int(t.Month()), t.Day(),
			t.Hour(), t.Minute(), t.Second(), tmin/60, zmin)
	}
	if l.now.IsZero() {
		l.now = time.Now()
	}
	now := l.now.In(time.Local)
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute())
	case t.Year() == now.Year():
		return t.Format("Jan02")
	}
	return t.Format("2006-Jan02")
}

func (l *lsipc) setTime(ln *scolsLine, n int, sec int64) {
	if sec != 0 {
		ln.set(n, l.makeTime(sec))
	}
}

func (l *lsipc) perms(mode uint32) string {
	if l.numperms {
		return octalAlt(mode & 0o777)
	}
	return strmode(mode & 0o777)
}

func (l *lsipc) size(v uint64) string {
	if l.bytes {
		return utoa(v)
	}
	return humanSize(v)
}

func (l *lsipc) username(uid uint32) (string, bool) { return l.users.user(uid) }

// setPerm fills the generic owner and creator columns shared by every
// kind; SysV kinds pass their uid/gid, POSIX ones the file's as creator.
func (l *lsipc) setPerm(ln *scolsLine, n, col int, uid, gid, cuid, cgid, mode uint32) {
	switch col {
	case colOwner:
		if name, ok := l.username(uid); ok {
			ln.set(n, name)
		} else {
			ln.set(n, utoa(uint64(uid)))
		}
	case colPerms:
		ln.set(n, l.perms(mode))
	case colCUID:
		ln.set(n, utoa(uint64(cuid)))
	case colCUser:
		if name, ok := l.username(cuid); ok {
			ln.set(n, name)
		}
	case colCGID:
		ln.set(n, utoa(uint64(cgid)))
	case colCGroup:
		if name, ok := l.users.group(cgid); ok {
			ln.set(n, name)
		}
	case colUID:
		ln.set(n, utoa(uint64(uid)))
	case colUser:
		if name, ok := l.username(uid); ok {
			ln.set(n, name)
		}
	case colGID:
		ln.set(n, utoa(uint64(gid)))
	case colGroup:
		if name, ok := l.users.group(gid); ok {
			ln.set(n, name)
		}
	}
}

func (l *lsipc) shmList(tb *scolsTable, id int32) {
	list, err := l.ipc.ShmListStat()
	list = pickID(list, err, id, func(s ipc.Shm) int { return s.ID })
	if len(list) == 0 {
		if id != -1 {
			l.warnx("id %d not found", id)
		}
		return
	}
	tb.name = "sharedmemory"
	for _, s := range list {
		ln := tb.newLine()
		for n, col := range l.columns {
			switch col {
			case colKey:
				ln.set(n, keyHex(s.Key))
			case colID:
				ln.set(n, itoa(int64(s.ID)))
			case colCTime:
				l.setTime(ln, n, unixSeconds(s.CTime))
			case colSize:
				ln.set(n, l.size(s.Size))
			case colNattch:
				ln.set(n, utoa(s.Nattch))
			case colStatus:
				var st []string
				if s.Dest() {
					st = append(st, "dest")
				}
				if s.Locked() {
					st = append(st, "locked")
				}
				ln.set(n, strings.Join(st, ","))
			case colAttach:
				l.setTime(ln, n, unixSeconds(s.ATime))
			case colDetach:
				l.setTime(ln, n, unixSeconds(s.DTime))
			case colCPID:
				ln.set(n, utoa(uint64(uint32(s.CPID))))
			case colLPID:
				ln.set(n, utoa(uint64(uint32(s.LPID))))
			case colCommand:
				if cmd, ok := pidCmdline(s.CPID); ok {
					ln.set(n, cmd)
				}
			default:
				l.setPerm(ln, n, col, s.UID, s.GID, s.CUID, s.CGID, s.Mode)
			}
		}
	}
}

// pickID keeps the object with id when one is asked for (-i).
func pickID[T any](list []T, err error, id int32, idOf func(T) int) []T {
	if err != nil || id < -1 {
		return nil
	}
	if id == -1 {
		return list
	}
	for _, o := range list {
		if idOf(o) == int(id) {
			return []T{o}
		}
	}
	return nil
}

func (l *lsipc) msgList(tb *scolsTable, id int32) {
	list, err := l.ipc.MsgListStat()
	list = pickID(list, err, id, func(m ipc.Msg) int { return m.ID })
	if len(list) == 0 {
		if id != -1 {
			l.warnx("id %d not found", id)
		}
		return
	}
	tb.name = "messages"
	for _, m := range list {
		ln := tb.newLine()
		for n, col := range l.columns {
			switch col {
			case colKey:
				ln.set(n, keyHex(m.Key))
			case colID:
				ln.set(n, itoa(int64(m.ID)))
			case colCTime:
				l.setTime(ln, n, unixSeconds(m.CTime))
			case colUsedBytes:
				ln.set(n, l.size(m.CBytes))
			case colMsgs:
				ln.set(n, utoa(m.QNum))
			case colSend:
				l.setTime(ln, n, unixSeconds(m.STime))
			case colRecv:
				l.setTime(ln, n, unixSeconds(m.RTime))
			case colLSPID:
				ln.set(n, utoa(uint64(uint32(m.LSPID))))
			case colLRPID:
				ln.set(n, utoa(uint64(uint32(m.LRPID))))
			default:
				l.setPerm(ln, n, col, m.UID, m.GID, m.CUID, m.CGID, m.Mode)
			}
		}
	}
}

func (l *lsipc) semList(tb *scolsTable, id int32) {
	tb.name = "semaphores"
	list, err := l.ipc.SemListStat()
	list = pickID(list, err, id, func(s ipc.Sem) int { return s.ID })
	if len(list) == 0 {
		if id != -1 {
			l.warnx("id %d not found", id)
		}
		return
	}
	for _, s := range list {
		ln := tb.newLine()
		for n, col := range l.columns {
			switch col {
			case colKey:
				ln.set(n, keyHex(s.Key))
			case colID:
				ln.set(n, itoa(int64(s.ID)))
			case colCTime:
				l.setTime(ln, n, unixSeconds(s.CTime))
			case colNSems:
				ln.set(n, utoa(s.NSems))
			case colOTime:
				l.setTime(ln, n, unixSeconds(s.OTime))
			default:
				l.setPerm(ln, n, col, s.UID, s.GID, s.CUID, s.CGID, s.Mode)
			}
		}
		if id > -1 && s.NSems > 0 {
			ln.sub = l.semElements(s)
		}
	}
}

// semElements is the sub-table of one set's semaphores that --id shows.
func (l *lsipc) semElements(s ipc.Sem) *scolsTable {
	vals, err := ipc.SemValues(s.ID, int(s.NSems))
	if err != nil {
		l.err(1, errnoOf(err), "%s failed", "semctl(GETVAL)")
	}
	sub := l.newTable()
	sub.noheadings = false
	sub.name = "elements"
	for _, c := range []string{"SEMNUM", "VALUE", "NCOUNT", "ZCOUNT", "PID", "COMMAND"} {
		sub.newColumn(c, 0, flRight)
	}
	for i, v := range vals {
		ln := sub.newLine()
		ln.set(0, itoa(int64(i)))
		ln.set(1, itoa(int64(v.Value)))
		ln.set(2, itoa(int64(v.NCnt)))
		ln.set(3, itoa(int64(v.ZCnt)))
		ln.set(4, itoa(int64(v.PID)))
		if cmd, ok := pidCmdline(v.PID); ok {
			ln.set(5, cmd)
		}
	}
	return sub
}

// pidCmdline is util-linux's pid_get_cmdline: /proc/PID/cmdline (up to
// 8 KiB) with NULs as spaces and the last byte dropped.
func pidCmdline(pid int) (string, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "", false
	}
	defer f.Close()
	buf := make([]byte, 8192)
	n := 0
	for n < len(buf) {
		m, err := f.Read(buf[n:])
		n += m
		if err != nil || m == 0 {
			break
		}
	}
	if n <= 0 {
		return "", false
	}
	b := buf[:n]
	for i := range b {
		if b[i] == 0 {
			b[i] = ' '
		}
	}
	return string(b[:n-1]), true
}

// globalRow is lsipc's global_set_data.
func (l *lsipc) globalRow(tb *scolsTable, resource, desc string, used, limit uint64, usage, byteUnit bool) {
	ln := tb.newLine()
	for n, col := range l.columns {
		switch col {
		case colResource:
			ln.set(n, resource)
		case colDesc:
			ln.set(n, desc)
		case colUsed:
			switch {
			case !usage:
				ln.set(n, "-")
			case !byteUnit || l.bytes:
				ln.set(n, utoa(used))
			default:
				ln.set(n, humanSize(used))
			}
		case colUsePerc:
			if usage {
				ln.set(n, percent(used, limit))
			} else {
				ln.set(n, "-")
			}
		case colLimit:
			if !byteUnit || l.bytes {
				ln.set(n, utoa(limit))
			} else {
				ln.set(n, humanSize(limit))
			}
		}
	}
}

// percent is printf("%2.2f%%", (double) used / limit * 100), with glibc's
// texts for a zero limit.
func percent(used, limit uint64) string {
	v := float64(used) / float64(limit) * 100
	switch {
	case math.IsNaN(v):
		return "-nan%" // 0.0/0.0 on x86 is the negative default NaN
	case math.IsInf(v, 1):
		return "inf%"
	}
	return fmt.Sprintf("%2.2f%%", v)
}

func (l *lsipc) msgGlobal(tb *scolsTable) {
	lim, _ := l.fs.SysvLimits()
	list, _ := l.ipc.MsgListStat()
	l.globalRow(tb, "MSGMNI", "Number of message queues", uint64(len(list)), uint64(int32(lim.MsgMni)), true, false)
	l.globalRow(tb, "MSGMAX", "Max size of message (bytes)", 0, lim.MsgMax, false, true)
	l.globalRow(tb, "MSGMNB", "Default max size of queue (bytes)", 0, uint64(int32(lim.MsgMnb)), false, true)
}

func (l *lsipc) shmGlobal(tb *scolsTable) {
	lim, _ := l.fs.SysvLimits()
	list, _ := l.ipc.ShmListStat()
	pgsz := uint64(os.Getpagesize())
	var pages uint64
	for _, s := range list {
		// what SHMALL limits: whole pages per segment (util-linux divides
		// the byte total instead, docs/compat.md)
		pages += (s.Size + pgsz - 1) / pgsz
	}
	l.globalRow(tb, "SHMMNI", "Shared memory segments", uint64(len(list)), lim.ShmMni, true, false)
	l.globalRow(tb, "SHMALL", "Shared memory pages", pages, lim.ShmAll, true, false)
	l.globalRow(tb, "SHMMAX", "Max size of shared memory segment (bytes)", 0, lim.ShmMax, false, true)
	l.globalRow(tb, "SHMMIN", "Min size of shared memory segment (bytes)", 0, 1, false, true)
}

func (l *lsipc) semGlobal(tb *scolsTable) {
	lim, _ := l.fs.SysvLimits()
	list, _ := l.ipc.SemListStat()
	var nsems uint64
	for _, s := range list {
		// util-linux adds the first set's size once per set (docs/compat.md)
		nsems += s.NSems
	}
	l.globalRow(tb, "SEMMNI", "Number of semaphore identifiers", uint64(len(list)), uint64(int32(lim.SemMni)), true, false)
	l.globalRow(tb, "SEMMNS", "Total number of semaphores", nsems, uint64(int32(lim.SemMns)), true, false)
	l.globalRow(tb, "SEMMSL", "Max semaphores per semaphore set.", 0, uint64(int32(lim.SemMsl)), false, false)
	l.globalRow(tb, "SEMOPM", "Max number of operations per semop(2)", 0, uint64(int32(lim.SemOpm)), false, false)
	l.globalRow(tb, "SEMVMX", "Semaphore max value", 0, 32767, false, false)
}

// printPretty is lsipc's print_pretty: "Label:   value" for each column
// of the first line that has a value, then a semaphore set's elements.
func (l *lsipc) printPretty(b *strings.Builder, tb *scolsTable) {
	if len(tb.lines) == 0 {
		return
	}
	ln := tb.lines[0]
	for _, col := range l.prettyOrder() {
		cell := ln.cells[col]
		if cell == nil {
			continue
		}
		h := lsipcColumns[l.columns[col]].pretty
		pad := 35 - len(h)
		if pad < 1 {
			pad = 1
		}
		value := *cell
		if l.tty {
			// util-linux prints the cell raw; on a terminal it is
			// shown as the table shows it, since COMMAND (any user's
			// argv) and NAME (any file in /dev/shm) are anyone's text.
			value, _ = safeEncode(value, l.utf8)
		}
		b.WriteString(h + ":" + strings.Repeat(" ", pad) + ljust(value, 36) + "\n")
	}
	if ln.sub != nil {
		b.WriteString("Elements:\n\n")
		ln.sub.print(b)
	}
}

// prettyOrder is the order of the table's columns in pretty mode: as they
// are, except that a POSIX object's NAME comes first.
func (l *lsipc) prettyOrder() []int {
	order := make([]int, 0, len(l.columns))
	for i, c := range l.columns {
		if c == colName {
			order = append(order, i)
		}
	}
	for i, c := range l.columns {
		if c != colName {
			order = append(order, i)
		}
	}
	return order
}

package compat

import (
	"errors"
	"os"
	"strings"

	"github.com/ipcctl/ipcctl/pkg/ipc"
	"golang.org/x/sys/unix"
)

// ipcs: util-linux sys-utils/ipcs.c and ipcutils.c.

const ipcsUsage = `
Usage:
 ipcs [resource-option...] [output-option]
 ipcs -m|-q|-s -i <id>

Show information on IPC facilities.

Options:
 -i, --id <id>  print details on resource identified by <id>
 -h, --help     display this help
 -V, --version  display version

Resource options:
 -m, --shmems      shared memory segments
 -q, --queues      message queues
 -s, --semaphores  semaphores
 -a, --all         all (default)

Output options:
 -t, --time        show attach, detach and change times
 -p, --pid         show PIDs of creator and last operator
 -c, --creator     show creator and owner
 -l, --limits      show resource limits
 -u, --summary     show status summary
     --human       show sizes in human-readable format
 -b, --bytes       show sizes in bytes

For more details see ipcs(1).
`

// Output formats of ipcs (only the last one given counts).
type ipcsFormat int

const (
	fmtDefault ipcsFormat = iota
	fmtLimits
	fmtStatus
	fmtCreator
	fmtTime
	fmtPID
)

// Size units of ipc_print_size.
type sizeUnit int

const (
	unitDefault sizeUnit = iota
	unitBytes
	unitKB
	unitHuman
)

const optHuman = 256 // --human has no short form

var ipcsLongopts = []longOption{
	{"id", requiredArgument, 'i'},
	{"queues", noArgument, 'q'},
	{"shmems", noArgument, 'm'},
	{"semaphores", noArgument, 's'},
	{"all", noArgument, 'a'},
	{"time", noArgument, 't'},
	{"pid", noArgument, 'p'},
	{"creator", noArgument, 'c'},
	{"limits", noArgument, 'l'},
	{"summary", noArgument, 'u'},
	{"human", noArgument, optHuman},
	{"bytes", noArgument, 'b'},
	{"version", noArgument, 'V'},
	{"help", noArgument, 'h'},
}

func (p *prog) ipcs() {
	var msg, shm, sem, specific bool
	var id int32
	format := fmtDefault
	unit := unitDefault
	g := newGetopt(p.argv, "i:qmsatpclubVh", ipcsLongopts, p.errOut, p.posixlyCorrect())
	for {
		c := g.next()
		if c == optDone {
			break
		}
		switch c {
		case 'i':
			id = p.strtos32OrErr(g.optarg, "failed to parse id argument")
			specific = true
		case 'a':
			msg, shm, sem = true, true, true
		case 'q':
			msg = true
		case 'm':
			shm = true
		case 's':
			sem = true
		case 't':
			format = fmtTime
		case 'c':
			format = fmtCreator
		case 'p':
			format = fmtPID
		case 'l':
			format = fmtLimits
		case 'u':
			format = fmtStatus
		case optHuman:
			unit = unitHuman
		case 'b':
			unit = unitBytes
		case 'h':
			p.puts(ipcsUsage)
			p.exit(0)
		case 'V':
			p.printVersion()
		default:
			p.errtryhelp(1)
		}
	}
	n := 0
	for _, b := range []bool{msg, shm, sem} {
		if b {
			n++
		}
	}
	if specific && n != 1 {
		p.errx(1, "when using an ID, a single resource must be specified")
	}
	if specific {
		switch {
		case msg:
			p.ipcsMsgDetails(id, unit)
		case shm:
			p.ipcsShmDetails(id, unit)
		case sem:
			p.ipcsSemDetails(id)
		}
		return
	}
	if n == 0 {
		msg, shm, sem = true, true, true
	}
	p.puts("\n")
	if msg {
		p.ipcsMsg(format, unit)
		p.puts("\n")
	}
	if shm {
		p.ipcsShm(format, unit)
		p.puts("\n")
	}
	if sem {
		p.ipcsSem(format)
		p.puts("\n")
	}
}

// printSize is ipc_print_size: "LABEL = VALUE" (or "LABEL=VALUE" for a
// label ending in '='), the value in bytes, KiB or human form, padded to
// width (negative: left-aligned), then end.
func (p *prog) printSize(unit sizeUnit, label string, size uint64, end string, width int) {
	var b strings.Builder
	switch {
	case label == "":
	case strings.HasSuffix(label, "="):
		b.WriteString(label)
	case unit == unitBytes:
		b.WriteString(label + " (bytes) = ")
	case unit == unitKB:
		b.WriteString(label + " (kbytes) = ")
	default:
		b.WriteString(label + " = ")
	}
	var v string
	switch unit {
	case unitDefault, unitBytes:
		v = utoa(size)
	case unitKB:
		v = utoa(size / 1024)
	case unitHuman:
		v = humanSize(size)
	}
	switch {
	case width > 0:
		v = rjust(v, width)
	case width < 0:
		v = ljust(v, -width)
	}
	b.WriteString(v)
	b.WriteString(end)
	p.puts(b.String())
}

// appendOwner appends " " and "%-10.10s" of the owner's name, or
// "%-10u" of the uid; the cell is made once per uid.
func (p *prog) appendOwner(b []byte, uid uint32) []byte {
	cell, ok := p.ownerCells[uid]
	if !ok {
		if name, found := p.users.user(uid); found {
			cell = " " + ljust(cut(name, 10), 10)
		} else {
			cell = " " + ljust(utoa(uint64(uid)), 10)
		}
		if p.ownerCells == nil {
			p.ownerCells = map[uint32]string{}
		}
		p.ownerCells[uid] = cell
	}
	return append(b, cell...)
}

// appendPerms is ipc_print_perms: the -c row.
func (p *prog) appendPerms(b []byte, id int, mode, cuid, cgid, uid, gid uint32) []byte {
	b = appendPadInt(b, int64(id), 10)
	b = appendPadOctal(append(b, ' '), mode&0o777, 10)
	name := func(b []byte, n string, ok bool, v uint32) []byte {
		if ok {
			return appendLjust(append(b, ' '), n, 10)
		}
		return appendPadUint(append(b, ' '), uint64(v), 10)
	}
	n, ok := p.users.user(cuid)
	b = name(b, n, ok, cuid)
	n, ok = p.users.group(cgid)
	b = name(b, n, ok, cgid)
	n, ok = p.users.user(uid)
	b = name(b, n, ok, uid)
	n, ok = p.users.group(gid)
	b = name(b, n, ok, gid)
	return append(b, '\n')
}

// appendTimeShort appends "%-20.16s" of ctime()+4, or of "Not set".
func appendTimeShort(b []byte, sec int64) []byte {
	if sec == 0 {
		return appendLjust(b, "Not set", 20)
	}
	return appendLjust(b, cut(ctime(sec)[4:], 16), 20)
}

// longTime is "%-26.24s" of ctime(), or of "Not set".
func longTime(sec int64) string {
	if sec == 0 {
		return ljust("Not set", 26)
	}
	return ljust(cut(ctime(sec), 24), 26)
}

func (p *prog) ipcsShm(format ipcsFormat, unit sizeUnit) {
	switch format {
	case fmtLimits:
		p.ipcsShmLimits(unit)
		return
	case fmtStatus:
		p.ipcsShmStatus()
		return
	case fmtCreator:
		p.puts("------ Shared Memory Segment Creators/Owners --------\n")
		p.puts("shmid      perms      cuid       cgid       uid        gid       \n")
	case fmtTime:
		p.puts("------ Shared Memory Attach/Detach/Change Times --------\n")
		p.puts("shmid      owner      attached             detached             changed             \n")
	case fmtPID:
		p.puts("------ Shared Memory Creator/Last-op PIDs --------\n")
		p.puts("shmid      owner      cpid       lpid      \n")
	default:
		p.puts("------ Shared Memory Segments --------\n")
		size := "bytes"
		if unit == unitHuman {
			size = "size"
		}
		p.puts("key        shmid      owner      perms      " + ljust(size, 10) + " nattch     status      \n")
	}
	list, err := p.ipc.ShmListStat()
	if err != nil {
		return
	}
	b := p.row
	for _, s := range list {
		b = b[:0]
		switch format {
		case fmtCreator:
			b = p.appendPerms(b, s.ID, s.Mode, s.CUID, s.CGID, s.UID, s.GID)
		case fmtTime:
			b = p.appendOwner(appendPadInt(b, int64(s.ID), 10), s.UID)
			b = appendTimeShort(append(b, ' '), unixSeconds(s.ATime))
			b = appendTimeShort(append(b, ' '), unixSeconds(s.DTime))
			b = append(appendTimeShort(append(b, ' '), unixSeconds(s.CTime)), '\n')
		case fmtPID:
			b = p.appendOwner(appendPadInt(b, int64(s.ID), 10), s.UID)
			b = appendPadInt(append(b, ' '), int64(uint32(s.CPID)), 10)
			b = append(appendPadInt(append(b, ' '), int64(uint32(s.LPID)), 10), '\n')
		default:
			b = append(appendKey(b, s.Key), ' ')
			b = p.appendOwner(appendPadInt(b, int64(s.ID), 10), s.UID)
			b = append(appendPadOctal(append(b, ' '), s.Mode&0o777, 10), ' ')
			if unit == unitHuman {
				b = append(appendRjust(b, humanSize(s.Size), 6), "    "...)
			} else {
				b = appendPadUint(b, s.Size, 10)
			}
			dest, locked := " ", " "
			if s.Dest() {
				dest = "dest"
			}
			if s.Locked() {
				locked = "locked"
			}
			b = appendPadUint(append(b, ' '), s.Nattch, 10)
			b = appendLjust(append(b, ' '), dest, 6)
			b = append(appendLjust(append(b, ' '), locked, 6), '\n')
		}
		p.out.Write(b)
	}
	p.row = b
}

// appendKey appends "0x%08x" of a key.
func appendKey(b []byte, key int32) []byte {
	const hex = "0123456789abcdef"
	k := uint32(key)
	b = append(b, '0', 'x')
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, hex[(k>>uint(shift))&0xf])
	}
	return b
}

func keyHex(key int32) string { return string(appendKey(nil, key)) }

func (p *prog) ipcsShmLimits(unit sizeUnit) {
	lim, err := p.fs.SysvLimits()
	if err != nil {
		p.puts("unable to fetch shared memory limits\n")
		return
	}
	pgsz := uint64(os.Getpagesize())
	p.puts("------ Shared Memory Limits --------\n")
	p.printf("max number of segments = %d\n", lim.ShmMni)
	u := unit
	if u == unitDefault {
		u = unitKB
	}
	p.printSize(u, "max seg size", lim.ShmMax, "\n", 0)
	if unit == unitKB || unit == unitDefault {
		tmp := lim.ShmAll * (pgsz / 1024)
		if lim.ShmAll != 0 && tmp/lim.ShmAll != pgsz/1024 {
			tmp = ^uint64(0) - (^uint64(0) % (pgsz / 1024))
		}
		p.printSize(unitDefault, "max total shared memory (kbytes)", tmp, "\n", 0)
	} else {
		tmp := lim.ShmAll * pgsz
		if lim.ShmAll != 0 && tmp/lim.ShmAll != pgsz {
			tmp = ^uint64(0) - (^uint64(0) % pgsz)
		}
		p.printSize(unit, "max total shared memory", tmp, "\n", 0)
	}
	u = unit
	if u == unitDefault {
		u = unitBytes
	}
	p.printSize(u, "min seg size", 1, "\n", 0)
}

func (p *prog) ipcsShmStatus() {
	list, err := p.ipc.ShmList()
	if err != nil && errors.Is(err, ipc.ErrUnsupported) {
		p.puts("kernel not configured for shared memory\n")
		return
	}
	pgsz := uint64(os.Getpagesize())
	var pages, rss, swap uint64
	for _, s := range list {
		// the kernel charges each segment whole pages (ipc/shm.c newseg)
		pages += (s.Size + pgsz - 1) / pgsz
		if s.RSS != nil {
			rss += *s.RSS / pgsz
		}
		if s.Swap != nil {
			swap += *s.Swap / pgsz
		}
	}
	p.puts("------ Shared Memory Status --------\n")
	p.printf("segments allocated %d\npages allocated %d\npages resident  %d\npages swapped   %d\nSwap performance: %d attempts\t %d successes\n",
		len(list), pages, rss, swap, 0, 0)
}

func (p *prog) ipcsSem(format ipcsFormat) {
	switch format {
	case fmtLimits:
		lim, err := p.fs.SysvLimits()
		if err != nil {
			p.puts("unable to fetch semaphore limits\n")
			return
		}
		p.puts("------ Semaphore Limits --------\n")
		p.printf("max number of arrays = %d\n", int32(lim.SemMni))
		p.printf("max semaphores per array = %d\n", int32(lim.SemMsl))
		p.printf("max semaphores system wide = %d\n", int32(lim.SemMns))
		p.printf("max ops per semop call = %d\n", int32(lim.SemOpm))
		p.printf("semaphore max value = %d\n", 32767)
		return
	case fmtStatus:
		list, err := p.ipc.SemListStat()
		if err != nil && errors.Is(err, ipc.ErrUnsupported) {
			p.puts("kernel not configured for semaphores\n")
			return
		}
		var sems uint64
		for _, s := range list {
			sems += s.NSems
		}
		p.puts("------ Semaphore Status --------\n")
		p.printf("used arrays = %d\n", len(list))
		p.printf("allocated semaphores = %d\n", int32(sems))
		return
	case fmtCreator:
		p.puts("------ Semaphore Arrays Creators/Owners --------\n")
		p.puts("semid      perms      cuid       cgid       uid        gid       \n")
	case fmtTime:
		p.puts("------ Semaphore Operation/Change Times --------\n")
		p.puts("semid    owner      last-op                    last-changed              \n")
	case fmtPID:
		// ipcs prints nothing at all for semaphore PIDs
		return
	default:
		p.puts("------ Semaphore Arrays --------\n")
		p.puts("key        semid      owner      perms      nsems     \n")
	}
	list, err := p.ipc.SemListStat()
	if err != nil {
		return
	}
	b := p.row
	for _, s := range list {
		b = b[:0]
		switch format {
		case fmtCreator:
			b = p.appendPerms(b, s.ID, s.Mode, s.CUID, s.CGID, s.UID, s.GID)
		case fmtTime:
			b = p.appendOwner(appendPadInt(b, int64(s.ID), 8), s.UID)
			b = append(append(b, "  "...), longTime(unixSeconds(s.OTime))...)
			b = append(append(append(b, ' '), longTime(unixSeconds(s.CTime))...), '\n')
		default:
			b = append(appendKey(b, s.Key), ' ')
			b = p.appendOwner(appendPadInt(b, int64(s.ID), 10), s.UID)
			b = appendPadOctal(append(b, ' '), s.Mode&0o777, 10)
			b = append(appendPadUint(append(b, ' '), s.NSems, 10), '\n')
		}
		p.out.Write(b)
	}
	p.row = b
}

func (p *prog) ipcsMsg(format ipcsFormat, unit sizeUnit) {
	switch format {
	case fmtLimits:
		lim, err := p.fs.SysvLimits()
		if err != nil {
			p.puts("unable to fetch message limits\n")
			return
		}
		u := unit
		if u == unitDefault {
			u = unitBytes
		}
		p.puts("------ Messages Limits --------\n")
		p.printf("max queues system wide = %d\n", int32(lim.MsgMni))
		p.printSize(u, "max size of message", lim.MsgMax, "\n", 0)
		p.printSize(u, "default max size of queue", uint64(int32(lim.MsgMnb)), "\n", 0)
		return
	case fmtStatus:
		list, err := p.ipc.MsgListStat()
		if err != nil && errors.Is(err, ipc.ErrUnsupported) {
			p.puts("kernel not configured for message queues\n")
			return
		}
		var hdrs, bytes uint64
		for _, m := range list {
			hdrs += m.QNum
			bytes += m.CBytes
		}
		p.puts("------ Messages Status --------\n")
		p.printf("allocated queues = %d\n", len(list))
		p.printf("used headers = %d\n", int32(hdrs))
		end := "\n"
		if unit == unitDefault {
			end = " bytes\n"
		}
		p.printSize(unit, "used space", uint64(int32(bytes)), end, 0)
		return
	case fmtCreator:
		p.puts("------ Message Queues Creators/Owners --------\n")
		p.puts("msqid      perms      cuid       cgid       uid        gid       \n")
	case fmtTime:
		p.puts("------ Message Queues Send/Recv/Change Times --------\n")
		p.puts("msqid    owner      send                 recv                 change              \n")
	case fmtPID:
		p.puts("------ Message Queues PIDs --------\n")
		p.puts("msqid      owner      lspid      lrpid     \n")
	default:
		p.puts("------ Message Queues --------\n")
		size := "used-bytes"
		if unit == unitHuman {
			size = "size"
		}
		p.puts("key        msqid      owner      perms      " + ljust(size, 12) + " messages    \n")
	}
	list, err := p.ipc.MsgListStat()
	if err != nil {
		return
	}
	b := p.row
	for _, m := range list {
		b = b[:0]
		switch format {
		case fmtCreator:
			b = p.appendPerms(b, m.ID, m.Mode, m.CUID, m.CGID, m.UID, m.GID)
		case fmtTime:
			b = p.appendOwner(appendPadInt(b, int64(m.ID), 8), m.UID)
			b = appendTimeShort(append(b, ' '), unixSeconds(m.STime))
			b = appendTimeShort(append(b, ' '), unixSeconds(m.RTime))
			b = append(appendTimeShort(append(b, ' '), unixSeconds(m.CTime)), '\n')
		case fmtPID:
			b = p.appendOwner(appendPadInt(b, int64(m.ID), 8), m.UID)
			b = appendRjust(append(b, "  "...), itoa(int64(int32(m.LSPID))), 5)
			b = append(appendRjust(append(b, "     "...), itoa(int64(int32(m.LRPID))), 5), '\n')
		default:
			b = append(appendKey(b, m.Key), ' ')
			b = p.appendOwner(appendPadInt(b, int64(m.ID), 10), m.UID)
			b = append(appendPadOctal(append(b, ' '), m.Mode&0o777, 10), ' ')
			if unit == unitHuman {
				b = append(appendRjust(b, humanSize(m.CBytes), 6), "      "...)
			} else {
				b = appendPadUint(b, m.CBytes, 12)
			}
			b = append(appendPadUint(append(b, ' '), m.QNum, 12), '\n')
		}
		p.out.Write(b)
	}
	p.row = b
}

// The -i details. A negative id names no object: util-linux 2.38.1 shows
// the first object instead (and crashes for semaphores); here it is "not
// found" (docs/compat.md).

func (p *prog) ipcsShmDetails(id int32, unit sizeUnit) {
	s, err := p.ipc.ShmStat(int(id))
	if err != nil || id < 0 {
		p.warnx("id %d not found", id)
		return
	}
	p.printf("\nShared memory Segment shmid=%d\n", id)
	p.printf("uid=%d\tgid=%d\tcuid=%d\tcgid=%d\n", s.UID, s.GID, s.CUID, s.CGID)
	p.printf("mode=%s\taccess_perms=%s\n", octalAlt(s.Mode), octalAlt(s.Mode&0o777))
	label := "bytes="
	if unit == unitHuman {
		label = "size="
	}
	p.printSize(unit, label, s.Size, "\t", 0)
	p.printf("lpid=%d\tcpid=%d\tnattch=%d\n", uint32(s.LPID), uint32(s.CPID), int64(s.Nattch))
	p.printf("att_time=%s\n", longTime(unixSeconds(s.ATime)))
	p.printf("det_time=%s\n", longTime(unixSeconds(s.DTime)))
	p.printf("change_time=%s\n", ljust(cut(ctime(unixSeconds(s.CTime)), 24), 26))
	p.puts("\n")
}

func (p *prog) ipcsMsgDetails(id int32, unit sizeUnit) {
	m, err := p.ipc.MsgStat(int(id))
	if err != nil || id < 0 {
		p.warnx("id %d not found", id)
		return
	}
	// ipcs asks IPC_STAT, and shows 0 when it is refused (the listing's
	// MSG_STAT_ANY would tell, but ipcs does not ask it).
	var qbytes uint64
	if q, err := ipc.MsgQBytes(m.ID); err == nil {
		qbytes = q
	}
	p.printf("\nMessage Queue msqid=%d\n", id)
	p.printf("uid=%d\tgid=%d\tcuid=%d\tcgid=%d\tmode=%s\n", m.UID, m.GID, m.CUID, m.CGID, octalAlt(m.Mode))
	cl, ql := "cbytes=", "qbytes="
	if unit == unitHuman {
		cl, ql = "csize=", "qsize="
	}
	p.printSize(unit, cl, m.CBytes, "\t", 0)
	p.printSize(unit, ql, qbytes, "\t", 0)
	p.printf("qnum=%d\tlspid=%d\tlrpid=%d\n", int64(m.QNum), int32(m.LSPID), int32(m.LRPID))
	p.printf("send_time=%s\n", longTime(unixSeconds(m.STime)))
	p.printf("rcv_time=%s\n", longTime(unixSeconds(m.RTime)))
	p.printf("change_time=%s\n", longTime(unixSeconds(m.CTime)))
	p.puts("\n")
}

func (p *prog) ipcsSemDetails(id int32) {
	var set *ipc.Sem
	if id >= 0 {
		list, err := p.ipc.SemList()
		if err == nil {
			for i := range list {
				if list[i].ID == int(id) {
					set = &list[i]
					break
				}
			}
		}
	}
	if set == nil {
		p.warnx("id %d not found", id)
		return
	}
	// util-linux reads the values before printing anything and exits on failure
	vals, err := ipc.SemValues(set.ID, int(set.NSems))
	if err != nil {
		var errno unix.Errno
		if !errors.As(err, &errno) {
			errno = unix.EINVAL
		}
		p.err(1, errno, "%s failed", "semctl(GETVAL)")
	}
	p.printf("\nSemaphore Array semid=%d\n", id)
	p.printf("uid=%d\t gid=%d\t cuid=%d\t cgid=%d\n", set.UID, set.GID, set.CUID, set.CGID)
	p.printf("mode=%s, access_perms=%s\n", octalAlt(set.Mode), octalAlt(set.Mode&0o777))
	p.printf("nsems = %d\n", set.NSems)
	p.printf("otime = %s\n", longTime(unixSeconds(set.OTime)))
	p.printf("ctime = %s\n", ljust(cut(ctime(unixSeconds(set.CTime)), 24), 26))
	p.puts("semnum     value      ncount     zcount     pid       \n")
	for i, v := range vals {
		p.printf("%-10d %-10d %-10d %-10d %-10d\n", i, v.Value, v.NCnt, v.ZCnt, v.PID)
	}
	p.puts("\n")
}

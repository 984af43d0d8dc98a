package procfs

import (
	"fmt"
	"strconv"
)

// The /proc/sysvipc files are tables with a header line. Columns are found
// by header name, never by position: the shm file has had 14 to 16 columns
// (rss and swap came in 2.6.x), and the kernel may add more.

// SysvShm is one line of /proc/sysvipc/shm.
type SysvShm struct {
	Key                  int32  // key_t, printed signed
	ID                   int    // shmid
	Mode                 uint32 // perms column: permission bits plus SHM_DEST (01000), SHM_LOCKED (02000)
	Size                 uint64 // bytes
	CPID, LPID           int
	Nattch               uint64
	UID, GID, CUID, CGID uint32
	ATime, DTime, CTime  int64   // seconds since the epoch; 0 = never
	RSS, Swap            *uint64 // bytes; nil on kernels without these columns
}

// SysvSem is one line of /proc/sysvipc/sem.
type SysvSem struct {
	Key                  int32
	ID                   int
	Mode                 uint32
	NSems                uint64
	UID, GID, CUID, CGID uint32
	OTime, CTime         int64
}

// SysvMsg is one line of /proc/sysvipc/msg.
type SysvMsg struct {
	Key                  int32
	ID                   int
	Mode                 uint32
	CBytes, QNum         uint64
	LSPID, LRPID         int
	UID, GID, CUID, CGID uint32
	STime, RTime, CTime  int64
}

const (
	sysvShmFile = "proc/sysvipc/shm"
	sysvSemFile = "proc/sysvipc/sem"
	sysvMsgFile = "proc/sysvipc/msg"
)

// SysvShm lists System V shared memory segments from /proc/sysvipc/shm.
func (f FS) SysvShm() ([]SysvShm, error) {
	out := []SysvShm{}
	err := f.SysvShmEach(func(s *SysvShm) error { out = append(out, *s); return nil })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SysvSem lists System V semaphore sets from /proc/sysvipc/sem.
func (f FS) SysvSem() ([]SysvSem, error) {
	out := []SysvSem{}
	err := f.SysvSemEach(func(s *SysvSem) error { out = append(out, *s); return nil })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SysvMsg lists System V message queues from /proc/sysvipc/msg.
func (f FS) SysvMsg() ([]SysvMsg, error) {
	out := []SysvMsg{}
	err := f.SysvMsgEach(func(m *SysvMsg) error { out = append(out, *m); return nil })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// The *Each methods stream a /proc/sysvipc file through a small buffer
// and call fn with each row in turn, so that a listing of tens of
// thousands of objects is never held in memory, as text or as rows. fn
// gets the same struct every time, overwritten for the next row, and
// copies what it keeps; the RSS and Swap values a row points to are never
// overwritten, so a copy of the struct may be kept as it is. An error
// from fn ends the listing and is returned as it is.

// SysvShmEach calls fn with each line of /proc/sysvipc/shm.
func (f FS) SysvShmEach(fn func(*SysvShm) error) error {
	return f.eachLine(sysvShmFile, func(lr *lineReader) error { return eachShm(lr, fn) })
}

// SysvSemEach calls fn with each line of /proc/sysvipc/sem.
func (f FS) SysvSemEach(fn func(*SysvSem) error) error {
	return f.eachLine(sysvSemFile, func(lr *lineReader) error { return eachSem(lr, fn) })
}

// SysvMsgEach calls fn with each line of /proc/sysvipc/msg.
func (f FS) SysvMsgEach(fn func(*SysvMsg) error) error {
	return f.eachLine(sysvMsgFile, func(lr *lineReader) error { return eachMsg(lr, fn) })
}

// ParseSysvShm parses the content of /proc/sysvipc/shm.
func ParseSysvShm(b []byte) ([]SysvShm, error) {
	lr := bytesLines(b)
	out := make([]SysvShm, 0, lr.rowsHint())
	if err := eachShm(lr, func(s *SysvShm) error { out = append(out, *s); return nil }); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseSysvSem parses the content of /proc/sysvipc/sem.
func ParseSysvSem(b []byte) ([]SysvSem, error) {
	lr := bytesLines(b)
	out := make([]SysvSem, 0, lr.rowsHint())
	if err := eachSem(lr, func(s *SysvSem) error { out = append(out, *s); return nil }); err != nil {
		return nil, err
	}
	return out, nil
}

// ParseSysvMsg parses the content of /proc/sysvipc/msg.
func ParseSysvMsg(b []byte) ([]SysvMsg, error) {
	lr := bytesLines(b)
	out := make([]SysvMsg, 0, lr.rowsHint())
	if err := eachMsg(lr, func(m *SysvMsg) error { out = append(out, *m); return nil }); err != nil {
		return nil, err
	}
	return out, nil
}

// The columns each file must have, in the order the row parsers address them.
var (
	shmCols = []string{"key", "shmid", "perms", "size", "cpid", "lpid",
		"nattch", "uid", "gid", "cuid", "cgid", "atime", "dtime", "ctime"}
	semCols = []string{"key", "semid", "perms", "nsems",
		"uid", "gid", "cuid", "cgid", "otime", "ctime"}
	msgCols = []string{"key", "msqid", "perms", "cbytes", "qnum",
		"lspid", "lrpid", "uid", "gid", "cuid", "cgid", "stime", "rtime", "ctime"}
)

func eachShm(lr *lineReader, fn func(*SysvShm) error) error {
	t, err := newSysvTable(sysvShmFile, lr, shmCols)
	if err != nil {
		return err
	}
	rssCol, swapCol := t.optional("rss"), t.optional("swap")
	var slab uintSlab
	if rssCol >= 0 && swapCol >= 0 {
		slab.hint = 2 * lr.rowsHint()
	} else {
		slab.hint = lr.rowsHint()
	}
	var s SysvShm
	for t.next() {
		s.Key = t.key(0)
		s.ID = t.id(1)
		s.Mode = t.perms(2)
		s.Size = t.uint(3)
		s.CPID, s.LPID = t.pid(4), t.pid(5)
		s.Nattch = t.uint(6)
		s.UID, s.GID, s.CUID, s.CGID = t.uid(7), t.uid(8), t.uid(9), t.uid(10)
		s.ATime, s.DTime, s.CTime = t.time(11), t.time(12), t.time(13)
		s.RSS, s.Swap = nil, nil
		if rssCol >= 0 {
			s.RSS = slab.put(t.uintAt(rssCol))
		}
		if swapCol >= 0 {
			s.Swap = slab.put(t.uintAt(swapCol))
		}
		if t.err != nil {
			return t.err
		}
		if err := fn(&s); err != nil {
			return err
		}
	}
	return t.err
}

func eachSem(lr *lineReader, fn func(*SysvSem) error) error {
	t, err := newSysvTable(sysvSemFile, lr, semCols)
	if err != nil {
		return err
	}
	var s SysvSem
	for t.next() {
		s.Key = t.key(0)
		s.ID = t.id(1)
		s.Mode = t.perms(2)
		s.NSems = t.uint(3)
		s.UID, s.GID, s.CUID, s.CGID = t.uid(4), t.uid(5), t.uid(6), t.uid(7)
		s.OTime, s.CTime = t.time(8), t.time(9)
		if t.err != nil {
			return t.err
		}
		if err := fn(&s); err != nil {
			return err
		}
	}
	return t.err
}

func eachMsg(lr *lineReader, fn func(*SysvMsg) error) error {
	t, err := newSysvTable(sysvMsgFile, lr, msgCols)
	if err != nil {
		return err
	}
	var m SysvMsg
	for t.next() {
		m.Key = t.key(0)
		m.ID = t.id(1)
		m.Mode = t.perms(2)
		m.CBytes, m.QNum = t.uint(3), t.uint(4)
		m.LSPID, m.LRPID = t.pid(5), t.pid(6)
		m.UID, m.GID, m.CUID, m.CGID = t.uid(7), t.uid(8), t.uid(9), t.uid(10)
		m.STime, m.RTime, m.CTime = t.time(11), t.time(12), t.time(13)
		if t.err != nil {
			return t.err
		}
		if err := fn(&m); err != nil {
			return err
		}
	}
	return t.err
}

// uintSlab hands out pointers to values kept in chunks that are never
// moved or overwritten: one allocation per chunk, not one per value.
type uintSlab struct {
	chunk []uint64
	hint  int // how many values to expect; caps the first chunk
}

func (s *uintSlab) put(v uint64) *uint64 {
	if len(s.chunk) == cap(s.chunk) {
		n := 1024
		if s.hint > 0 && s.hint < n {
			n = s.hint
		}
		s.chunk = make([]uint64, 0, n)
	}
	s.chunk = append(s.chunk, v)
	return &s.chunk[len(s.chunk)-1]
}

// sysvTable walks the lines of a /proc/sysvipc file. Required columns are
// addressed by their position in the want list; cols maps them to the
// position in the file.
type sysvTable struct {
	file   string
	lines  *lineReader
	ncols  int
	cols   []int    // want index -> field index
	header []string // column names, copied out of the reader's buffer
	fields [][]byte
	err    error
}

func newSysvTable(file string, lr *lineReader, want []string) (*sysvTable, error) {
	t := &sysvTable{file: file, lines: lr}
	var head [][]byte
	for len(head) == 0 {
		l, ok := lr.next()
		if !ok {
			if lr.err != nil {
				return nil, lr.err
			}
			return nil, &ParseError{File: file, Msg: "no header line"}
		}
		head = splitFields(nil, l)
	}
	t.header = make([]string, len(head))
	for i, h := range head {
		t.header[i] = string(h)
	}
	t.ncols = len(t.header)
	t.cols = make([]int, len(want))
	for i, name := range want {
		t.cols[i] = t.optional(name)
		if t.cols[i] < 0 {
			return nil, &ParseError{File: file, Line: lr.line, Msg: fmt.Sprintf("header has no %q column", name)}
		}
	}
	t.fields = make([][]byte, 0, t.ncols)
	return t, nil
}

func (t *sysvTable) optional(name string) int {
	for i, h := range t.header {
		if h == name {
			return i
		}
	}
	return -1
}

// next advances to the next non-blank line and splits it into fields.
func (t *sysvTable) next() bool {
	for t.err == nil {
		l, ok := t.lines.next()
		if !ok {
			t.err = t.lines.err
			return false
		}
		t.fields = splitFields(t.fields[:0], l)
		if len(t.fields) == 0 {
			continue
		}
		if len(t.fields) != t.ncols {
			t.fail("", fmt.Sprintf("%d fields, header has %d", len(t.fields), t.ncols))
			return false
		}
		return true
	}
	return false
}

func splitFields(dst [][]byte, l []byte) [][]byte {
	i := 0
	for i < len(l) {
		for i < len(l) && (l[i] == ' ' || l[i] == '\t' || l[i] == '\r') {
			i++
		}
		j := i
		for j < len(l) && l[j] != ' ' && l[j] != '\t' && l[j] != '\r' {
			j++
		}
		if j > i {
			dst = append(dst, l[i:j])
		}
		i = j
	}
	return dst
}

func (t *sysvTable) fail(col, msg string) {
	if t.err != nil {
		return
	}
	if col != "" {
		msg = col + ": " + msg
	}
	t.err = &ParseError{File: t.file, Line: t.lines.line, Msg: msg}
}

func (t *sysvTable) field(i int) []byte { return t.fields[t.cols[i]] }

func (t *sysvTable) parseUint(f []byte, col int, bits int) uint64 {
	v, ok := atou(f)
	if !ok || (bits < 64 && v>>uint(bits) != 0) {
		t.fail(t.header[col], fmt.Sprintf("not an unsigned %d-bit number: %q", bits, truncate(string(f))))
	}
	return v
}

func (t *sysvTable) uint(i int) uint64 { return t.parseUint(t.field(i), t.cols[i], 64) }

func (t *sysvTable) uintAt(col int) uint64 { return t.parseUint(t.fields[col], col, 64) }

func (t *sysvTable) uid(i int) uint32 { return uint32(t.parseUint(t.field(i), t.cols[i], 32)) }

// id and pid are non-negative C ints.
func (t *sysvTable) id(i int) int { return int(t.parseUint(t.field(i), t.cols[i], 31)) }

func (t *sysvTable) pid(i int) int { return int(t.parseUint(t.field(i), t.cols[i], 31)) }

// key is printed as a signed int; accept the unsigned spelling too and
// return the same 32 bits either way.
func (t *sysvTable) key(i int) int32 {
	f := t.field(i)
	v, err := strconv.ParseInt(string(f), 10, 64)
	if err != nil || v < -1<<31 || v > 1<<32-1 {
		t.fail("key", fmt.Sprintf("not a 32-bit key: %q", truncate(string(f))))
		return 0
	}
	return int32(uint32(v))
}

// perms is octal.
func (t *sysvTable) perms(i int) uint32 {
	f := t.field(i)
	v, err := strconv.ParseUint(string(f), 8, 32)
	if err != nil {
		t.fail("perms", fmt.Sprintf("not octal permissions: %q", truncate(string(f))))
	}
	return uint32(v)
}

// time is seconds since the epoch; kernels print it unsigned.
func (t *sysvTable) time(i int) int64 {
	f := t.field(i)
	v, err := strconv.ParseInt(string(f), 10, 64)
	if err != nil {
		t.fail(t.header[t.cols[i]], fmt.Sprintf("not a time: %q", truncate(string(f))))
	}
	return v
}

// atou parses an unsigned decimal without allocating.
func atou(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func ptr64(v uint64) *uint64 { return &v }

// Headers as different kernels print them.
const (
	shmHead14 = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime\n"
	shmHead15 = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss\n"
	shmHead16 = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n"
	semHead   = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n"
	msgHead   = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n"
)

func TestParseSysvShm(t *testing.T) {
	base := SysvShm{Key: 1508647886, ID: 0, Mode: 0o644, Size: 4096, CPID: 11774, Nattch: 0, CTime: 1795460454}
	with := func(f func(*SysvShm)) SysvShm { s := base; f(&s); return s }
	const row14 = "1508647886          0   644                  4096 11774     0      0     0     0     0     0          0          0 1795460454"
	for _, tc := range []struct {
		name string
		in   string
		want []SysvShm
		err  string // substring of the error; "" = success
	}{
		{name: "16 columns", in: shmHead16 + row14 + " 8192 4096\n",
			want: []SysvShm{with(func(s *SysvShm) { s.RSS, s.Swap = ptr64(8192), ptr64(4096) })}},
		{name: "15 columns rss only", in: shmHead15 + row14 + " 8192\n",
			want: []SysvShm{with(func(s *SysvShm) { s.RSS = ptr64(8192) })}},
		{name: "14 columns: rss and swap absent", in: shmHead14 + row14 + "\n", want: []SysvShm{base}},
		{name: "no trailing newline", in: shmHead14 + row14, want: []SysvShm{base}},
		{name: "header only", in: shmHead16, want: []SysvShm{}},
		{name: "blank lines everywhere", in: "\n  \n" + shmHead14 + "\n" + row14 + "\n\n \t\n" + row14 + "\n\n",
			want: []SysvShm{base, base}},
		{name: "CRLF line ends", in: strings.ReplaceAll(shmHead16+row14+" 1 2\n", "\n", "\r\n"),
			want: []SysvShm{with(func(s *SysvShm) { s.RSS, s.Swap = ptr64(1), ptr64(2) })}},
		{name: "tabs between fields", in: strings.ReplaceAll(shmHead14+row14, " ", "\t"), want: []SysvShm{base}},
		{name: "extra unknown columns", in: strings.TrimSuffix(shmHead16, "\n") + " future other\n" + row14 + " 1 2 77 x\n",
			want: []SysvShm{with(func(s *SysvShm) { s.RSS, s.Swap = ptr64(1), ptr64(2) })}},
		{name: "reordered columns",
			in: "swap shmid size key perms cpid lpid nattch uid gid cuid cgid atime dtime ctime rss\n" +
				"5 7 100 -1 1644 1 2 3 1000 1001 1002 1003 10 20 30 6\n",
			want: []SysvShm{{Key: -1, ID: 7, Mode: 0o1644, Size: 100, CPID: 1, LPID: 2, Nattch: 3,
				UID: 1000, GID: 1001, CUID: 1002, CGID: 1003, ATime: 10, DTime: 20, CTime: 30, RSS: ptr64(6), Swap: ptr64(5)}}},
		{name: "dest and locked mode bits", in: shmHead14 + strings.Replace(row14, "   644 ", "  3600 ", 1) + "\n",
			want: []SysvShm{with(func(s *SysvShm) { s.Mode = 0o3600 })}},
		{name: "huge sizes", in: shmHead16 + setField(row14, 3, "18446744073709551615") +
			" 18446744073709551615 18446744073709551615\n",
			want: []SysvShm{with(func(s *SysvShm) {
				s.Size, s.RSS, s.Swap = 1<<64-1, ptr64(1<<64-1), ptr64(1<<64-1)
			})}},
		{name: "negative key -1 is 0xffffffff", in: shmHead14 + strings.Replace(row14, "1508647886", "-1", 1),
			want: []SysvShm{with(func(s *SysvShm) { s.Key = -1 })}},
		{name: "most negative key", in: shmHead14 + strings.Replace(row14, "1508647886", "-2147483648", 1),
			want: []SysvShm{with(func(s *SysvShm) { s.Key = -1 << 31 })}},
		{name: "unsigned key spelling", in: shmHead14 + strings.Replace(row14, "1508647886", "4294967295", 1),
			want: []SysvShm{with(func(s *SysvShm) { s.Key = -1 })}},
		{name: "max uid", in: shmHead14 + setField(row14, 7, "4294967295"),
			want: []SysvShm{with(func(s *SysvShm) { s.UID = 1<<32 - 1 })}},

		{name: "empty file", in: "", err: "proc/sysvipc/shm: no header line"},
		{name: "only blank lines", in: "\n\r\n  \n", err: "no header line"},
		{name: "garbage", in: "hello world\nfoo bar\n", err: `proc/sysvipc/shm:1: header has no "key" column`},
		{name: "header missing a column", in: strings.Replace(shmHead14, "nattch", "natt", 1) + row14, err: `header has no "nattch" column`},
		{name: "short line", in: shmHead14 + row14 + "\n1 2 3\n", err: "proc/sysvipc/shm:3: 3 fields, header has 14"},
		{name: "long line", in: shmHead14 + row14 + " 9\n", err: "proc/sysvipc/shm:2: 15 fields, header has 14"},
		{name: "size overflows uint64", in: shmHead14 + setField(row14, 3, "18446744073709551616"),
			err: `proc/sysvipc/shm:2: size: not an unsigned 64-bit number: "18446744073709551616"`},
		{name: "rss overflows uint64", in: shmHead15 + row14 + " 99999999999999999999999\n",
			err: `proc/sysvipc/shm:2: rss: not an unsigned 64-bit number`},
		{name: "key above 32 bits", in: shmHead14 + strings.Replace(row14, "1508647886", "4294967296", 1),
			err: `proc/sysvipc/shm:2: key: not a 32-bit key: "4294967296"`},
		{name: "key below 32 bits", in: shmHead14 + strings.Replace(row14, "1508647886", "-2147483649", 1),
			err: `key: not a 32-bit key`},
		{name: "key not a number", in: shmHead14 + strings.Replace(row14, "1508647886", "0x1234", 1), err: `key: not a 32-bit key: "0x1234"`},
		{name: "uid above 32 bits", in: shmHead14 + setField(row14, 7, "4294967296"),
			err: `uid: not an unsigned 32-bit number`},
		{name: "id above int32", in: shmHead14 + setField(row14, 1, "2147483648"),
			err: `shmid: not an unsigned 31-bit number`},
		{name: "negative pid", in: shmHead14 + strings.Replace(row14, "11774", "-5", 1), err: `cpid: not an unsigned 31-bit number`},
		{name: "perms not octal", in: shmHead14 + strings.Replace(row14, "   644 ", "   648 ", 1), err: `perms: not octal permissions: "648"`},
		{name: "time not a number", in: shmHead14 + strings.Replace(row14, "1795460454", "soon", 1), err: `ctime: not a time: "soon"`},
		{name: "error names the line after blank lines", in: shmHead14 + "\n\n" + row14 + "\nbad\n", err: "proc/sysvipc/shm:5:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSysvShm([]byte(tc.in))
			checkParse(t, got, err, tc.want, tc.err)
		})
	}
}

func TestParseSysvSem(t *testing.T) {
	const row = "-611951777          0   644          2     0     0     0     0          0 1795460454"
	base := SysvSem{Key: -611951777, Mode: 0o644, NSems: 2, CTime: 1795460454}
	for _, tc := range []struct {
		name string
		in   string
		want []SysvSem
		err  string
	}{
		{name: "kernel 6.x", in: semHead + row + "\n", want: []SysvSem{base}},
		{name: "CRLF and blank lines", in: "\r\n" + strings.ReplaceAll(semHead+row+"\n\n", "\n", "\r\n"), want: []SysvSem{base}},
		{name: "unsigned key spelling", in: semHead + strings.Replace(row, "-611951777", "3683015519", 1), want: []SysvSem{base}},
		{name: "reordered with unknown column",
			in:   "semid key extra perms nsems uid gid cuid cgid otime ctime\n3 5 zz 600 250 1 2 3 4 5 6\n",
			want: []SysvSem{{Key: 5, ID: 3, Mode: 0o600, NSems: 250, UID: 1, GID: 2, CUID: 3, CGID: 4, OTime: 5, CTime: 6}}},
		{name: "huge nsems", in: semHead + strings.Replace(row, "         2 ", " 18446744073709551615 ", 1),
			want: []SysvSem{func() SysvSem { s := base; s.NSems = 1<<64 - 1; return s }()}},
		{name: "nsems overflows", in: semHead + strings.Replace(row, "         2 ", " 18446744073709551616 ", 1),
			err: "proc/sysvipc/sem:2: nsems: not an unsigned 64-bit number"},
		{name: "short line", in: semHead + "1 2 3\n", err: "proc/sysvipc/sem:2: 3 fields, header has 10"},
		{name: "shm header in sem file", in: shmHead14, err: `proc/sysvipc/sem:1: header has no "semid" column`},
		{name: "key out of range", in: semHead + strings.Replace(row, "-611951777", "99999999999", 1), err: "key: not a 32-bit key"},
		{name: "empty", in: "", err: "proc/sysvipc/sem: no header line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSysvSem([]byte(tc.in))
			checkParse(t, got, err, tc.want, tc.err)
		})
	}
}

func TestParseSysvMsg(t *testing.T) {
	const row = " 441322269          0   644           0          0     0     0     0     0     0     0          0          0 1795460454"
	base := SysvMsg{Key: 441322269, Mode: 0o644, CTime: 1795460454}
	for _, tc := range []struct {
		name string
		in   string
		want []SysvMsg
		err  string
	}{
		{name: "kernel 6.x", in: msgHead + row + "\n", want: []SysvMsg{base}},
		{name: "two rows and blank lines", in: msgHead + "\n" + row + "\n \n" + row + "\n", want: []SysvMsg{base, base}},
		{name: "busy queue",
			in: msgHead + "        -1         32  1666     18446744073709551615         7   100   200  1000  1000     0     0  11  12  13\n",
			want: []SysvMsg{{Key: -1, ID: 32, Mode: 0o1666, CBytes: 1<<64 - 1, QNum: 7, LSPID: 100, LRPID: 200,
				UID: 1000, GID: 1000, STime: 11, RTime: 12, CTime: 13}}},
		{name: "cbytes overflows", in: msgHead + strings.Replace(row, "           0          0", " 18446744073709551616 0", 1),
			err: "proc/sysvipc/msg:2: cbytes: not an unsigned 64-bit number"},
		{name: "garbage line", in: msgHead + "this is not a queue but has fourteen fields ok ok ok ok ok\n",
			err: `proc/sysvipc/msg:2: key: not a 32-bit key: "this"`},
		{name: "short line", in: msgHead + row[:40] + "\n", err: "proc/sysvipc/msg:2:"},
		{name: "sem header in msg file", in: semHead, err: `header has no "msqid" column`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSysvMsg([]byte(tc.in))
			checkParse(t, got, err, tc.want, tc.err)
		})
	}
}

func checkParse[T any](t *testing.T, got []T, err error, want []T, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil {
			t.Fatalf("no error, want %q; got %+v", wantErr, got)
		}
		if !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %q, want it to contain %q", err, wantErr)
		}
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrParse) {
			t.Fatalf("error %T is not a *ParseError wrapping ErrParse", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("error: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

// setField replaces field i of a whitespace-separated line.
func setField(line string, i int, v string) string {
	f := strings.Fields(line)
	f[i] = v
	return strings.Join(f, " ")
}

// A listing larger than readLarge's first buffer is read whole.
func TestSysvShmLargeFile(t *testing.T) {
	const n = 3000
	var b strings.Builder
	b.WriteString(shmHead16)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%10d %10d  644 %21d 1 0 0 0 0 0 0 0 0 1795460454 %21d 0\n", i, i, 4096, i)
	}
	if b.Len() <= 128<<10 {
		t.Fatalf("fixture of %d bytes does not exceed the first buffer", b.Len())
	}
	rows, err := writeFixtureTree(t, map[string]string{"proc/sysvipc/shm": b.String()}).SysvShm()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n || rows[n-1].ID != n-1 || *rows[n-1].RSS != n-1 || *rows[0].Swap != 0 {
		t.Fatalf("%d rows, last %+v", len(rows), rows[len(rows)-1])
	}
}

// Streaming gives the rows ParseSysv* gives, however the reads split the
// file: a byte at a time, lines longer than the buffer, no final newline.
func TestSysvStreamMatchesParse(t *testing.T) {
	const row = "1508647886          0   644                  4096 11774     0      0     0     0     0     0          0          0 1795460454 8192 4096"
	var b strings.Builder
	b.WriteString("\n" + shmHead16)
	for i := 0; i < 50; i++ {
		b.WriteString(setField(row, 1, fmt.Sprint(i)) + "\n")
		if i%7 == 0 {
			b.WriteString("  \n")
		}
	}
	b.WriteString(strings.Repeat(" ", 3*lineBufSize) + setField(row, 1, "50")) // longer than the buffer, no newline
	in := []byte(b.String())
	want, err := ParseSysvShm(in)
	if err != nil || len(want) != 51 {
		t.Fatalf("ParseSysvShm: %d rows, %v", len(want), err)
	}
	for name, r := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(bytes.NewReader(in)),
		"half":     iotest.HalfReader(bytes.NewReader(in)),
		"whole":    bytes.NewReader(in),
	} {
		t.Run(name, func(t *testing.T) {
			lr := &lineReader{r: r, buf: make([]byte, 100)}
			var got []SysvShm
			err := eachShm(lr, func(s *SysvShm) error { got = append(got, *s); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("streamed rows differ:\ngot  %+v\nwant %+v", got[len(got)-1], want[len(want)-1])
			}
		})
	}
	// A read error ends the listing with that error, not a parse error.
	lr := &lineReader{r: iotest.TimeoutReader(iotest.HalfReader(bytes.NewReader(in))), buf: make([]byte, 4096)}
	if err := eachShm(lr, func(*SysvShm) error { return nil }); !errors.Is(err, iotest.ErrTimeout) {
		t.Fatalf("read error: got %v, want %v", err, iotest.ErrTimeout)
	}
	// An error from the callback stops the listing at once.
	stop := errors.New("stop")
	n := 0
	err = eachShm(bytesLines(in), func(*SysvShm) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("callback error: got %v after %d rows", err, n)
	}
}

package procfs

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The fuzz targets check that parsers never panic, that every failure is a
// *ParseError, and that what parses survives a round trip: rendered back in
// the kernel's format, it parses to the same values. The seeds (here and in
// testdata/fuzz) run as ordinary tests; fuzz with `make fuzz`.

func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, ErrParse) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if pe.File == "" {
		t.Fatalf("error %v names no file", err)
	}
}

func FuzzParseSysvShm(f *testing.F) {
	row := "1508647886 0 644 4096 11774 0 0 0 0 0 0 0 0 1795460454"
	addSeeds(f, shmHead16+row+" 0 0\n", shmHead15+row+" 8192\n", shmHead14+row+"\n",
		shmHead14+"-1 5 3600 18446744073709551615 1 2 3 4 5 6 7 8 9 10\r\n", "", "\n\n", "key\n1\n")
	fuzzRoundTrip(f, ParseSysvShm, renderShm)
}

func FuzzParseSysvSem(f *testing.F) {
	addSeeds(f, semHead+"-611951777 0 644 2 0 0 0 0 0 1795460454\n",
		semHead+"4294967295 32767 1777 18446744073709551615 4294967295 1 2 3 4 5\n", "", semHead+"1 2\n")
	fuzzRoundTrip(f, ParseSysvSem, renderSem)
}

func FuzzParseSysvMsg(f *testing.F) {
	addSeeds(f, msgHead+"441322269 0 644 0 0 0 0 0 0 0 0 0 0 1795460454\n",
		msgHead+"-1 32 1666 18446744073709551615 7 100 200 1000 1000 0 0 11 12 13\r\n", "", msgHead+"\n\n")
	fuzzRoundTrip(f, ParseSysvMsg, renderMsg)
}

func FuzzSemLimitsRoundTrip(f *testing.F) {
	addSeeds(f, "32000\t1024000000\t500\t32000\n", "1 2 3\n", "18446744073709551615 0 0 0", "")
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseSemLimits(string(b))
		if err != nil {
			checkErr(t, err)
			return
		}
		again, err := ParseSemLimits(fmt.Sprintf("%d\t%d\t%d\t%d\n", v[0], v[1], v[2], v[3]))
		if err != nil || again != v {
			t.Fatalf("round trip: %v, %v; want %v", again, err, v)
		}
	})
}

func FuzzParseUint64File(f *testing.F) {
	addSeeds(f, "4096\n", "18446744073709551615\n", "18446744073709551616", "-1", " 7 \r\n", "")
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := parseUint64File("proc/sys/kernel/shmmax", b)
		if err != nil {
			checkErr(t, err)
			return
		}
		if again, err := parseUint64File("x", []byte(strconv.FormatUint(v, 10)+"\n")); err != nil || again != v {
			t.Fatalf("round trip: %d, %v; want %d", again, err, v)
		}
	})
}

// fuzzRoundTrip fuzzes a /proc/sysvipc parser: failures are *ParseError,
// and rows that parse, rendered back, parse to the same rows.
func fuzzRoundTrip[T any](f *testing.F, parse func([]byte) ([]T, error), render func([]T) []byte) {
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := parse(b)
		if err != nil {
			checkErr(t, err)
			return
		}
		again, err := parse(render(rows))
		if err != nil {
			t.Fatalf("re-rendered rows do not parse: %v", err)
		}
		if len(rows) > 0 && !reflect.DeepEqual(rows, again) {
			t.Fatalf("round trip changed rows:\n%+v\n%+v", rows, again)
		}
	})
}

// renderShm writes rows in the kernel's /proc/sysvipc/shm layout, with the
// rss and swap columns when the rows have them.
func renderShm(rows []SysvShm) []byte {
	var b strings.Builder
	b.WriteString("key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime")
	hasRSS := len(rows) > 0 && rows[0].RSS != nil
	hasSwap := len(rows) > 0 && rows[0].Swap != nil
	if hasRSS {
		b.WriteString(" rss")
	}
	if hasSwap {
		b.WriteString(" swap")
	}
	b.WriteByte('\n')
	for _, s := range rows {
		fmt.Fprintf(&b, "%d %d %o %d %d %d %d %d %d %d %d %d %d %d",
			s.Key, s.ID, s.Mode, s.Size, s.CPID, s.LPID, s.Nattch, s.UID, s.GID, s.CUID, s.CGID, s.ATime, s.DTime, s.CTime)
		if hasRSS {
			fmt.Fprintf(&b, " %d", *s.RSS)
		}
		if hasSwap {
			fmt.Fprintf(&b, " %d", *s.Swap)
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

func renderSem(rows []SysvSem) []byte {
	var b strings.Builder
	b.WriteString(semHead)
	for _, s := range rows {
		fmt.Fprintf(&b, "%d %d %o %d %d %d %d %d %d %d\n",
			s.Key, s.ID, s.Mode, s.NSems, s.UID, s.GID, s.CUID, s.CGID, s.OTime, s.CTime)
	}
	return []byte(b.String())
}

func renderMsg(rows []SysvMsg) []byte {
	var b strings.Builder
	b.WriteString(msgHead)
	for _, m := range rows {
		fmt.Fprintf(&b, "%d %d %o %d %d %d %d %d %d %d %d %d %d %d\n",
			m.Key, m.ID, m.Mode, m.CBytes, m.QNum, m.LSPID, m.LRPID, m.UID, m.GID, m.CUID, m.CGID, m.STime, m.RTime, m.CTime)
	}
	return []byte(b.String())
}

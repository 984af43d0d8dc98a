package table

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
)

// Render builds Later tables ahead on several Ps and in turn on one: both
// write the same tables, leave out a nil one, and end at a failed build
// with the tables before it written.
func TestRenderLaterTables(t *testing.T) {
	type row struct{ n int64 }
	cols := Columns[row]{{Name: "n", Type: Int, Value: func(r *row) Value { return IntV(r.n) }}}
	made := func(name string, n int) *Table {
		rows := make([]row, n)
		for i := range rows {
			rows[i].n = int64(i)
		}
		return cols.Build(name, "", rows)
	}
	boom := errors.New("boom")
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		var ok, failed bytes.Buffer
		// The first table is large enough to be collected after it is
		// written (largeTable cells), which must not lose the next.
		errOK := Render(&ok, Options{Format: Raw, NoHeadings: true},
			Later(func() (*Table, error) { return made("a", largeTable), nil }),
			Later(func() (*Table, error) { return nil, nil }),
			Later(func() (*Table, error) { return made("b", 2), nil }))
		errFailed := Render(&failed, Options{Format: Raw, NoHeadings: true},
			Later(func() (*Table, error) { return made("a", 1), nil }),
			Later(func() (*Table, error) { return nil, boom }),
			Later(func() (*Table, error) { t.Error("a table after a failed build was built"); return nil, nil }))
		runtime.GOMAXPROCS(prev)
		if errOK != nil {
			t.Fatalf("GOMAXPROCS %d: %v", procs, errOK)
		}
		if got, want := bytes.Count(ok.Bytes(), []byte("\n")), largeTable+2; got != want {
			t.Errorf("GOMAXPROCS %d: %d lines, want %d", procs, got, want)
		}
		if !bytes.HasSuffix(ok.Bytes(), []byte("\n0\n1\n")) {
			t.Errorf("GOMAXPROCS %d: the last table is not at the end", procs)
		}
		if !errors.Is(errFailed, boom) || failed.String() != "0\n" {
			t.Errorf("GOMAXPROCS %d: failed build gave %v and %q, want boom after the first table", procs, errFailed, failed.String())
		}
	}
}

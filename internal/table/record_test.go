package table

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"
)

type item struct {
	name string
	size uint64
	when time.Time
}

type part struct{ n, v int64 }

func testRecord(absent bool) *Table {
	cols := Columns[item]{
		{Name: "name", Type: String, Value: func(i *item) Value { return Str(i.name) }},
		{Name: "size", Right: true, Type: Size, Value: func(i *item) Value { return SizeV(i.size) }},
		{Name: "use_percent", Head: "USE%", Type: Percent, Value: func(i *item) Value { return PercentV(1, 3) }},
		{Name: "when", Type: Time, Value: func(i *item) Value { return TimeV(i.when) }},
	}
	rec := cols.Record("item", "Item a b", item{"a b", 2048, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	parts := Columns[part]{
		{Name: "n", Right: true, Type: Int, Value: func(p *part) Value { return IntV(p.n) }},
		{Name: "v", Right: true, Type: Int, Value: func(p *part) Value { return IntV(p.v) }},
	}
	t := parts.Build("parts", "Parts", []part{{0, 10}, {1, 200}})
	if absent {
		t = parts.Build("parts", "Parts", nil)
		t.Absent = true
	}
	rec.Nested = []*Table{t}
	return rec
}

func TestRenderRecord(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   Options
		absent bool
		want   string
	}{
		{"human", Options{Format: Human}, false, `------ Item a b ------
NAME  a b
SIZE  2K
USE%  33.33%
WHEN  2026-01-02 03:04:05

------ Parts ------
N   V
0  10
1 200
`},
		{"human-absent-noheadings-bytes", Options{Format: Human, NoHeadings: true, Bytes: true, TimeFormat: TimeISO}, true, `NAME  a b
SIZE  2048
USE%  33.33%
WHEN  2026-01-02T03:04:05Z

-
`},
		{"raw", Options{Format: Raw}, false, `NAME SIZE USE% WHEN
a\x20b 2048 33.33 2026-01-02T03:04:05Z
N V
0 10
1 200
`},
		{"export", Options{Format: Export}, false, `NAME="a b" SIZE="2048" USE_PERCENT="33.33" WHEN="2026-01-02T03:04:05Z"
N="0" V="10"
N="1" V="200"
`},
		{"json", Options{Format: JSON}, false, `{
  "name": "a b",
  "size": 2048,
  "use_percent": 33.33,
  "when": "2026-01-02T03:04:05Z",
  "parts": [
    {
      "n": 0,
      "v": 10
    },
    {
      "n": 1,
      "v": 200
    }
  ]
}
`},
		{"json-absent", Options{Format: JSON}, true, `{
  "name": "a b",
  "size": 2048,
  "use_percent": 33.33,
  "when": "2026-01-02T03:04:05Z",
  "parts": null
}
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Location = time.UTC
			var buf bytes.Buffer
			if err := Render(&buf, tc.opts, testRecord(tc.absent)); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", buf.String(), tc.want)
			}
			if tc.opts.Format == JSON && !json.Valid(buf.Bytes()) {
				t.Errorf("invalid JSON")
			}
		})
	}
}

func TestPercentV(t *testing.T) {
	for _, tc := range []struct {
		part, whole uint64
		want        string
	}{
		{0, 32000, "0.00"},
		{1, 4096, "0.02"}, // 0.0244 rounds down
		{1, 3, "33.33"},
		{2, 3, "66.67"},    // rounds half up
		{1, 20000, "0.01"}, // exactly half a hundredth
		{5, 5, "100.00"},
		{7, 5, "140.00"},
		{3, math.MaxUint64 - 16777216, "0.00"},
		{math.MaxUint64, math.MaxUint64, "100.00"},
	} {
		v := PercentV(tc.part, tc.whole)
		if got := string(AppendJSON(nil, v)); got != tc.want {
			t.Errorf("PercentV(%d, %d) = %s, want %s", tc.part, tc.whole, got, tc.want)
		}
	}
	if !PercentV(1, 0).Null {
		t.Errorf("PercentV(1, 0) is not null")
	}
}

func TestSelectDropsRepeats(t *testing.T) {
	cols := Columns[item]{
		{Name: "name", Default: true, Value: func(i *item) Value { return Str(i.name) }},
		{Name: "size", Value: func(i *item) Value { return SizeV(i.size) }},
	}
	for spec, want := range map[string]string{"+name,size": "name,size", "size,size,name": "size,name"} {
		sel, err := cols.Select(spec)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for i, n := range sel.Names() {
			if i > 0 {
				got += ","
			}
			got += n
		}
		if got != want {
			t.Errorf("Select(%q) = %s, want %s", spec, got, want)
		}
	}
}

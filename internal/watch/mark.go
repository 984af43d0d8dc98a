package watch

import (
	"slices"
	"time"

	"github.com/ipcctl/ipcctl/internal/table"
)

// mark compares a look with the last one, table by table (by name): rows
// are matched by their identity (see identity) and marked added or
// changed; rows that went away are added back at the end, marked gone,
// for this one frame. Records are compared field by field. The first look
// is marked only as such, with nothing flagged.
func mark(last, now []*table.Table) []*table.Table {
	out := make([]*table.Table, len(now))
	for i, t := range now {
		var before *table.Table
		for _, l := range last {
			if l.Name == t.Name {
				before = l
			}
		}
		out[i] = markTable(before, t, last != nil)
	}
	return out
}

func markTable(before, now *table.Table, compare bool) *table.Table {
	rows := now.Values()
	marks := make([]table.Mark, len(rows))
	if now.Vertical {
		marks = make([]table.Mark, len(now.Cols))
	}
	t := now.Marked(rows, marks)
	if !compare || before == nil || before.Absent || now.Absent {
		return t
	}
	old := before.Values()
	if t.Vertical {
		if len(rows) == 1 && len(old) == 1 {
			for i := range t.Cols {
				if i < len(old[0]) && table.Compare(rows[0][i], old[0][i]) != 0 {
					t.Marks[i] = table.Changed
				}
			}
		}
		return t
	}
	id := identity(t.Cols)
	byID := map[string][]table.Value{}
	for _, r := range old {
		byID[key(r, id)] = r
	}
	seen := map[string]bool{}
	for i, r := range rows {
		k := key(r, id)
		seen[k] = true
		switch prev, ok := byID[k]; {
		case !ok:
			t.Marks[i] = table.Added
		case !slices.EqualFunc(prev, r, func(a, b table.Value) bool { return table.Compare(a, b) == 0 }):
			t.Marks[i] = table.Changed
		}
	}
	for _, r := range old {
		if !seen[key(r, id)] {
			t.Rows = append(t.Rows, r)
			t.Marks = append(t.Marks, table.Gone)
		}
	}
	return t
}

// identity picks the columns that name a row: its id, else its name,
// else its resource (limits), else all of them.
func identity(cols []table.Col) []int {
	for _, name := range []string{"id", "name", "resource", "pagesize"} {
		for i, c := range cols {
			if c.Name == name {
				return []int{i}
			}
		}
	}
	all := make([]int, len(cols))
	for i := range all {
		all[i] = i
	}
	return all
}

func key(row []table.Value, id []int) string {
	var b []byte
	opts := table.Options{Format: table.Raw, TimeFormat: table.TimeISO, Location: time.UTC}
	for _, i := range id {
		if i < len(row) {
			b = table.AppendText(b, row[i], &opts)
		}
		b = append(b, 0)
	}
	return string(b)
}

package table

import (
	"bufio"
	"io"
)

// Record is one object shown field by field (show, status verbs): the
// columns with exactly one row of values, plus tables that belong to the
// object (the semaphores of a set). People get a vertical "NAME  value"
// list followed by the nested tables; JSON gets one object whose nested
// tables are arrays under their names; raw and export get the fields as a
// one-row table followed by the nested tables, as Render prints tables.
type Record struct {
	Name   string // what the record is, e.g. "shm"
	Title  string // line above the fields for people, e.g. "Shared Memory Segment 5"
	Cols   []Col
	Values []Value
	Nested []*Table
}

// Record evaluates every column over one row.
func (cs Columns[T]) Record(name, title string, row T) *Record {
	t := cs.Build(name, title, []T{row})
	vals := make([]Value, len(cs))
	t.fill(0, vals)
	return &Record{Name: name, Title: title, Cols: t.Cols, Values: vals}
}

// fields is the record's fields as a one-row table.
func (r *Record) fields() *Table {
	return &Table{Name: r.Name, Title: r.Title, Cols: r.Cols, Rows: [][]Value{r.Values}}
}

// RenderRecord writes one record in the chosen format. Times default to
// the full format for people: a record is read closely, not scanned.
func RenderRecord(w io.Writer, opts Options, rec *Record) error {
	if opts.TimeFormat == "" && opts.Format == Human {
		opts.TimeFormat = TimeFull
	}
	if opts.Format == JSON {
		b := appendJSONRecord(make([]byte, 0, 4096), rec)
		_, err := w.Write(append(b, '\n'))
		return err
	}
	if opts.Format != Human {
		return Render(w, opts, append([]*Table{rec.fields()}, rec.Nested...)...)
	}
	opts.setDefaults()
	bw := bufio.NewWriter(w)
	writeVertical(bw, rec, &opts)
	for _, t := range rec.Nested {
		bw.WriteByte('\n')
		if err := writeHuman(bw, t, &opts); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeVertical writes the fields as "NAME  value" lines, names aligned.
func writeVertical(w *bufio.Writer, rec *Record, opts *Options) {
	if !opts.NoHeadings && rec.Title != "" {
		w.WriteString("------ " + rec.Title + " ------\n")
	}
	width := 0
	for _, c := range rec.Cols {
		width = max(width, len(c.Header()))
	}
	var line []byte
	for i, c := range rec.Cols {
		line = append(line[:0], c.Header()...)
		for n := len(c.Header()); n < width+2; n++ {
			line = append(line, ' ')
		}
		line = AppendText(line, rec.Values[i], opts)
		w.Write(append(line, '\n'))
	}
}

// appendJSONRecord appends the record as one object: its fields, then
// each nested table as an array under the table's name.
func appendJSONRecord(b []byte, rec *Record) []byte {
	b = append(b, '{')
	sep := "\n  "
	for i, c := range rec.Cols {
		b = append(b, sep...)
		b = AppendJSONString(b, c.Name)
		b = append(b, ':', ' ')
		b = AppendJSON(b, rec.Values[i])
		sep = ",\n  "
	}
	for _, t := range rec.Nested {
		b = append(b, sep...)
		b = AppendJSONString(b, t.Name)
		b = append(b, ':', ' ')
		b = AppendJSONArray(b, t, "  ")
		sep = ",\n  "
	}
	return append(b, "\n}"...)
}

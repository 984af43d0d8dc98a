// Package table is ipcctl's one column model and one renderer. A verb
// describes each kind of row once, as a list of typed columns; the same
// list drives headers, --output validation, --list-columns, the human table,
// --raw, --export and --json, so the formats can never disagree. Render is
// the only way out: it builds what is still to be built, on the machine's
// cores, and writes every table in the chosen format.
package table

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Table is a built table: column descriptions and typed rows.
type Table struct {
	Name  string // JSON key of the table, e.g. "shm"
	Title string // line above the human table, e.g. "Shared Memory Segments"
	Cols  []Col
	Rows  [][]Value // rows given as values; Build leaves it nil and computes rows while rendering
	// Absent marks rows that could not be read (as opposed to none):
	// JSON null instead of [], and "-" for people.
	Absent bool
	// AbsentWhy says why, for people: "-" is followed by it.
	AbsentWhy string
	// Vertical marks a record: one object shown field by field ("NAME
	// value" lines for people, one JSON object), followed by Nested, the
	// tables that belong to it (the semaphores of a set).
	Vertical bool
	Nested   []*Table

	// A built table computes each row's cells as it is rendered, so a
	// listing of thousands of objects never holds a Value per cell.
	n    int
	fill func(r int, dst []Value)
	// text renders every cell straight into c, for the human table: no
	// Value is stored on the way.
	text func(c *cells, opts *Options)
	// json writes every row into j, for JSON, in the same way.
	json func(j *jsonRows)

	// Marks, when set, flag each row (or, for a record, each field) as
	// new, changed or gone since an earlier look: the human table shows
	// them in a gutter (see Mark), the other formats ignore them.
	Marks []Mark

	// later builds the table when Render runs (see Later).
	later func() (*Table, error)
}

// Mark flags a row against an earlier look at the same table.
type Mark uint8

const (
	Same    Mark = iota
	Added        // "+": not there before
	Changed      // "~": there before, with other values
	Gone         // "-": there before, not any more (shown once)
)

// Gutter is the mark as the human table shows it, before the row.
func (m Mark) Gutter() string { return [...]string{"  ", "+ ", "~ ", "- "}[m] }

// Later is a table built by Render, in the order given (while the one
// before it is written, or right after: see buildAhead, buildInTurn):
// build lists the system and returns the table, or nil to leave it out.
// An error from a build ends Render with it; the tables before it are
// written.
func Later(build func() (*Table, error)) *Table { return &Table{later: build} }

// Len is the number of rows.
func (t *Table) Len() int {
	if t.fill != nil {
		return t.n
	}
	return len(t.Rows)
}

// each calls fn with the values of every row in order; vals is reused
// between calls.
func (t *Table) each(fn func(vals []Value)) {
	if t.fill == nil {
		for _, row := range t.Rows {
			fn(row)
		}
		return
	}
	vals := make([]Value, len(t.Cols))
	for r := 0; r < t.n; r++ {
		t.fill(r, vals)
		fn(vals)
	}
}

// Col describes one built column.
type Col struct {
	Name  string
	Head  string // heading; "" = upper-cased Name
	Right bool
	Wrap  bool // free text: may wrap to fit a terminal (ids, numbers and commands never do)
	Type  Type
}

// Header is the column's heading in the human and raw tables.
func (c Col) Header() string {
	if c.Head != "" {
		return c.Head
	}
	return strings.ToUpper(c.Name)
}

// Format is an output format.
type Format uint8

const (
	Human  Format = iota // aligned table for people
	Raw                  // space separated, whitespace escaped, for awk
	Export               // NAME="value" lines for eval
	JSON                 // typed JSON
)

// Time formats for --time-format.
const (
	TimeShort = "short"
	TimeFull  = "full"
	TimeISO   = "iso"
)

// Options control rendering.
type Options struct {
	Format       Format
	NoHeadings   bool   // no title and no column headings (human, raw)
	Bytes        bool   // sizes in bytes in the human table
	NumericPerms bool   // perms as octal digits instead of rw-r-----
	TimeFormat   string // short, full or iso; "" = short for people (full for a record), iso for raw/export
	TTY          bool   // stdout is a terminal: free-text columns may wrap to fit Width
	Width        int    // terminal width, 0 = unknown
	Wide         bool   // never wrap, whatever the width (--wide)
	// Kinds starts every --export line with KIND="table name", so that
	// lines of several kinds of object can be told apart.
	Kinds bool
	// Color paints marked rows (green new, yellow changed, red gone).
	Color bool
	// Line writes JSON as one line, one sample of a stream (--watch and
	// thp stats --interval when piped); with Stamp set, the object starts
	// with "time": Stamp (RFC 3339, UTC). Other formats ignore both.
	Line     bool
	Stamp    time.Time
	Now      time.Time
	Location *time.Location

	times *timeMemo // set by Render
}

// Build builds the Later tables among tables (concurrently) and returns
// every table ready, in order, without those a build left out: for a
// caller that looks at the rows before rendering (ls --watch).
func Build(tables ...*Table) ([]*Table, error) { return buildAll(tables) }

// Values returns the rows of t as values, computing those of a built table.
func (t *Table) Values() [][]Value {
	if t.fill == nil {
		return t.Rows
	}
	out := make([][]Value, 0, t.n)
	t.each(func(row []Value) { out = append(out, append([]Value(nil), row...)) })
	return out
}

// Marked returns a copy of t with the given rows, each flagged by marks.
func (t *Table) Marked(rows [][]Value, marks []Mark) *Table {
	c := *t
	c.Rows, c.Marks, c.fill, c.text, c.json, c.n, c.later = rows, marks, nil, nil, nil, 0, nil
	return &c
}

// Render writes tables in the chosen format; it is the package's only way
// out. JSON writes one object keyed by table name (a lone record is the
// object itself); the other formats write the tables one after another.
//
// Tables made with Later are built in order, each while the one before it
// is written: a listing of several kinds overlaps the kernel's work for
// one with the formatting of another, and holds the rows of two kinds at
// most. A build that fails ends the output there (what was written stays
// written) and Render returns its error.
func Render(w io.Writer, opts Options, tables ...*Table) error {
	if opts.Format == JSON && opts.Line {
		return renderLine(w, opts, tables)
	}
	opts.setDefaults()
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := encoder{w: bw, opts: &opts, lone: len(tables) == 1}
	build := buildAhead
	if runtime.GOMAXPROCS(0) == 1 {
		build = buildInTurn
	}
	err := build(tables, enc.table)
	enc.end()
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// buildAhead builds each Later table while the one before it is written:
// listing the system overlaps with formatting on another core.
func buildAhead(tables []*Table, write func(*Table)) error {
	type built struct {
		t   *Table
		err error
	}
	next := make(chan built)
	go func() {
		defer close(next)
		for _, t := range tables {
			b := built{t: t}
			if t.later != nil {
				b.t, b.err = t.later()
			}
			next <- b
			if b.err != nil {
				return
			}
		}
	}()
	var err error
	for b := range next {
		if err != nil {
			continue // drain: the builder stops after an error
		}
		if err = b.err; err == nil && b.t != nil {
			write(b.t)
		}
	}
	return err
}

// buildInTurn builds each Later table right before it is written: with
// one P nothing runs alongside, and a large table's rows are collected
// before the next is listed, so that it reuses their memory. Measured on
// `ls` of 96 000 objects: peak RSS 29.5 -> 20.4 MB, and the collections
// cost less CPU than the page faults of a heap that keeps growing (88 ->
// 79 ms).
func buildInTurn(tables []*Table, write func(*Table)) error {
	for i, t := range tables {
		if t.later != nil {
			var err error
			if t, err = t.later(); err != nil {
				return err
			}
		}
		if t == nil {
			continue
		}
		write(t)
		if i < len(tables)-1 && t.Len()*len(t.Cols) >= largeTable {
			runtime.GC()
		}
	}
	return nil
}

// largeTable is the number of cells from which a table's rows are worth a
// collection once written (a few thousand objects: less than a
// millisecond of collecting for megabytes reused).
const largeTable = 1 << 16

// renderLine is Render of opts.Line: the JSON document compacted to one
// line, with the time of the sample first when there is one.
func renderLine(w io.Writer, opts Options, tables []*Table) error {
	opts.Line = false
	var doc, line bytes.Buffer
	if err := Render(&doc, opts, tables...); err != nil {
		return err
	}
	if err := json.Compact(&line, doc.Bytes()); err != nil {
		return err
	}
	out := line.Bytes()
	if !opts.Stamp.IsZero() && len(out) > 1 && out[0] == '{' {
		stamp := AppendJSONString([]byte(`{"time":`), opts.Stamp.UTC().Format(time.RFC3339Nano))
		if out[1] != '}' {
			stamp = append(stamp, ',')
		}
		out = append(stamp, out[1:]...)
	}
	_, err := w.Write(append(out, '\n'))
	return err
}

// buildAll builds the Later tables concurrently and returns the tables
// in order, without those a build left out.
func buildAll(tables []*Table) ([]*Table, error) {
	out := make([]*Table, len(tables))
	errs := make([]error, len(tables))
	var wg sync.WaitGroup
	for i, t := range tables {
		if t.later == nil {
			out[i] = t
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = t.later()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, e := range errs { // the first in order, as the tables are
			if e != nil {
				return nil, e
			}
		}
	}
	kept := out[:0]
	for _, t := range out {
		if t != nil {
			kept = append(kept, t)
		}
	}
	return kept, nil
}

// encoder writes tables one after another: the one switch on the format.
type encoder struct {
	w      *bufio.Writer
	opts   *Options
	lone   bool // the only table: a lone record is the JSON object itself
	record bool // it was: no object of tables to close
	n      int  // tables written
	human  bool // a human table was printed (the next is a blank line away)
	json   []byte
	layout humanBuf
}

func (e *encoder) table(t *Table) {
	defer func() { e.n++ }()
	switch e.opts.Format {
	case JSON:
		if e.lone && t.Vertical {
			b := appendJSONRecord(e.json[:0], t, "", e.opts.times)
			e.w.Write(append(b, '\n'))
			e.record = true
			return
		}
		b := e.json[:0]
		if e.n == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = append(b, "\n  "...)
		b = AppendJSONString(b, t.Name)
		b = append(b, ':', ' ')
		flush := func(b []byte) []byte {
			e.w.Write(b)
			return b[:0]
		}
		b = appendJSONValue(b, t, "  ", flush, e.opts.times)
		e.w.Write(b)
		e.json = b[:0]
	case Raw, Export:
		for _, x := range flatten([]*Table{t}) {
			if e.opts.Format == Raw {
				writeRaw(e.w, x, e.opts)
			} else {
				writeExport(e.w, x, e.opts)
			}
		}
	default:
		if !e.opts.printsHuman(t) {
			return
		}
		if e.human {
			e.w.WriteByte('\n')
		}
		e.human = true
		writeHuman(e.w, t, e.opts, &e.layout)
	}
}

// end closes what the tables opened: the JSON object.
func (e *encoder) end() {
	if e.opts.Format != JSON || e.record {
		return
	}
	if e.n == 0 {
		e.w.WriteString("{}\n")
		return
	}
	e.w.WriteString("\n}\n")
}

// flatten lists each record's fields (a one-row table) followed by its
// nested tables: what raw and export print.
func flatten(tables []*Table) []*Table {
	var out []*Table
	for _, t := range tables {
		out = append(out, t)
		out = append(out, t.Nested...)
	}
	return out
}

// printsHuman reports whether t prints anything in the human format: with
// -n, an empty table prints nothing, not even the blank line that
// separates it from the next.
func (o *Options) printsHuman(t *Table) bool {
	return !o.NoHeadings || t.Absent || t.Vertical || t.Len() > 0
}

func (o *Options) setDefaults() {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	o.times = new(timeMemo)
	// People get short times in tables and full ones in a record (read
	// closely, not scanned): "" stays until a record or table is written.
	if o.TimeFormat == "" && (o.Format == Raw || o.Format == Export) {
		o.TimeFormat = TimeISO
	}
}

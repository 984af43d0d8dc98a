package table

import (
	"cmp"
	"fmt"
	"sort"
	"strings"
)

// Column describes one column of rows of type T.
type Column[T any] struct {
	Name    string // lowercase; the JSON key, upper-cased for headers and --export
	Head    string // heading when it cannot be a key (USE%); "" = upper-cased Name
	Help    string // one line for --list-columns
	Right   bool   // right-aligned in the human table
	Wrap    bool   // free text that may wrap to fit a terminal
	Default bool   // shown when --output is not given
	Type    Type   // type of every value in the column
	Value   func(*T) Value
	// Number, set by WithNumber on a column that is a number never
	// absent, gives it as bits (an int64's for Int): listings format it
	// without making a Value.
	Number func(*T) uint64
}

// WithNumber makes c a column of the numbers get reads (of c's type: Int,
// Uint, Size, Key, Perms, Mode...; for Int, an int64's bits), its Value
// and its Number from that one getter, so that the two never disagree.
func (c Column[T]) WithNumber(get func(*T) uint64) Column[T] {
	t := c.Type
	switch t {
	case Int, Uint, Size, Key, Perms, Mode, Duration, Percent:
	default:
		panic("table: WithNumber on a column of " + t.String() + ", not a number")
	}
	c.Number = get
	c.Value = func(r *T) Value { return numberValue(t, get(r)) }
	return c
}

// Header is the column's heading in the human and raw tables.
func (c Column[T]) Header() string { return Col{Name: c.Name, Head: c.Head}.Header() }

// Columns is the full column list of one kind of row, in display order.
type Columns[T any] []Column[T]

// UnknownColumnError reports an --output or --sort name that is not a column.
type UnknownColumnError struct {
	Name  string
	Valid []string
	// Lacking names the tables that do not have the column when some do
	// (a replacing --output must name columns every listed table has).
	Lacking []string
}

func (e *UnknownColumnError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("no columns given (valid: %s)", strings.Join(e.Valid, ", "))
	}
	if len(e.Lacking) > 0 {
		return fmt.Sprintf("column %q is not a column of %s (use +%s to add it where it exists)", e.Name, strings.Join(e.Lacking, ", "), e.Name)
	}
	return fmt.Sprintf("unknown column %q (valid: %s)", e.Name, strings.Join(e.Valid, ", "))
}

// Names lists every column name in order.
func (cs Columns[T]) Names() []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// Defaults returns the default columns.
func (cs Columns[T]) Defaults() Columns[T] {
	var out Columns[T]
	for _, c := range cs {
		if c.Default {
			out = append(out, c)
		}
	}
	return out
}

// Lookup finds a column by lowercase name.
func (cs Columns[T]) Lookup(name string) (Column[T], bool) {
	for _, c := range cs {
		if c.Name == name {
			return c, true
		}
	}
	return Column[T]{}, false
}

// Pick returns the named columns in the given order; names must have been
// resolved against cs (see Set and Resolve), so an unknown one is a bug.
func (cs Columns[T]) Pick(names []string) Columns[T] {
	out := make(Columns[T], 0, len(names))
	for _, n := range names {
		c, ok := cs.Lookup(n)
		if !ok {
			panic(fmt.Sprintf("table: column %q was not resolved against this table", n))
		}
		out = append(out, c)
	}
	return out
}

// Set describes the columns of cs for output resolution: name, defaults,
// help, presets. name is the table's name, as listings and errors say it.
func (cs Columns[T]) Set(name string) *Set {
	s := &Set{Name: name, Cols: make([]ColumnInfo, len(cs))}
	for i, c := range cs {
		s.Cols[i] = ColumnInfo{Name: c.Name, Help: c.Help, Type: c.Type, Default: c.Default}
	}
	return s
}

// Build makes a table of the columns over rows. Cells are evaluated as
// the table is rendered, once per format pass.
func (cs Columns[T]) Build(name, title string, rows []T) *Table {
	t := &Table{Name: name, Title: title, Cols: make([]Col, len(cs)), n: len(rows)}
	for i, c := range cs {
		t.Cols[i] = Col{Name: c.Name, Head: c.Head, Right: c.Right, Wrap: c.Wrap, Type: c.Type}
	}
	values := make([]func(*T) Value, len(cs))
	for i := range cs {
		values[i] = cs[i].Value
	}
	t.fill = func(r int, dst []Value) {
		row := &rows[r]
		for i, value := range values {
			dst[i] = value(row)
		}
	}
	// The loops of the human table and JSON format a number column's
	// number straight (a quarter of the time of a listing's rendering).
	numbers := make([]func(*T) uint64, len(cs))
	for i := range cs {
		numbers[i] = cs[i].Number
	}
	t.json = func(j *jsonRows) {
		for r := range rows {
			row := &rows[r]
			j.begin()
			for i, value := range values {
				if number := numbers[i]; number != nil {
					j.number(i, t.Cols[i].Type, number(row))
				} else {
					j.cell(i, value(row))
				}
			}
			j.end()
		}
	}
	t.text = func(c *cells, opts *Options) {
		for r := range rows {
			row := &rows[r]
			for i, value := range values {
				start := len(c.arena)
				if number := numbers[i]; number != nil {
					c.arena = appendNumber(c.arena, t.Cols[i].Type, number(row), opts)
				} else {
					c.arena = AppendText(c.arena, value(row), opts)
				}
				c.add(i, start)
			}
		}
	}
	return t
}

// Record makes a record: one object shown field by field (show, status
// verbs), to which nested tables may be added.
func (cs Columns[T]) Record(name, title string, row T) *Table {
	t := cs.Build(name, title, []T{row})
	t.Vertical = true
	return t
}

// Catalog is the --list-columns table of a kind: name, type, default, help.
func (cs Columns[T]) Catalog(kind string) *Table { return cs.Set(kind).Catalog() }

// SortKey is one column to order rows by.
type SortKey struct {
	Column string
	Desc   bool
}

// Sort orders rows by keys, stably, so rows equal under every key keep
// the order they came in (the listing's own: by id, by name). Keys that
// are not columns of cs are passed over: a listing of several kinds sorts
// each by the keys it has.
func (cs Columns[T]) Sort(rows []T, keys []SortKey) {
	type key struct {
		col  Column[T]
		desc bool
	}
	var ks []key
	for _, k := range keys {
		if c, ok := cs.Lookup(k.Column); ok {
			ks = append(ks, key{c, k.Desc})
		}
	}
	if len(ks) == 0 {
		return
	}
	// Compare through pointers into rows: a row passed by value to a
	// Value function would be copied to the heap at every comparison.
	sort.SliceStable(rows, func(i, j int) bool {
		for _, k := range ks {
			if c := Compare(k.col.Value(&rows[i]), k.col.Value(&rows[j])); c != 0 {
				return c < 0 != k.desc
			}
		}
		return false
	})
}

// Compare orders two values of one column: null first, then by value
// (numbers as numbers, times as instants, strings bytewise).
func Compare(a, b Value) int {
	switch {
	case a.Null || b.Null:
		return cmp.Compare(boolInt(!a.Null), boolInt(!b.Null))
	}
	switch a.Type {
	case String:
		return strings.Compare(a.Str, b.Str)
	case Int, Time:
		return cmp.Compare(a.Int, b.Int)
	case Bool:
		return cmp.Compare(boolInt(a.Bool), boolInt(b.Bool))
	}
	return cmp.Compare(a.Uint, b.Uint)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t Type) String() string {
	switch t {
	case Int:
		return "int"
	case Uint:
		return "uint"
	case Size:
		return "bytes"
	case Time:
		return "time"
	case Bool:
		return "bool"
	case Key:
		return "key"
	case Perms:
		return "perms"
	case Mode:
		return "mode"
	case Duration:
		return "seconds"
	case Percent:
		return "percent"
	}
	return "string"
}

// Select resolves an --output spec against this one column list: "" the
// defaults, "all" every column, "a,b" exactly those, "+a,b" the defaults
// followed by those. An unknown name is an *UnknownColumnError.
func (cs Columns[T]) Select(spec string) (Columns[T], error) {
	names, err := Resolve(ParseSpec(spec), []*Set{cs.Set("")}, (*Set).Defaults)
	if err != nil {
		return nil, err
	}
	return cs.Pick(names[0]), nil
}

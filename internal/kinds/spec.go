package kinds

import (
	"errors"
	"slices"
	"sort"
	"strconv"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// ops are a kind's operations on its rows, whatever their Go type: what
// spec[T] provides for each kind.
type ops interface {
	set() *table.Set
	recordSets() []*table.Set
	list(f *cmdutil.Factory, q Query) (*table.Table, error)
	targets(f *cmdutil.Factory, flt *Filter, keepRows bool) ([]Target, error)
	removeSelected(f *cmdutil.Factory, flt *Filter, report func(t Target, note string, err error)) (bool, error)
	targetTable(f *cmdutil.Factory, ts []Target, q Query) *table.Table
	record(f *cmdutil.Factory, t Target, cols []string) (*table.Table, error)
	objects(f *cmdutil.Factory) ([]Object, []string, error)
}

// Query is what a listing shows: which objects, which columns, in which order.
type Query struct {
	Filter  Filter
	Columns []string // resolved against the kind's set
	Sort    []table.SortKey
	Reverse bool
}

// spec is a kind's row type and the calls that list, stat and describe it.
type spec[T any] struct {
	kind    *Kind
	columns func(*columns.Names) table.Columns[T]
	views   map[string][]string
	// list lists every object; cols are the columns that will be shown,
	// so that a costly field (a queue's qbytes) is read only when needed.
	all func(c *ipc.Client, cols []string) ([]T, error)
	// removeEach removes each object pick accepts in one walk, reading
	// each right before its removal (ipc.Client.ShmRemoveEach); nil where
	// the kind has no such walk.
	removeEach func(c *ipc.Client, pick func(*T) bool, done func(*T, error) error) error
	// stat reads one object, every field.
	stat func(f *cmdutil.Factory, t Target) (T, error)
	// object is what the row says of the object's identity.
	object func(*T) Object
	// ident is the row's place in the kind's order: its System V id, or
	// its POSIX name (cheaper than object, for sorting thousands).
	ident func(*T) (id int, name string)
	// nested are the tables that follow an object's record (show).
	nested func(*T) []*table.Table
	// nestedSets are their column sets, for show --list-columns.
	nestedSets []*table.Set
	// describe is the one-line description of an object for completion.
	describe func(*T) string
	// holding finds who holds an object (nil: the kind has no holders).
	holding *holding[T]
}

func (s *spec[T]) cols(f *cmdutil.Factory) table.Columns[T] { return s.colsWith(f, &procView{}) }

// colsWith is the kind's columns, with those that read pv (command,
// holders) when the kind has holders.
func (s *spec[T]) colsWith(f *cmdutil.Factory, pv *procView) table.Columns[T] {
	var names *columns.Names
	if f != nil {
		names = f.Names()
	}
	cols := s.columns(names)
	if s.holding != nil {
		cols = append(cols, s.holding.columns(pv)...)
	}
	return cols
}

func (s *spec[T]) set() *table.Set {
	set := s.colsWith(nil, &procView{}).Set(string(s.kind.Name))
	set.Views = s.views
	return set
}

func (s *spec[T]) recordSets() []*table.Set {
	set := s.set()
	// A record has its holders as a table of their own, not as a column.
	set.Cols = slices.DeleteFunc(set.Cols, func(c table.ColumnInfo) bool { return c.Name == "holders" })
	for i := range set.Cols {
		set.Cols[i].Default = true
	}
	set.Views = nil
	sets := append([]*table.Set{set}, s.nestedSets...)
	if s.holding != nil {
		sets = append(sets, holderColumns().Set("holders"))
	}
	return sets
}

// listed lists the objects that pass flt, in the kind's order: System V
// by id, POSIX by name.
func (s *spec[T]) listed(f *cmdutil.Factory, flt *Filter, cols []string) ([]T, error) {
	all, err := s.all(f.IPC(), cols)
	if err != nil {
		return nil, err
	}
	rows := all
	if flt.Uses() != 0 || flt.Removable {
		rows = all[:0]
		for i := range all {
			if o := s.object(&all[i]); flt.Match(&o) {
				rows = append(rows, all[i])
			}
		}
	}
	// Compare through pointers into rows: a row passed by value to a
	// function value would be copied to the heap at every comparison.
	less := func(i, j int) bool {
		ida, namea := s.ident(&rows[i])
		idb, nameb := s.ident(&rows[j])
		return ida < idb || ida == idb && namea < nameb
	}
	// Listings come in id order nearly always: check with one ident per row.
	var prevID int
	var prevName string
	for i := range rows {
		id, name := s.ident(&rows[i])
		if i > 0 && (id < prevID || id == prevID && name < prevName) {
			sort.SliceStable(rows, less)
			break
		}
		prevID, prevName = id, name
	}
	return rows, nil
}

// readColumns are the columns a listing reads: those it shows and those
// it sorts by (a field left unread would sort as null).
func readColumns(q Query) []string {
	cols := q.Columns
	if cols == nil {
		return nil // every field
	}
	for _, k := range q.Sort {
		if !slices.Contains(cols, k.Column) {
			cols = append(slices.Clip(cols), k.Column)
		}
	}
	return cols
}

// order applies --sort and --reverse to rows already in the kind's order.
func (s *spec[T]) order(cs table.Columns[T], rows []T, q Query) {
	cs.Sort(rows, q.Sort)
	if q.Reverse {
		slices.Reverse(rows)
	}
}

func (s *spec[T]) list(f *cmdutil.Factory, q Query) (*table.Table, error) {
	rows, err := s.listed(f, &q.Filter, readColumns(q))
	if err != nil {
		return nil, err
	}
	pv := &procView{}
	if s.holding != nil && needsScan(q.Columns) {
		// A /proc that cannot be scanned (a fixture tree, no procfs)
		// leaves command and holders null rather than fail the listing.
		pv.h, _ = s.holding.scan(f.IPC(), rows)
	}
	cs := s.colsWith(f, pv)
	s.order(cs, rows, q)
	return cs.Pick(q.Columns).Build(string(s.kind.Name), s.kind.Title, rows), nil
}

func (s *spec[T]) targets(f *cmdutil.Factory, flt *Filter, keepRows bool) ([]Target, error) {
	rows, err := s.listed(f, flt, nil)
	if err != nil {
		return nil, err
	}
	ts := make([]Target, len(rows))
	for i := range rows {
		r := &rows[i]
		o := s.object(r)
		ts[i] = Target{ID: o.ID, Name: o.Name, Listed: &o, Owner: flt.UID, Idle: flt.Orphaned}
		ts[i].Label = label(&o)
		if keepRows {
			ts[i].row = *r
		}
	}
	return ts, nil
}

func (s *spec[T]) removeSelected(f *cmdutil.Factory, flt *Filter, report func(Target, string, error)) (bool, error) {
	if s.removeEach == nil {
		return false, nil
	}
	c := f.IPC()
	var o Object // of the object just picked: pick and done see the same one
	err := s.removeEach(c, func(r *T) bool {
		o = s.object(r)
		return flt.Match(&o)
	}, func(_ *T, err error) error {
		t := Target{ID: o.ID, Name: o.Name, Label: label(&o), Owner: flt.UID, Idle: flt.Orphaned}
		note := ""
		// Only an object in use when read can have been left behind (a
		// segment still attached is only marked for removal).
		if err == nil && o.Nattch > 0 && s.kind.afterRemove != nil {
			note = s.kind.afterRemove(c, t)
		}
		report(t, note, err)
		return nil
	})
	if errors.Is(err, ipc.ErrNoWalk) {
		return false, nil
	}
	return true, err
}

func (s *spec[T]) targetTable(f *cmdutil.Factory, ts []Target, q Query) *table.Table {
	rows := make([]T, 0, len(ts))
	for _, t := range ts {
		if r, ok := t.row.(T); ok {
			rows = append(rows, r)
		}
	}
	cs := s.cols(f)
	s.order(cs, rows, q)
	return cs.Pick(q.Columns).Build(string(s.kind.Name), s.kind.Title, rows)
}

func (s *spec[T]) record(f *cmdutil.Factory, t Target, cols []string) (*table.Table, error) {
	obj, err := s.stat(f, t)
	if err != nil {
		return nil, err
	}
	pv := &procView{}
	if s.holding != nil {
		// show always says who holds the object: a scan that fails
		// (no /proc) leaves the holders null, not the record missing.
		pv.h, _ = s.holding.scan(f.IPC(), []T{obj})
	}
	rec := s.colsWith(f, pv).Pick(cols).Record(string(s.kind.Name), s.kind.Object+" "+t.Label, obj)
	if s.nested != nil {
		rec.Nested = s.nested(&obj)
	}
	if s.holding != nil {
		var hs []ipc.Holder
		if pv.h != nil {
			hs = s.holding.of(pv.h, &obj)
		}
		ht := holderColumns().Build("holders", "Holders", hs)
		ht.Absent = pv.h == nil
		rec.Nested = append(rec.Nested, ht)
	}
	return rec, nil
}

func (s *spec[T]) objects(f *cmdutil.Factory) ([]Object, []string, error) {
	rows, err := s.listed(f, &Filter{}, nil)
	if err != nil {
		return nil, nil, err
	}
	objs := make([]Object, len(rows))
	descs := make([]string, len(rows))
	for i := range rows {
		objs[i] = s.object(&rows[i])
		if s.describe != nil {
			descs[i] = s.describe(&rows[i])
		}
	}
	return objs, descs, nil
}

// label is how messages name an object: its id or its name.
func label(o *Object) string {
	if o.Name != "" {
		return o.Name
	}
	return strconv.Itoa(o.ID)
}

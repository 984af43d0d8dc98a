package kinds

import (
	"cmp"
	"slices"
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
	// stat reads one object, every field.
	stat func(f *cmdutil.Factory, t Target) (T, error)
	// object is what the row says of the object's identity.
	object func(T) Object
	// nested are the tables that follow an object's record (show).
	nested func(T) []*table.Table
	// nestedSets are their column sets, for show --list-columns.
	nestedSets []*table.Set
	// describe is the one-line description of an object for completion.
	describe func(T) string
}

func (s *spec[T]) cols(f *cmdutil.Factory) table.Columns[T] {
	var names *columns.Names
	if f != nil {
		names = f.Names()
	}
	return s.columns(names)
}

func (s *spec[T]) set() *table.Set {
	set := s.columns(nil).Set(string(s.kind.Name))
	set.Views = s.views
	return set
}

func (s *spec[T]) recordSets() []*table.Set {
	set := s.set()
	for i := range set.Cols {
		set.Cols[i].Default = true
	}
	set.Views = nil
	return append([]*table.Set{set}, s.nestedSets...)
}

// listed lists the objects that pass flt, in the kind's order: System V
// by id, POSIX by name.
func (s *spec[T]) listed(f *cmdutil.Factory, flt *Filter, cols []string) ([]T, error) {
	all, err := s.all(f.IPC(), cols)
	if err != nil {
		return nil, err
	}
	rows := all[:0]
	for i := range all {
		o := s.object(all[i])
		if flt.Match(&o) {
			rows = append(rows, all[i])
		}
	}
	byIdentity := func(a, b T) int {
		oa, ob := s.object(a), s.object(b)
		if c := cmp.Compare(oa.ID, ob.ID); c != 0 {
			return c
		}
		return cmp.Compare(oa.Name, ob.Name)
	}
	if !slices.IsSortedFunc(rows, byIdentity) {
		slices.SortFunc(rows, byIdentity)
	}
	return rows, nil
}

// order applies --sort and --reverse to rows already in the kind's order.
func (s *spec[T]) order(cs table.Columns[T], rows []T, q Query) {
	cs.Sort(rows, q.Sort)
	if q.Reverse {
		slices.Reverse(rows)
	}
}

func (s *spec[T]) list(f *cmdutil.Factory, q Query) (*table.Table, error) {
	rows, err := s.listed(f, &q.Filter, q.Columns)
	if err != nil {
		return nil, err
	}
	cs := s.cols(f)
	s.order(cs, rows, q)
	return cs.Pick(q.Columns).Build(string(s.kind.Name), s.kind.Title, rows), nil
}

func (s *spec[T]) targets(f *cmdutil.Factory, flt *Filter, keepRows bool) ([]Target, error) {
	rows, err := s.listed(f, flt, nil)
	if err != nil {
		return nil, err
	}
	ts := make([]Target, len(rows))
	for i, r := range rows {
		o := s.object(r)
		ts[i] = Target{ID: o.ID, Name: o.Name, Listed: &o}
		ts[i].Label = label(&o)
		if keepRows {
			ts[i].row = r
		}
	}
	return ts, nil
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
	rec := s.cols(f).Pick(cols).Record(string(s.kind.Name), s.kind.Object+" "+t.Label, obj)
	if s.nested != nil {
		rec.Nested = s.nested(obj)
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
	for i, r := range rows {
		objs[i] = s.object(r)
		if s.describe != nil {
			descs[i] = s.describe(r)
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

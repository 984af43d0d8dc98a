package table

import (
	"slices"
	"strings"
)

// ColumnInfo is what output resolution and --list-columns know of a
// column, whatever the type of its rows.
type ColumnInfo struct {
	Name    string
	Help    string
	Type    Type
	Default bool
}

// Set is the column list of one table (one kind of object), without its
// rows: what --output, --sort, --view and --list-columns are checked
// against before anything is listed.
type Set struct {
	Name  string // table name: shm, limits...
	Cols  []ColumnInfo
	Views map[string][]string // preset column lists (--view), by name
}

// Has reports whether the set has a column.
func (s *Set) Has(name string) bool {
	return slices.ContainsFunc(s.Cols, func(c ColumnInfo) bool { return c.Name == name })
}

// Names lists every column name in order.
func (s *Set) Names() []string {
	out := make([]string, len(s.Cols))
	for i, c := range s.Cols {
		out[i] = c.Name
	}
	return out
}

// Defaults lists the default columns.
func (s *Set) Defaults() []string {
	var out []string
	for _, c := range s.Cols {
		if c.Default {
			out = append(out, c.Name)
		}
	}
	return out
}

// Catalog is the --list-columns table of the set: name, type, default, help.
func (s *Set) Catalog() *Table {
	t := &Table{Name: s.Name, Title: s.Name + " columns", Cols: []Col{
		{Name: "name"}, {Name: "type"}, {Name: "default", Type: Bool}, {Name: "help", Wrap: true},
	}}
	for _, c := range s.Cols {
		t.Rows = append(t.Rows, []Value{Str(c.Name), Str(c.Type.String()), BoolV(c.Default), Str(c.Help)})
	}
	return t
}

// Spec is a parsed --output: "" (the defaults), "all", "a,b" (exactly
// those) or "+a,b" (the defaults, then those).
type Spec struct {
	Given  bool // an --output was given
	All    bool
	Append bool
	Names  []string
}

// ParseSpec parses an --output value. Names are case-insensitive.
func ParseSpec(s string) Spec {
	s = strings.TrimSpace(s)
	sp := Spec{Given: s != ""}
	if strings.EqualFold(s, "all") {
		sp.All = true
		return sp
	}
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		sp.Append, s = true, rest
	}
	for _, n := range strings.Split(s, ",") {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			sp.Names = append(sp.Names, n)
		}
	}
	return sp
}

// Resolve picks the columns of each set, in the sets' order, for spec
// over base (each set's starting columns: its defaults, or a view's). A
// replacing list must name columns every set has; an appended column goes
// to the sets that have it and must exist in at least one. Repeats are
// dropped.
func Resolve(spec Spec, sets []*Set, base func(*Set) []string) ([][]string, error) {
	out := make([][]string, len(sets))
	for i, s := range sets {
		switch {
		case spec.All:
			out[i] = s.Names()
		case spec.Append || !spec.Given:
			out[i] = slices.Clone(base(s))
		}
	}
	if spec.All {
		return out, nil
	}
	if spec.Given && !spec.Append && len(spec.Names) == 0 {
		return nil, &UnknownColumnError{Valid: union(sets)}
	}
	for _, name := range spec.Names {
		var lacking []string
		for i, s := range sets {
			if !s.Has(name) {
				lacking = append(lacking, s.Name)
				continue
			}
			if !slices.Contains(out[i], name) {
				out[i] = append(out[i], name)
			}
		}
		switch {
		case len(lacking) == len(sets):
			return nil, &UnknownColumnError{Name: name, Valid: union(sets)}
		case len(lacking) > 0 && !spec.Append:
			return nil, &UnknownColumnError{Name: name, Valid: union(sets), Lacking: lacking}
		}
	}
	return out, nil
}

// CheckSort checks sort keys against the sets: each must be a column of
// at least one of them.
func CheckSort(keys []SortKey, sets []*Set) error {
	for _, k := range keys {
		if !slices.ContainsFunc(sets, func(s *Set) bool { return s.Has(k.Column) }) {
			return &UnknownColumnError{Name: k.Column, Valid: union(sets)}
		}
	}
	return nil
}

// union lists the column names of sets, each once, in order of appearance.
func union(sets []*Set) []string {
	var out []string
	for _, s := range sets {
		for _, n := range s.Names() {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

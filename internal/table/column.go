package table

import (
	"fmt"
	"strings"
)

// Column describes one column of rows of type T.
type Column[T any] struct {
	Name    string // lowercase; the JSON key, upper-cased for headers and --export
	Head    string // heading when it cannot be a key (USE%); "" = upper-cased Name
	Help    string // one line for --list-columns
	Right   bool   // right-aligned in the human table
	Default bool   // shown when --output is not given
	Type    Type   // type of every value in the column
	Value   func(T) Value
}

// Header is the column's heading in the human and raw tables.
func (c Column[T]) Header() string { return Col{Name: c.Name, Head: c.Head}.Header() }

// Columns is the full column list of one kind of row, in display order.
type Columns[T any] []Column[T]

// UnknownColumnError reports an --output name that is not a column.
type UnknownColumnError struct {
	Name  string
	Valid []string
}

func (e *UnknownColumnError) Error() string {
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

// Select resolves an --output spec: "" gives the defaults, "a,b" exactly
// those columns, "+a,b" the defaults followed by a and b. Names are
// case-insensitive; an unknown name is an *UnknownColumnError.
func (cs Columns[T]) Select(spec string) (Columns[T], error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return cs.Defaults(), nil
	}
	var out Columns[T]
	if strings.HasPrefix(spec, "+") {
		out = cs.Defaults()
		spec = spec[1:]
	}
	for _, name := range strings.Split(spec, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		c, ok := cs.Lookup(name)
		if !ok {
			return nil, &UnknownColumnError{Name: name, Valid: cs.Names()}
		}
		if _, dup := out.Lookup(name); !dup { // "+key" when key is a default
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, &UnknownColumnError{Name: "", Valid: cs.Names()}
	}
	return out, nil
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

// Build makes a format-independent table of the columns over rows. Cells
// are evaluated as the table is rendered, once per format pass.
func (cs Columns[T]) Build(name, title string, rows []T) *Table {
	t := &Table{Name: name, Title: title, Cols: make([]Col, len(cs)), n: len(rows)}
	for i, c := range cs {
		t.Cols[i] = Col{Name: c.Name, Head: c.Head, Right: c.Right, Type: c.Type}
	}
	t.fill = func(r int, dst []Value) {
		for i, c := range cs {
			dst[i] = c.Value(rows[r])
		}
	}
	return t
}

// Catalog is the --list-columns table of a kind: name, type, default, help.
func (cs Columns[T]) Catalog(kind string) *Table {
	t := &Table{Name: kind, Title: kind + " columns", Cols: []Col{
		{Name: "name"}, {Name: "type"}, {Name: "default", Type: Bool}, {Name: "help"},
	}}
	for _, c := range cs {
		t.Rows = append(t.Rows, []Value{Str(c.Name), Str(c.Type.String()), BoolV(c.Default), Str(c.Help)})
	}
	return t
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

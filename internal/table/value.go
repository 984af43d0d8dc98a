// Package table is ipcctl's one column model and one renderer. A verb
// describes each kind of row once, as a list of typed columns; the same
// list drives headers, --output validation, --list-columns, the human table,
// --raw, --export and --json, so the formats can never disagree.
package table

import (
	"time"
)

// Type is what a value is, which decides how each format prints it.
type Type uint8

const (
	String   Type = iota // text
	Int                  // signed integer (pids, ids, semaphore values)
	Uint                 // unsigned count
	Size                 // byte count: humanized in the human table unless --bytes
	Time                 // instant; zero means never: "-" for people, null in JSON
	Bool                 // true/false
	Key                  // System V key, always 0x%08x
	Perms                // permission bits: rw-r----- (or octal with --numeric-perms)
	Mode                 // permission bits, always as an octal string like 0640
	Duration             // seconds, printed as a number of seconds
)

// Value is one typed cell. Null marks an absent value (JSON null, "-" for people).
type Value struct {
	Type Type
	Null bool
	Str  string
	Int  int64
	Uint uint64
	Time time.Time
	Bool bool
}

// Str makes a string value.
func Str(s string) Value { return Value{Type: String, Str: s} }

// IntV makes a signed integer value.
func IntV(i int64) Value { return Value{Type: Int, Int: i} }

// UintV makes an unsigned integer value.
func UintV(u uint64) Value { return Value{Type: Uint, Uint: u} }

// SizeV makes a byte-count value.
func SizeV(u uint64) Value { return Value{Type: Size, Uint: u} }

// TimeV makes a time value; the zero time is null (never happened).
func TimeV(t time.Time) Value { return Value{Type: Time, Time: t, Null: t.IsZero()} }

// BoolV makes a boolean value.
func BoolV(b bool) Value { return Value{Type: Bool, Bool: b} }

// KeyV makes a System V key value.
func KeyV(k int32) Value { return Value{Type: Key, Uint: uint64(uint32(k))} }

// PermsV makes a permissions value from mode bits (only the low 9 bits are shown).
func PermsV(mode uint32) Value { return Value{Type: Perms, Uint: uint64(mode & 0o777)} }

// ModeV makes an octal mode value from mode bits (only the low 12 bits are shown).
func ModeV(mode uint32) Value { return Value{Type: Mode, Uint: uint64(mode & 0o7777)} }

// Null makes an absent value of type t.
func Null(t Type) Value { return Value{Type: t, Null: true} }

// OptUint makes a Uint value from a pointer, null when nil.
func OptUint(t Type, p *uint64) Value {
	if p == nil {
		return Null(t)
	}
	return Value{Type: t, Uint: *p}
}

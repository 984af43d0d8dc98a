// Package table is ipcctl's one column model and one renderer. A verb
// describes each kind of row once, as a list of typed columns; the same
// list drives headers, --output validation, --list-columns, the human table,
// --raw, --export and --json, so the formats can never disagree.
package table

import (
	"math/bits"
	"strconv"
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
	Percent              // a share in hundredths of a percent, printed 12.34 (12.34% for people)
)

// Value is one typed cell. Null marks an absent value (JSON null, "-" for people).
// A Time is kept as Unix seconds in Int (no format shows less than a
// second), which keeps a Value at 40 bytes: listings build one per cell.
type Value struct {
	Str  string
	Int  int64
	Uint uint64
	Type Type
	Null bool
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
func TimeV(t time.Time) Value {
	if t.IsZero() {
		return Null(Time)
	}
	return Value{Type: Time, Int: t.Unix()}
}

// TimeOf returns the instant of a Time value.
func (v Value) TimeOf() time.Time { return time.Unix(v.Int, 0) }

// BoolV makes a boolean value.
func BoolV(b bool) Value { return Value{Type: Bool, Bool: b} }

// KeyV makes a System V key value.
func KeyV(k int32) Value { return Value{Type: Key, Uint: uint64(uint32(k))} }

// PermsV makes a permissions value from mode bits (only the low 9 bits are shown).
func PermsV(mode uint32) Value { return Value{Type: Perms, Uint: uint64(mode & 0o777)} }

// ModeV makes an octal mode value from mode bits (only the low 12 bits are shown).
func ModeV(mode uint32) Value { return Value{Type: Mode, Uint: uint64(mode & 0o7777)} }

// numberValue is the Value of a Number column (see Column.Number): n is
// the number's bits, an int64's for Int.
func numberValue(t Type, n uint64) Value {
	switch t {
	case Int:
		return IntV(int64(n))
	case Key:
		return KeyV(int32(uint32(n)))
	case Perms:
		return PermsV(uint32(n))
	case Mode:
		return ModeV(uint32(n))
	}
	return Value{Type: t, Uint: n}
}

// Null makes an absent value of type t.
func Null(t Type) Value { return Value{Type: t, Null: true} }

// OptUint makes a Uint value from a pointer, null when nil.
func OptUint(t Type, p *uint64) Value {
	if p == nil {
		return Null(t)
	}
	return Value{Type: t, Uint: *p}
}

// PercentV makes the share part/whole as a percentage rounded to two
// decimals, exact for any uint64 operands; null when whole is 0.
func PercentV(part, whole uint64) Value {
	if whole == 0 {
		return Null(Percent)
	}
	hi, lo := bits.Mul64(part, 100_00)
	if hi >= whole { // over 2^64 hundredths: far beyond any real use
		return Value{Type: Percent, Uint: ^uint64(0)}
	}
	q, r := bits.Div64(hi, lo, whole)
	if r >= whole-r && q < ^uint64(0) { // round half up
		q++
	}
	return Value{Type: Percent, Uint: q}
}

// appendPercent appends hundredths of a percent as a decimal: 1234 → 12.34.
func appendPercent(b []byte, hundredths uint64) []byte {
	b = strconv.AppendUint(b, hundredths/100, 10)
	frac := hundredths % 100
	return append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
}

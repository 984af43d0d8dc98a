package table

import (
	"bytes"
	"testing"
)

// A WithNumber column prints, in every format, what the same column
// made of Values prints: the fast paths of the human table and JSON and
// the generic ones agree, masks included (perms keep 9 bits, modes 12).
func TestWithNumberAgreesWithValue(t *testing.T) {
	type row struct{ n uint64 }
	rows := []row{{0}, {1}, {4095}, {1 << 20}, {0o104755}, {1<<63 + 5}, {^uint64(0)}}
	for _, typ := range []Type{Int, Uint, Size, Key, Perms, Mode, Duration, Percent} {
		byNumber := Columns[row]{Column[row]{Name: "v", Right: true, Type: typ}.WithNumber(func(r *row) uint64 { return r.n })}
		byValue := Columns[row]{{Name: "v", Right: true, Type: typ, Value: func(r *row) Value {
			switch typ {
			case Int:
				return IntV(int64(r.n))
			case Key:
				return KeyV(int32(uint32(r.n)))
			case Perms:
				return PermsV(uint32(r.n))
			case Mode:
				return ModeV(uint32(r.n))
			}
			return Value{Type: typ, Uint: r.n}
		}}}
		for _, opts := range []Options{{Format: Human}, {Format: Human, Bytes: true, NumericPerms: true}, {Format: JSON}, {Format: Raw}, {Format: Export}} {
			var a, b bytes.Buffer
			if err := Render(&a, opts, byNumber.Build("t", "", rows)); err != nil {
				t.Fatal(err)
			}
			if err := Render(&b, opts, byValue.Build("t", "", rows)); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Errorf("%v, format %v: by number\n%s\nby value\n%s", typ, opts.Format, a.String(), b.String())
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("WithNumber on a Time column did not panic")
		}
	}()
	Column[row]{Name: "t", Type: Time}.WithNumber(func(r *row) uint64 { return r.n })
}

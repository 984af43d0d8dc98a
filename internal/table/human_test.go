package table

import (
	"bytes"
	"strings"
	"testing"
)

type finding struct {
	id   int64
	text string
	fix  string
}

func findings() Columns[finding] {
	return Columns[finding]{
		{Name: "id", Right: true, Type: Int, Value: func(f *finding) Value { return IntV(f.id) }},
		{Name: "finding", Wrap: true, Type: String, Value: func(f *finding) Value { return Str(f.text) }},
		{Name: "fix", Type: String, Value: func(f *finding) Value { return Str(f.fix) }},
	}
}

// On a narrow terminal only free text wraps; the command is never cut,
// and --wide (or a pipe) keeps every row on one line.
func TestHumanWrapsOnlyFreeText(t *testing.T) {
	rows := []finding{{123456789, "the pool of 2M pages is empty and no mapping can get one", "ipcctl hugepage set 2M --min 512"}}
	render := func(opts Options) string {
		var buf bytes.Buffer
		if err := Render(&buf, opts, findings().Build("f", "", rows)); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	got := render(Options{TTY: true, Width: 60})
	want := `       ID FINDING           FIX
123456789 the pool of 2M    ipcctl hugepage set 2M --min 512
          pages is empty
          and no mapping
          can get one
`
	if got != want {
		t.Errorf("narrow:\n%s\nwant:\n%s", got, want)
	}
	for _, opts := range []Options{{TTY: true, Width: 60, Wide: true}, {Width: 60}, {TTY: true}} {
		if got := render(opts); strings.Count(got, "\n") != 2 {
			t.Errorf("%+v wrapped:\n%s", opts, got)
		}
	}
}

func TestAppendSafe(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            "plain",
		"\x1b]0;PWNED\x07": `\x1b]0;PWNED\x07`,
		"caf\xe9":          `caf\xe9`,
		"\u009b31m":        `\xc2\x9b31m`,
		"café 日本":          "café 日本",
		"tab\there":        `tab\x09here`,
	} {
		if got := string(appendSafe(nil, in)); got != want {
			t.Errorf("appendSafe(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(appendEscaped(nil, `a b\c`, true)); got != `a\x20b\x5cc` {
		t.Errorf("raw escape = %q", got)
	}
	if got := string(AppendJSONString(nil, "/caf\xe9\u0085")); got != `"/caf\udce9\u0085"` {
		t.Errorf("JSON = %s", got)
	}
}

// Columns line up by terminal columns, not bytes: a plain table (all
// ASCII) is laid out by plainRow, one with wider or narrower characters
// (in a cell or a heading) by row; the last column is never padded, and
// a table of no columns prints its empty heading line and no panic.
func TestHumanAlignment(t *testing.T) {
	type obj struct {
		name string
		id   int64
	}
	cols := func(nameHead string) Columns[obj] {
		return Columns[obj]{
			{Name: "name", Head: nameHead, Type: String, Value: func(o *obj) Value { return Str(o.name) }},
			{Name: "id", Right: true, Type: Int, Value: func(o *obj) Value { return IntV(o.id) }},
			{Name: "note", Type: String, Value: func(o *obj) Value { return Str("x") }},
		}
	}
	for _, tc := range []struct {
		head string
		rows []obj
		want string
	}{
		{"", []obj{{"/a", 1}, {"/bbbbbb", 12345}},
			"NAME       ID NOTE\n/a          1 x\n/bbbbbb 12345 x\n"},
		{"", []obj{{"/é", 1}, {"/日本", 22}},
			"NAME  ID NOTE\n/é     1 x\n/日本 22 x\n"},
		{"NAMÉ", []obj{{"/a", 1}},
			"NAMÉ ID NOTE\n/a    1 x\n"},
	} {
		var buf bytes.Buffer
		if err := Render(&buf, Options{}, cols(tc.head).Build("o", "", tc.rows)); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tc.want {
			t.Errorf("got:\n%s\nwant:\n%s", buf.String(), tc.want)
		}
	}
	var buf bytes.Buffer
	if err := Render(&buf, Options{}, Columns[obj]{}.Build("o", "", []obj{{"/a", 1}})); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "\n" {
		t.Errorf("no columns: %q", buf.String())
	}
}

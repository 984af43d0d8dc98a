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

package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
)

type obj struct {
	id   int64
	size uint64
}

func build(objs ...obj) *table.Table {
	return table.Columns[obj]{
		{Name: "id", Right: true, Type: table.Int, Value: func(o *obj) table.Value { return table.IntV(o.id) }},
		{Name: "size", Right: true, Type: table.Uint, Value: func(o *obj) table.Value { return table.UintV(o.size) }},
	}.Build("shm", "Segments", objs)
}

func TestMark(t *testing.T) {
	first := mark(nil, []*table.Table{build(obj{1, 10}, obj{2, 20})})
	if got := first[0].Marks; len(got) != 2 || got[0] != table.Same || got[1] != table.Same {
		t.Errorf("first look marked %v", got)
	}
	now := mark([]*table.Table{build(obj{1, 10}, obj{2, 20})}, []*table.Table{build(obj{1, 10}, obj{2, 25}, obj{3, 30})})
	if got := now[0].Marks; len(got) != 3 || got[0] != table.Same || got[1] != table.Changed || got[2] != table.Added {
		t.Errorf("marks %v", got)
	}
	gone := mark([]*table.Table{build(obj{1, 10}, obj{2, 20})}, []*table.Table{build(obj{2, 20})})
	if got := gone[0].Marks; len(got) != 2 || got[0] != table.Same || got[1] != table.Gone || gone[0].Rows[1][0].Int != 1 {
		t.Errorf("gone marks %v rows %v", got, gone[0].Rows)
	}
	var buf bytes.Buffer
	if err := table.Render(&buf, table.Options{}, gone...); err != nil {
		t.Fatal(err)
	}
	if want := "------ Segments ------\n  ID SIZE\n   2   20\n-  1   10\n"; buf.String() != want {
		t.Errorf("rendered:\n%q\nwant:\n%q", buf.String(), want)
	}
}

// Not on a terminal, each look is one line of JSON, whatever the format.
func TestRunJSONLines(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	n := int64(0)
	err := Run(context.Background(), Options{IO: ios, Interval: time.Millisecond, Frames: 3}, func() ([]*table.Table, error) {
		n++
		return []*table.Table{build(obj{n, 1})}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	for i, l := range lines {
		var doc map[string][]map[string]any
		if err := json.Unmarshal([]byte(l), &doc); err != nil || doc["shm"][0]["id"] != float64(i+1) {
			t.Errorf("line %d: %q (%v)", i, l, err)
		}
	}
}

// On a terminal each look is drawn over the last on the alternate screen,
// which is left at the end.
func TestRunTerminal(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	n := int64(0)
	err := Run(context.Background(), Options{IO: ios, Interval: time.Millisecond, Frames: 2, Title: "Every 1ms: test"}, func() ([]*table.Table, error) {
		n++
		return []*table.Table{build(obj{1, 10}, obj{n + 1, 20})}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.HasPrefix(s, enterScreen+home+"Every 1ms: test") || !strings.HasSuffix(s, clearBelow+leaveScreen) || strings.Count(s, home) != 2 {
		t.Errorf("screen:\n%q", s)
	}
	if !strings.Contains(s, "+  3   20") || !strings.Contains(s, "-  2   20") {
		t.Errorf("second frame does not mark the new and the gone row:\n%q", s)
	}
}

// A title that holds a name shows its control characters escaped.
func TestRunTerminalTitleEscaped(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	err := Run(context.Background(), Options{IO: ios, Interval: time.Millisecond, Frames: 1, Title: "ipcctl show pshm /a\x1b]0;pwned\x07"},
		func() ([]*table.Table, error) { return []*table.Table{build(obj{1, 10})}, nil })
	if err != nil {
		t.Fatal(err)
	}
	if s := out.String(); strings.Contains(s, "\x1b]0;") || !strings.Contains(s, `/a\x1b]0;pwned\x07`) {
		t.Errorf("title not escaped:\n%q", s)
	}
}

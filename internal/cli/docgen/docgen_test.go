package docgen

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestDocsUpToDate regenerates the docs into a temp dir and compares them
// with the committed docs/man and docs/reference.
func TestDocsUpToDate(t *testing.T) {
	tmp := t.TempDir()
	if err := Generate(tmp); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "..", "docs")
	for _, sub := range []string{"man", "reference"} {
		want, got := readDir(t, filepath.Join(tmp, sub)), readDir(t, filepath.Join(committed, sub))
		var stale []string
		for name, b := range want {
			if g, ok := got[name]; !ok || !bytes.Equal(g, b) {
				stale = append(stale, "docs/"+sub+"/"+name)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				stale = append(stale, "docs/"+sub+"/"+name+" (no such command any more)")
			}
		}
		sort.Strings(stale)
		if len(stale) > 0 {
			t.Errorf("generated docs are stale: run `make docs` and commit the result; differing: %v", stale)
		}
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

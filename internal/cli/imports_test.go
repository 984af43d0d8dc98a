package cli

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const cliPath = "github.com/ipcctl/ipcctl/internal/cli"

// sharedCLI are the packages under internal/cli that are not verbs: any
// verb may import them. The root package (cliPath itself) wires every
// verb and docgen walks its command tree, so both may import verbs.
var sharedCLI = []string{"cmdutil", "docgen"}

// crossVerbImports reads `go list -f '{{.ImportPath}} {{join .Imports " "}}'`
// output and returns "X imports Y" for each verb package X under
// internal/cli that imports another verb package Y: what verbs share
// belongs in cmdutil, the kinds registry or pkg/.
func crossVerbImports(listing string) []string {
	verbOf := func(path string) (string, bool) {
		rel, ok := strings.CutPrefix(path, cliPath+"/")
		if !ok {
			return "", false
		}
		verb, _, _ := strings.Cut(rel, "/")
		return verb, true
	}
	var bad []string
	for _, line := range strings.Split(strings.TrimSpace(listing), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		x, ok := verbOf(f[0])
		if !ok || slices.Contains(sharedCLI, x) {
			continue // the root package, or a shared one
		}
		for _, imp := range f[1:] {
			if imp == cliPath {
				bad = append(bad, f[0]+" imports "+imp)
				continue
			}
			y, ok := verbOf(imp)
			if ok && y != x && !slices.Contains(sharedCLI, y) {
				bad = append(bad, f[0]+" imports "+imp)
			}
		}
	}
	return bad
}

// No verb package imports another (issue 10).
func TestVerbsDoNotImportEachOther(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: cannot list the imports of internal/cli/...")
	}
	out, err := exec.Command(goBin, "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	listing := string(out)
	// The listing must be the real tree: the root, its shared packages
	// and verbs, or the check below passes on nothing.
	for _, p := range []string{cliPath, cliPath + "/cmdutil", cliPath + "/ls", cliPath + "/create"} {
		if !strings.Contains(listing, p+" ") {
			t.Fatalf("go list did not list %s:\n%s", p, listing)
		}
	}
	for _, b := range crossVerbImports(listing) {
		t.Errorf("%s: a verb package must not import another verb (share through cmdutil, internal/kinds or pkg/)", b)
	}
}

func TestCrossVerbImports(t *testing.T) {
	for _, tc := range []struct {
		name, listing string
		want          []string
	}{
		{"root wires verbs", cliPath + " fmt " + cliPath + "/ls " + cliPath + "/rm", nil},
		{"docgen walks the root", cliPath + "/docgen " + cliPath + " " + cliPath + "/cmdutil", nil},
		{"verb uses cmdutil and docgen", cliPath + "/ls fmt " + cliPath + "/cmdutil " + cliPath + "/docgen", nil},
		{"verb's own subpackage", cliPath + "/ls " + cliPath + "/ls/internal/render", nil},
		{"verb imports a verb", cliPath + "/create fmt " + cliPath + "/rm", []string{cliPath + "/create imports " + cliPath + "/rm"}},
		{"verb imports another's subpackage", cliPath + "/show " + cliPath + "/ls/internal/render", []string{cliPath + "/show imports " + cliPath + "/ls/internal/render"}},
		{"verb imports the root", cliPath + "/set " + cliPath, []string{cliPath + "/set imports " + cliPath}},
		{"outside internal/cli", "github.com/ipcctl/ipcctl/pkg/ipc " + cliPath + "/ls", nil},
	} {
		if got := crossVerbImports(tc.listing); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

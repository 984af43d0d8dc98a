package docgen

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli"
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
)

var overstrike = regexp.MustCompile(".\b")

var committed = filepath.Join("..", "..", "..", "docs")

// TestDocsUpToDate regenerates the docs into a temp dir and compares them
// with the committed docs/man and docs/reference.
func TestDocsUpToDate(t *testing.T) {
	tmp := t.TempDir()
	if err := Generate(tmp); err != nil {
		t.Fatal(err)
	}
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

// Every command has a man page with EXAMPLES and an EXIT STATUS section
// holding each code of cmdutil.ExitCodeHelp, as a .TP item.
func TestManPagesHaveExamplesAndExitStatus(t *testing.T) {
	exits, err := ExitStatuses()
	if err != nil {
		t.Fatal(err)
	}
	if len(exits) != 9 || exits[0].Code != "0" || exits[8].Code != "8" {
		t.Fatalf("ExitStatuses() = %v, want codes 0 to 8", exits)
	}
	root := cli.NewCmdRoot(cmdutil.New("dev"))
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	pages := readDir(t, filepath.Join(committed, "man"))
	cmds := Commands(root)
	if len(pages) != len(cmds) || len(cmds) < 30 {
		t.Errorf("%d man pages for %d commands", len(pages), len(cmds))
	}
	for _, c := range cmds {
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		page := string(pages[name])
		if !strings.Contains(page, "\n.SH EXAMPLES\n.EX\n  ipcctl") {
			t.Errorf("%s: no EXAMPLES section starting with an ipcctl command", name)
		}
		_, status, ok := strings.Cut(page, "\n.SH EXIT STATUS\n")
		if !ok {
			t.Errorf("%s: no EXIT STATUS section", name)
			continue
		}
		status, _, _ = strings.Cut(status, "\n.SH ")
		for _, e := range exits {
			if !strings.Contains(status, ".TP\n\\fB"+e.Code+"\\fP\n"+e.Meaning+"\n") {
				t.Errorf("%s: EXIT STATUS lacks %s %q", name, e.Code, e.Meaning)
			}
		}
	}
}

// Rendered by man(1), a page reads as the help does: the EXIT STATUS
// table and switches without [=true|false].
func TestManRendersExitStatus(t *testing.T) {
	if _, err := exec.LookPath("man"); err != nil {
		t.Skip("no man(1) here")
	}
	cmd := exec.Command("man", "-l", filepath.Join(committed, "man", "ipcctl-ls.1"))
	cmd.Env = append(os.Environ(), "MANWIDTH=200")
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("man -l: %v", err)
	}
	text := overstrike.ReplaceAllString(string(out), "") // nroff's bold: X\bX
	for _, want := range []string{"EXIT STATUS", "       3      not found", "EXAMPLES", "       --json print typed JSON"} {
		if !strings.Contains(text, want) {
			t.Errorf("man -l ipcctl-ls.1 lacks %q:\n%s", want, text)
		}
	}
}

// No page lists a switch as --x[=true|false] or --x[=false], or shows a
// "not given" sentinel default.
func TestDocsHaveNoFlagNoise(t *testing.T) {
	for _, sub := range []string{"man", "reference"} {
		for name, b := range readDir(t, filepath.Join(committed, sub)) {
			for _, noise := range []string{"true|false", "[=false]", "(default -"} {
				if bytes.Contains(b, []byte(noise)) {
					t.Errorf("docs/%s/%s contains %q", sub, name, noise)
				}
			}
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

package cli_test

import (
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli"
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commandPaths lists every command of the tree (help and completion
// included, as cobra adds them at run time), as argv without "ipcctl".
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	root := cli.NewCmdRoot(cmdutil.New("test"))
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var out [][]string
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		out = append(out, strings.Fields(c.CommandPath())[1:])
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if len(out) < 30 {
		t.Fatalf("only %d commands in the tree: %v", len(out), out)
	}
	return out
}

// Every command's --help, from the built binary, lists switches as
// --json (not --json[=true|false]), shows no "not given" sentinel default
// and ends with the exit status table.
func TestHelpHasNoFlagNoise(t *testing.T) {
	for _, path := range commandPaths(t) {
		r := testutil.Run(t, "", append(path, "--help")...)
		name := strings.Join(append([]string{"ipcctl"}, path...), " ")
		if r.Code != 0 {
			t.Errorf("%s --help: exit %d: %s", name, r.Code, r.Stderr)
			continue
		}
		if n := strings.Count(r.Stdout, "true|false"); n != 0 {
			t.Errorf("%s --help: %d times true|false:\n%s", name, n, r.Stdout)
		}
		if strings.Contains(r.Stdout, "(default -") {
			t.Errorf("%s --help shows a sentinel default:\n%s", name, r.Stdout)
		}
		if !strings.Contains(r.Stdout, "Exit status:\n  0  ok") {
			t.Errorf("%s --help has no exit status table", name)
		}
		if !strings.Contains(r.Stdout, "  -h, --help ") {
			t.Errorf("%s --help does not list -h, --help as a plain switch:\n%s", name, r.Stdout)
		}
	}
}

// A switch still takes an explicit value: --json=false is the table.
func TestSwitchTakesExplicitValue(t *testing.T) {
	root := "--fs-root=" + hptest.Fixture("numa2")
	on := testutil.Run(t, "", "hugepage", root, "--json=true")
	off := testutil.Run(t, "", "hugepage", root, "--json=false")
	plain := testutil.Run(t, "", "hugepage", root)
	if on.Code != 0 || !strings.HasPrefix(on.Stdout, "{") {
		t.Errorf("--json=true: exit %d, %q", on.Code, on.Stdout)
	}
	if off.Code != 0 || off.Stdout != plain.Stdout || strings.HasPrefix(off.Stdout, "{") {
		t.Errorf("--json=false: exit %d, %q; want the table %q", off.Code, off.Stdout, plain.Stdout)
	}
}

func TestFlagUsages(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.BoolP("json", "j", false, "print JSON")
	fs.Bool("color", true, "colour")
	fs.Int("node", -1, "NUMA node `K`")
	fs.Int("limit", 20, "show `N`")
	fs.String("mode", "0600", "permissions")
	fs.String("output", "", "columns")
	fs.Duration("interval", 0, "sample every `D`")
	var d = cmdutil.Day
	cmdutil.DurationVar(fs, &d, "older-than", d, "age")
	fs.String("hidden", "", "not shown")
	fs.MarkHidden("hidden")
	want := "" +
		"      --color                 colour (default true)\n" +
		"      --interval D            sample every D\n" +
		"  -j, --json                  print JSON\n" +
		"      --limit N               show N (default 20)\n" +
		"      --mode string           permissions (default \"0600\")\n" +
		"      --node K                NUMA node K\n" +
		"      --older-than duration   age (default 1d)\n" +
		"      --output string         columns\n"
	if got := cli.FlagUsages(fs); got != want {
		t.Errorf("FlagUsages:\n%s\nwant:\n%s", got, want)
	}
}

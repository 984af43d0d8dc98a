// Package docgen writes ipcctl's man pages and markdown command reference
// from the cobra command tree, so the docs cannot drift from --help.
//
// It follows cobra/doc's layout but lists flags with cli.FlagUsages (no
// `[=true|false]`, no sentinel defaults), and every man page has EXAMPLES
// and EXIT STATUS sections, the latter read from cmdutil.ExitCodeHelp.
package docgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/ipcctl/ipcctl/internal/cli"
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// manDate is the date in every man page header. It is fixed, not the build
// time, so that regenerating unchanged commands gives identical files.
var manDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Generate writes man pages to dir/man and markdown to dir/reference,
// replacing what was there.
func Generate(dir string) error {
	root := cli.NewCmdRoot(cmdutil.New("dev"))
	// Cobra adds these at Execute time; the reference should show them.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag()

	manDir, mdDir := filepath.Join(dir, "man"), filepath.Join(dir, "reference")
	for _, d := range []string{manDir, mdDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	exits, err := ExitStatuses()
	if err != nil {
		return err
	}
	for _, c := range Commands(root) {
		c.InitDefaultHelpFlag()
		dashed := strings.ReplaceAll(c.CommandPath(), " ", "-")
		if err := os.WriteFile(filepath.Join(manDir, dashed+".1"), md2man.Render(manMarkdown(c, exits)), 0o644); err != nil {
			return fmt.Errorf("man pages: %w", err)
		}
		under := strings.ReplaceAll(c.CommandPath(), " ", "_")
		if err := os.WriteFile(filepath.Join(mdDir, under+".md"), markdown(c), 0o644); err != nil {
			return fmt.Errorf("markdown reference: %w", err)
		}
	}
	return nil
}

// Commands lists root and every command below it that gets a page:
// available commands, not help topics (cobra/doc's rule).
func Commands(root *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{root}
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		out = append(out, Commands(c)...)
	}
	return out
}

// ExitStatus is one row of the exit status table.
type ExitStatus struct{ Code, Meaning string }

var exitLine = regexp.MustCompile(`^\s*(\d+)\s+(.+)$`)

// ExitStatuses parses cmdutil.ExitCodeHelp, the table `ipcctl --help`
// prints, so the man pages say exactly what the help says.
func ExitStatuses() ([]ExitStatus, error) {
	var out []ExitStatus
	for _, l := range strings.Split(cmdutil.ExitCodeHelp, "\n")[1:] {
		m := exitLine.FindStringSubmatch(l)
		if m == nil {
			return nil, fmt.Errorf("cmdutil.ExitCodeHelp: unexpected line %q", l)
		}
		out = append(out, ExitStatus{m[1], m[2]})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("cmdutil.ExitCodeHelp has no exit codes")
	}
	return out, nil
}

// Examples are the command's examples; a command without its own gets
// the first example of each subcommand, and a leaf without any its usage
// line, so every page shows how a command is typed.
func Examples(c *cobra.Command) string {
	if strings.TrimSpace(c.Example) != "" {
		return c.Example
	}
	var lines []string
	for _, sub := range sortedChildren(c) {
		if ex := Examples(sub); ex != "" {
			first, _, _ := strings.Cut(ex, "\n")
			lines = append(lines, first)
		}
	}
	if len(lines) == 0 {
		lines = append(lines, "  "+strings.TrimSuffix(c.UseLine(), " [flags]"))
	}
	return strings.Join(lines, "\n")
}

func sortedChildren(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
			out = append(out, sub)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// manMarkdown is the man page in go-md2man's markdown.
func manMarkdown(c *cobra.Command, exits []ExitStatus) []byte {
	var b bytes.Buffer
	dashed := strings.ReplaceAll(c.CommandPath(), " ", "-")
	fmt.Fprintf(&b, "%% \"IPCCTL\" \"1\" \"%s\" \"ipcctl\" \"ipcctl manual\"\n", manDate.Format("Jan 2006"))
	fmt.Fprintf(&b, "# NAME\n%s \\- %s\n\n", dashed, c.Short)
	fmt.Fprintf(&b, "# SYNOPSIS\n**%s**\n\n", c.UseLine())
	desc := c.Long
	if desc == "" {
		desc = c.Short
	}
	fmt.Fprintf(&b, "# DESCRIPTION\n%s\n\n", desc)
	for _, fs := range []struct {
		title string
		flags *pflag.FlagSet
	}{{"OPTIONS", c.NonInheritedFlags()}, {"OPTIONS INHERITED FROM PARENT COMMANDS", c.InheritedFlags()}} {
		if fs.flags.HasAvailableFlags() {
			fmt.Fprintf(&b, "# %s\n", fs.title)
			manFlags(&b, fs.flags)
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "# EXAMPLES\n```\n%s\n```\n\n", Examples(c))
	b.WriteString("# EXIT STATUS\n")
	for _, e := range exits {
		fmt.Fprintf(&b, "**%s**\n: %s\n\n", e.Code, e.Meaning)
	}
	var see []string
	if c.HasParent() {
		see = append(see, fmt.Sprintf("**%s(1)**", strings.ReplaceAll(c.Parent().CommandPath(), " ", "-")))
	}
	for _, sub := range sortedChildren(c) {
		see = append(see, fmt.Sprintf("**%s-%s(1)**", dashed, sub.Name()))
	}
	if len(see) > 0 {
		fmt.Fprintf(&b, "# SEE ALSO\n%s\n", strings.Join(see, ", "))
	}
	return b.Bytes()
}

// manFlags lists flags as the help does: switches bare, values by their
// placeholder, meaningful defaults only; each a definition list item
// (.TP), so the text wraps under the flag.
func manFlags(b *bytes.Buffer, fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		head := "**--" + f.Name + "**"
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			head = "**-" + f.Shorthand + "**, " + head
		}
		varname, usage := pflag.UnquoteUsage(f)
		if f.Value.Type() == "bool" {
			varname = ""
		}
		if varname != "" {
			head += " *" + varname + "*"
		}
		if d := cli.ShownDefault(f); d != "" {
			usage += " (default " + d + ")"
		}
		fmt.Fprintf(b, "%s\n: %s\n\n", head, usage)
	})
}

// markdown is the reference page, in cobra/doc's layout.
func markdown(c *cobra.Command) []byte {
	var b bytes.Buffer
	name := c.CommandPath()
	fmt.Fprintf(&b, "## %s\n\n%s\n\n", name, c.Short)
	if c.Long != "" {
		fmt.Fprintf(&b, "### Synopsis\n\n%s\n\n", c.Long)
	}
	if c.Runnable() {
		fmt.Fprintf(&b, "```\n%s\n```\n\n", c.UseLine())
	}
	fmt.Fprintf(&b, "### Examples\n\n```\n%s\n```\n\n", Examples(c))
	if fs := c.NonInheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprintf(&b, "### Options\n\n```\n%s```\n\n", cli.FlagUsages(fs))
	}
	if fs := c.InheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprintf(&b, "### Options inherited from parent commands\n\n```\n%s```\n\n", cli.FlagUsages(fs))
	}
	fmt.Fprintf(&b, "### Exit status\n\n```\n%s\n```\n\n", strings.TrimPrefix(cmdutil.ExitCodeHelp, "Exit status:\n"))
	link := func(path string) string { return strings.ReplaceAll(path, " ", "_") + ".md" }
	var see []string
	if c.HasParent() {
		p := c.Parent()
		see = append(see, fmt.Sprintf("* [%s](%s)\t - %s\n", p.CommandPath(), link(p.CommandPath()), p.Short))
	}
	for _, sub := range sortedChildren(c) {
		see = append(see, fmt.Sprintf("* [%s](%s)\t - %s\n", sub.CommandPath(), link(sub.CommandPath()), sub.Short))
	}
	if len(see) > 0 {
		fmt.Fprintf(&b, "### SEE ALSO\n\n%s\n", strings.Join(see, ""))
	}
	return b.Bytes()
}

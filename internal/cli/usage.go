package cli

import (
	"fmt"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// FlagUsages lists flags as pflag's FlagUsages does, without its noise:
// a boolean flag is `--json`, not `--json[=true|false]` (it still takes
// --json=false), and a default is shown only when it means something — not
// a zero value, and not a negative number standing for "not given"
// (`(default -1)`). The help text, the man pages and the markdown
// reference all use it, so they cannot disagree.
func FlagUsages(fs *pflag.FlagSet) string {
	type line struct{ head, usage string }
	var lines []line
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		head := "      --" + f.Name
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			head = "  -" + f.Shorthand + ", --" + f.Name
		}
		varname, usage := pflag.UnquoteUsage(f)
		if isBool(f) {
			varname = ""
		}
		if varname != "" {
			head += " " + varname
		}
		if f.NoOptDefVal != "" && !isBool(f) {
			head += "[=" + f.NoOptDefVal + "]"
		}
		if d := ShownDefault(f); d != "" {
			usage += " (default " + d + ")"
		}
		if f.Deprecated != "" {
			usage += " (DEPRECATED: " + f.Deprecated + ")"
		}
		lines = append(lines, line{head, usage})
		width = max(width, len(head))
	})
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%-*s   %s\n", width, l.head, strings.ReplaceAll(l.usage, "\n", "\n"+strings.Repeat(" ", width+3)))
	}
	return b.String()
}

// isBool reports a switch: a flag that needs no value (--json).
func isBool(f *pflag.Flag) bool {
	return f.Value.Type() == "bool" && f.NoOptDefVal == "true"
}

// ShownDefault is the default worth printing after a flag's help, or ""
// when there is none: zero values ("", 0, 0s, false, []) and negative
// numbers, which ipcctl's flags use only as "not given" sentinels.
func ShownDefault(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "0", "0s", "false", "[]", "<nil>":
		return ""
	}
	switch t := f.Value.Type(); {
	case isBool(f):
		return f.DefValue // "true": a switch that is on unless --x=false
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint") || strings.HasPrefix(t, "float") || t == "count" || t == "duration":
		if strings.HasPrefix(f.DefValue, "-") {
			return ""
		}
		return f.DefValue
	case t == "string":
		return fmt.Sprintf("%q", f.DefValue)
	}
	return f.DefValue
}

// usageTemplate is cobra's usage template (v1.10) with our flag listing
// and the exit status table.
var usageTemplate = `Usage:{{if .Runnable}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}{{$cmds := .Commands}}{{if eq (len .Groups) 0}}

Available Commands:{{range $cmds}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{else}}{{range $group := .Groups}}

{{.Title}}{{range $cmds}}{{if (and (eq .GroupID $group.ID) (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if not .AllChildCommandsHaveGroup}}

Additional Commands:{{range $cmds}}{{if (and (eq .GroupID "") (or .IsAvailableCommand (eq .Name "help")))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{flagUsages .LocalFlags | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{flagUsages .InheritedFlags | trimTrailingWhitespaces}}{{end}}{{if .HasHelpSubCommands}}

Additional help topics:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" for more information about a command.{{end}}

` + cmdutil.ExitCodeHelp + `
`

// setUsage gives root (and so every command below it) our usage text.
func setUsage(root *cobra.Command) {
	cobra.AddTemplateFunc("flagUsages", FlagUsages)
	root.SetUsageTemplate(usageTemplate)
}

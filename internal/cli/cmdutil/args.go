package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"
)

// Argument validators that report usage errors (exit 2) instead of
// cobra's plain errors.

// ExactArgs requires exactly n arguments.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return FlagErrorf("%s: want %s, got %d argument(s)", cmd.CommandPath(), what, len(args))
		}
		return nil
	}
}

// MinimumArgs requires at least n arguments.
func MinimumArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		// --list-columns names the columns, whatever the arguments.
		if f := cmd.Flags().Lookup("list-columns"); f != nil && f.Changed {
			return nil
		}
		if len(args) < n {
			return FlagErrorf("%s: want %s", verbPath(cmd), what)
		}
		return nil
	}
}

// verbPath is the command's path without the program name, which the
// "ipcctl: " before every message already says: "mmap residency".
func verbPath(cmd *cobra.Command) string {
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}

// NoArgs refuses positional arguments.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("%s: unexpected argument %q", verbPath(cmd), args[0])
	}
	return nil
}

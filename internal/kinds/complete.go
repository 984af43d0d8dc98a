package kinds

import (
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/spf13/cobra"
)

// Completion: what a shell offers at <TAB> comes from this table and from
// the live system, never from file names.

// CompleteKinds offers the names of ks, each with what it is.
func CompleteKinds(ks []*Kind) []cobra.Completion {
	out := make([]cobra.Completion, len(ks))
	for i, k := range ks {
		out[i] = cobra.CompletionWithDesc(string(k.Name), k.Help)
	}
	return out
}

// CompleteTargets offers the live objects of k: System V ids with their
// key and what they hold, POSIX names with theirs. A system that cannot
// be read offers nothing.
func CompleteTargets(f *cmdutil.Factory, k *Kind, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	objs, descs, err := k.Objects(f)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for i, o := range objs {
		name := o.Name
		if k.Family == SysV {
			name = strconv.Itoa(o.ID)
		}
		if !strings.HasPrefix(name, toComplete) {
			continue
		}
		desc := descs[i]
		if owner := f.Names().User(o.UID); desc != "" {
			desc = owner + ", " + desc
		} else {
			desc = owner
		}
		out = append(out, cobra.CompletionWithDesc(name, desc))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteColumns offers the columns of sets for -o/--output and --sort:
// after a leading "+" and after commas too, so "+rss,sw<TAB>" gives
// "+rss,swap".
func CompleteColumns(sets []*table.Set, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	done, current := "", toComplete
	if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
		done, current = toComplete[:i+1], toComplete[i+1:]
	} else if strings.HasPrefix(toComplete, "+") {
		done, current = "+", toComplete[1:]
	}
	taken := map[string]bool{}
	for _, n := range strings.Split(strings.TrimPrefix(done, "+"), ",") {
		taken[n] = true
	}
	var out []cobra.Completion
	seen := map[string]bool{}
	for _, s := range sets {
		for _, c := range s.Cols {
			if seen[c.Name] || taken[c.Name] || !strings.HasPrefix(c.Name, current) {
				continue
			}
			seen[c.Name] = true
			out = append(out, cobra.CompletionWithDesc(done+c.Name, c.Help))
		}
	}
	if done == "" && strings.HasPrefix("all", current) {
		out = append(out, cobra.CompletionWithDesc("all", "every column"))
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// CompleteColumnFlags registers completion of -o/--output and --sort on
// cmd, with the columns of the kinds the command's arguments name.
func CompleteColumnFlags(cmd *cobra.Command, kindsOf func(args []string) []*Kind) {
	complete := func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return CompleteColumns(Sets(kindsOf(args)), toComplete)
	}
	for _, name := range []string{"output", "sort"} {
		if cmd.Flags().Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, complete)
		}
	}
}

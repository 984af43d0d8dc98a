package cmdutil

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ipcctl/ipcctl/pkg/hugetlb"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/ipcctl/ipcctl/pkg/thp"
	"github.com/spf13/cobra"
)

// CompleteHugePageSizes offers the huge page sizes the kernel has pools
// for (2M, 1G), each with its pool's free pages; extra values (such as
// "default") come first.
func CompleteHugePageSizes(f *Factory, extra ...string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		out := slices.Clone(extra)
		pools, _, err := hugetlb.New(f.FS).Pools()
		if err == nil {
			for _, p := range pools {
				out = append(out, cobra.CompletionWithDesc(procfs.PageSizeName(p.PageSize),
					fmt.Sprintf("%d free of %d pages", p.Free, p.Total)))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteTHPSettings offers the THP settings `thp set` takes, as KEY=,
// and after KEY= the values the kernel offers for it (mTHP sizes with
// --size).
func CompleteTHPSettings(f *Factory, size func() uint64) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		targets, err := thp.New(f.FS).Targets(size())
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if key, _, ok := strings.Cut(toComplete, "="); ok {
			t, found := targets[key]
			if !found {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, c := range t.Current.Choices {
				out = append(out, key+"="+c)
			}
			if len(out) == 0 {
				out = append(out, cobra.CompletionWithDesc(key+"="+t.Current.Value, "now"))
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, key := range slices.Sorted(maps.Keys(targets)) {
			out = append(out, cobra.CompletionWithDesc(key+"=", "now "+targets[key].Current.Value))
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

package hugepage

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/spf13/cobra"
)

// ExplainOptions are the parsed arguments of `ipcctl hugepage explain`.
type ExplainOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Output  cmdutil.OutputOptions
}

// NewCmdExplain builds `hugepage explain`.
func NewCmdExplain(f *cmdutil.Factory, runF func(*ExplainOptions) error) *cobra.Command {
	opts := &ExplainOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "explain",
		Short: "Check the huge page setup and say how to fix it",
		Long: `Check memory, the pools, hugetlbfs mounts, vm.min_free_kbytes,
kernel.shmmax against the pools and vm.hugetlb_shm_group, and print each
finding in plain words with the command that fixes it.

Each hugetlbfs mount is checked: its mount point can be reached, a pool
of its page size can give pages, who may create files in it (mode, uid
and gid as mounted; world-writable without the sticky bit is a warning),
and its size= limit against one page and against the pool.

Replaces hugeadm --explain (which reads shmmax into a signed long; every
figure here is unsigned 64-bit).`,
		Example: `  ipcctl hugepage explain
  ipcctl hugepage explain --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return explainRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func explainRun(opts *ExplainOptions) error {
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "findings", columns.Findings())
	if done || err != nil {
		return err
	}
	found, err := client(opts.Factory).Explain()
	if err != nil {
		return fmt.Errorf("hugepage explain: %w", err)
	}
	rows := make([]columns.Finding, len(found))
	for i, f := range found {
		rows[i] = columns.Finding{Check: f.Check, Status: f.Status, Message: f.Message, Fix: f.Fix}
	}
	return table.Render(opts.IO.Out, ropts, cols.Build("findings", "Huge Page Health Check", rows))
}

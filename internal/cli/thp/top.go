package thp

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/spf13/cobra"
)

// TopOptions are the parsed arguments of `ipcctl thp top`.
type TopOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Output  cmdutil.OutputOptions
	Limit   int // 0: every process
}

// NewCmdTop builds `thp top`.
func NewCmdTop(f *cmdutil.Factory, runF func(*TopOptions) error) *cobra.Command {
	opts := &TopOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "top [--limit N]",
		Short: "Rank processes by memory in transparent huge pages",
		Long: `List processes by AnonHugePages (from /proc/PID/smaps_rollup), largest
first, with their resident memory and whether THP is enabled for them.
Processes that exit while being read, or whose files cannot be read, are
skipped.`,
		Example: `  ipcctl thp top
  ipcctl thp top --limit 0 --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("invalid --limit %d: want 0 (all) or more", opts.Limit)
			}
			if runF != nil {
				return runF(opts)
			}
			return topRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmd.Flags().IntVar(&opts.Limit, "limit", 20, "show the top `N` processes (0: all)")
	return cmd
}

func topRun(opts *TopOptions) error {
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "processes", columns.THPProcesses())
	if done || err != nil {
		return err
	}
	procs, err := client(opts.Factory).TopProcesses(opts.Limit)
	if err != nil {
		return fmt.Errorf("thp top: %w", err)
	}
	return table.Render(opts.IO.Out, ropts, cols.Build("processes", "Processes by THP Use", procs))
}

// Package limits implements `ipcctl limits`: kernel IPC limits and usage.
package limits

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl limits`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Output cmdutil.OutputOptions
}

// NewCmdLimits builds the command; runF replaces limitsRun in tests.
func NewCmdLimits(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "limits",
		Short: "Show System V and POSIX IPC limits and usage",
		Long: `Show every System V IPC limit and POSIX message queue limit of this IPC
namespace, with what is in use against it, and the capacity and use of
the /dev/shm tmpfs that holds POSIX shared memory and semaphores
(DEVSHM_BYTES, DEVSHM_INODES; -o +free adds what is left).

Replaces ipcs -l, ipcs -u and lsipc -g. SHMALL is in pages, and its usage
counts each segment rounded up to whole pages, as the kernel charges it.
Byte limits are humanized in the table unless -b; --json gives plain
numbers (bytes), and null where nothing counts against a limit or a
usage figure has no limit.`,
		Example: `  ipcctl limits
  ipcctl limits --json
  ipcctl limits -o resource,used,limit --raw -n`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return limitsRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func limitsRun(opts *Options) error {
	ropts, err := opts.Output.RenderOptions(opts.Factory)
	if err != nil {
		return err
	}
	cols := columns.Limits()
	if opts.Output.ListColumns {
		return table.Render(opts.IO.Out, ropts, cols.Catalog("limits"))
	}
	sel, err := cmdutil.SelectColumns(cols, opts.Output.Columns)
	if err != nil {
		return err
	}
	rows, err := opts.Factory.IPC().Limits()
	if err != nil {
		return fmt.Errorf("limits: %w", err)
	}
	return table.Render(opts.IO.Out, ropts, sel.Build("limits", "IPC Limits", rows))
}

// Package limits implements `ipcctl limits`: kernel IPC limits and usage.
package limits

import (
	"context"
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/internal/watch"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl limits`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Output cmdutil.OutputOptions
	Watch  string // --watch[=INTERVAL]
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
  ipcctl limits -o resource,used,limit --raw -n
  ipcctl limits --watch=5s`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return limitsRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmdutil.AddWatchFlag(cmd, &opts.Watch)
	cmdutil.AddNSFlag(cmd, f)
	return cmd
}

func limitsRun(opts *Options) error {
	f := opts.Factory
	cols := columns.Limits()
	out, err := opts.Output.Resolve(f, cols.Set("limits"))
	if err != nil {
		return err
	}
	if opts.Output.ListColumns {
		return out.PrintCatalogs(f)
	}
	interval, err := cmdutil.ParseWatch(opts.Watch)
	if err != nil {
		return err
	}
	sel := cols.Pick(out.Columns[0])
	look := func() ([]*table.Table, error) {
		rows, err := f.IPC().Limits()
		if err != nil {
			return nil, fmt.Errorf("limits: %w", err)
		}
		return []*table.Table{sel.Build("limits", "IPC Limits", rows)}, nil
	}
	if interval > 0 {
		return watch.Run(context.Background(), watch.Options{IO: opts.IO, Render: out.Render, Interval: interval,
			Title: fmt.Sprintf("Every %s: ipcctl limits", interval), Now: f.Now}, look)
	}
	tables, err := look()
	if err != nil {
		return err
	}
	return table.Render(opts.IO.Out, out.Render, tables...)
}

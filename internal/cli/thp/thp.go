// Package thp implements `ipcctl thp`: Transparent Huge Page and
// multi-size THP settings, khugepaged, counters and per-process use. It
// replaces hugeadm's --thp-* options.
package thp

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	thppkg "github.com/ipcctl/ipcctl/pkg/thp"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl thp` (the status).
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Output  cmdutil.OutputOptions
}

// NewCmdTHP builds `thp` and its subcommands; runF replaces statusRun in tests.
func NewCmdTHP(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "thp",
		Short: "Show and set Transparent Huge Pages",
		Long: `Show the Transparent Huge Page settings (enabled, defrag, shmem_enabled,
use_zero_page, hpage_pmd_size and any newer file), khugepaged's settings
and counters, each multi-size THP size's enabled and shmem_enabled, and
the memory in THPs now.

Keys are the ones 'ipcctl thp set KEY=VALUE' takes. Replaces hugeadm
--thp-always/--thp-madvise/--thp-never and --thp-khugepaged-*.`,
		Example: `  ipcctl thp
  ipcctl thp --json
  ipcctl thp set enabled=madvise
  ipcctl thp stats --interval 1s
  ipcctl thp stats --all --json
  ipcctl thp top`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(opts)
		},
	}
	cmdutil.AddFSRootFlag(cmd, f)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmd.AddCommand(NewCmdSet(f, nil), NewCmdStats(f, nil), NewCmdTop(f, nil))
	return cmd
}

// client is the THP handle of the factory's filesystem.
func client(f *cmdutil.Factory) *thppkg.Client { return thppkg.New(f.FS) }

// settingRows lists every setting under the key `thp set` uses.
func settingRows(t procfs.THP) []columns.THPSetting {
	rows := make([]columns.THPSetting, 0, len(t.Settings)+len(t.Khugepaged))
	for _, s := range t.Settings {
		rows = append(rows, columns.THPSetting{Key: s.Name, THPSetting: s})
	}
	for _, s := range t.Khugepaged {
		rows = append(rows, columns.THPSetting{Key: "khugepaged." + s.Name, THPSetting: s})
	}
	return rows
}

func statusRun(opts *Options) error {
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "settings", columns.THPSettings())
	if done || err != nil {
		return err
	}
	c := client(opts.Factory)
	t, err := c.Settings()
	if err != nil {
		return fmt.Errorf("thp: %w", err)
	}
	u, err := c.Usage()
	if err != nil {
		return fmt.Errorf("thp: %w", err)
	}
	usage := columns.THPUsage{Meminfo: u.Meminfo, NrAnonTHP: u.NrAnonTHP}
	return table.Render(opts.IO.Out, ropts,
		cols.Build("settings", "Transparent Huge Pages", settingRows(t)),
		columns.MTHPSizes().Build("sizes", "Multi-size THP", t.Sizes),
		columns.THPUsageColumns().Build("usage", "THP Memory", []columns.THPUsage{usage}),
	)
}

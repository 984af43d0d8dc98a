// Package thp implements `ipcctl thp`: Transparent Huge Page and
// multi-size THP settings, khugepaged, counters and per-process use. It
// replaces hugeadm's --thp-* options.
package thp

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/cli/hugepage"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/procfs"
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
  ipcctl thp top`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(opts)
		},
	}
	hugepage.AddRootFlag(cmd, f)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmd.AddCommand(NewCmdSet(f, nil), NewCmdStats(f, nil), NewCmdTop(f, nil))
	return cmd
}

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
	fs := opts.Factory.FS
	t, err := fs.THP()
	if err != nil {
		return fmt.Errorf("thp: %w", err)
	}
	usage, err := readUsage(fs)
	if err != nil {
		return fmt.Errorf("thp: %w", err)
	}
	return table.Render(opts.IO.Out, ropts,
		cols.Build("settings", "Transparent Huge Pages", settingRows(t)),
		columns.MTHPSizes().Build("sizes", "Multi-size THP", t.Sizes),
		columns.THPUsageColumns().Build("usage", "THP Memory", []columns.THPUsage{usage}),
	)
}

func readUsage(fs procfs.FS) (columns.THPUsage, error) {
	mi, err := fs.Meminfo()
	if err != nil {
		return columns.THPUsage{}, err
	}
	u := columns.THPUsage{Meminfo: mi}
	vm, err := fs.Vmstat("nr_anon_transparent_hugepages")
	if err != nil {
		return u, err
	}
	if len(vm) > 0 {
		u.NrAnonTHP = &vm[0].Value
	}
	return u, nil
}

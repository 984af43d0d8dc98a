// Package hugepage implements `ipcctl hugepage`: huge page pools per size
// and NUMA node, setting them, hugetlbfs mounts, a health check and a
// trial allocation. It replaces hugeadm's pool and mount commands.
package hugepage

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl hugepage` (the status).
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Output  cmdutil.OutputOptions
}

// NewCmdHugepage builds `hugepage` and its subcommands; runF replaces
// statusRun in tests.
func NewCmdHugepage(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "hugepage",
		Short: "Show and set huge page pools and hugetlbfs mounts",
		Long: `Show the huge page pools of every page size: total, free, reserved and
surplus pages, what a new mapping can get (available = free − reserved),
the persistent pool (minimum = total − surplus) and how far it may grow
(maximum = minimum + overcommit); then each NUMA node's pools, the
hugetlbfs mounts, and the memory in all pools (Hugetlb).

Replaces hugeadm --pool-list, --list-all-mounts and --explain.`,
		Example: `  ipcctl hugepage
  ipcctl hugepage --json
  ipcctl hugepage set 2M --min 512 --max 1024
  ipcctl hugepage explain`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(opts)
		},
	}
	AddRootFlag(cmd, f)
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmd.AddCommand(
		NewCmdSet(f, nil),
		NewCmdMounts(f, nil),
		NewCmdMount(f, nil),
		NewCmdUmount(f, nil),
		NewCmdExplain(f, nil),
		NewCmdTest(f, nil),
	)
	return cmd
}

// AddRootFlag adds the hidden --fs-root flag, for tests only: it points
// every /proc and /sys read and write of the command at a fixture tree.
func AddRootFlag(cmd *cobra.Command, f *cmdutil.Factory) {
	var root string
	cmd.PersistentFlags().StringVar(&root, "fs-root", "", "read and write /proc and /sys below `DIR` (for tests)")
	_ = cmd.PersistentFlags().MarkHidden("fs-root")
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if root != "" {
			f.FS = procfs.FS(root)
		}
		return nil
	}
}

// poolRows reads the pools, marking the default size.
func poolRows(fs procfs.FS) ([]columns.HugePool, procfs.Meminfo, error) {
	mi, err := fs.Meminfo()
	if err != nil {
		return nil, mi, err
	}
	pools, err := fs.HugePagePools()
	if err != nil {
		return nil, mi, err
	}
	rows := make([]columns.HugePool, len(pools))
	for i, p := range pools {
		rows[i] = columns.HugePool{HugePagePool: p, Default: mi.Hugepagesize != nil && *mi.Hugepagesize == p.PageSize}
	}
	return rows, mi, nil
}

func statusRun(opts *Options) error {
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "pools", columns.HugePools())
	if done || err != nil {
		return err
	}
	fs := opts.Factory.FS
	pools, mi, err := poolRows(fs)
	if err != nil {
		return fmt.Errorf("hugepage: %w", err)
	}
	nodes, err := fs.NodeHugePagePools()
	if err != nil {
		return fmt.Errorf("hugepage: %w", err)
	}
	mounts, err := fs.HugetlbfsMounts()
	if err != nil {
		return fmt.Errorf("hugepage: %w", err)
	}
	return table.Render(opts.IO.Out, ropts,
		cols.Build("pools", "Huge Page Pools", pools),
		columns.HugeNodes().Build("nodes", "Pools per NUMA Node", nodes),
		columns.HugetlbfsMounts().Defaults().Build("mounts", "Hugetlbfs Mounts", mounts),
		columns.HugeMemory().Build("memory", "Huge Page Memory", []procfs.Meminfo{mi}),
	)
}

// findPool resolves a SIZE argument (2M, 1G, 1GiB, 2097152 or "default")
// to one of the kernel's pools; anything else is a usage error listing
// the sizes offered.
func findPool(pools []columns.HugePool, arg string) (columns.HugePool, error) {
	offered := make([]string, len(pools))
	for i, p := range pools {
		offered[i] = columns.PageSizeName(p.PageSize)
	}
	if strings.EqualFold(arg, "default") {
		for _, p := range pools {
			if p.Default {
				return p, nil
			}
		}
		return columns.HugePool{}, fmt.Errorf("no default huge page size in /proc/meminfo: %w", procfs.ErrNotSupported)
	}
	size, err := cmdutil.ParseSize(arg)
	if err == nil {
		if i := slices.IndexFunc(pools, func(p columns.HugePool) bool { return p.PageSize == size }); i >= 0 {
			return pools[i], nil
		}
	}
	return columns.HugePool{}, cmdutil.FlagErrorf("unknown huge page size %q (offered: %s, default)", arg, strings.Join(offered, ", "))
}

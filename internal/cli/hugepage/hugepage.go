// Package hugepage implements `ipcctl hugepage`: huge page pools per size
// and NUMA node, setting them, hugetlbfs mounts, a health check and a
// trial allocation. It replaces hugeadm's pool and mount commands.
package hugepage

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/hugetlb"
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
	cmdutil.AddFSRootFlag(cmd, f)
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

// client is the huge page handle of the factory's filesystem.
func client(f *cmdutil.Factory) *hugetlb.Client { return hugetlb.New(f.FS) }

// poolRows turns the client's pools into table rows.
func poolRows(pools []hugetlb.Pool) []columns.HugePool {
	rows := make([]columns.HugePool, len(pools))
	for i, p := range pools {
		rows[i] = columns.HugePool{HugePagePool: p.HugePagePool, Default: p.Default}
	}
	return rows
}

func statusRun(opts *Options) error {
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "pools", columns.HugePools())
	if done || err != nil {
		return err
	}
	st, err := client(opts.Factory).Status()
	if err != nil {
		return fmt.Errorf("hugepage: %w", err)
	}
	return table.Render(opts.IO.Out, ropts,
		cols.Build("pools", "Huge Page Pools", poolRows(st.Pools)),
		columns.HugeNodes().Build("nodes", "Pools per NUMA Node", st.Nodes),
		columns.HugetlbfsMounts().Defaults().Build("mounts", "Hugetlbfs Mounts", st.Mounts),
		columns.HugeMemory().Build("memory", "Huge Page Memory", []procfs.Meminfo{st.Meminfo}),
	)
}

// findPool resolves a SIZE argument (2M, 1G, 1GiB, 2097152 or "default")
// to one of the kernel's pools; anything else is a usage error listing
// the sizes offered.
func findPool(c *hugetlb.Client, arg string) (hugetlb.Pool, error) {
	if strings.EqualFold(arg, "default") {
		return c.DefaultPool()
	}
	size, perr := cmdutil.ParseSize(arg)
	var sizes []uint64
	if perr == nil {
		p, err := c.Pool(size)
		var unknown *hugetlb.UnknownPageSizeError
		if !errors.As(err, &unknown) {
			return p, err
		}
		sizes = unknown.Offered
	} else {
		var err error
		if sizes, err = c.PageSizes(); err != nil {
			return hugetlb.Pool{}, err
		}
	}
	offered := make([]string, 0, len(sizes)+1)
	for _, s := range sizes {
		offered = append(offered, procfs.PageSizeName(s))
	}
	return hugetlb.Pool{}, cmdutil.FlagErrorf("unknown huge page size %q (offered: %s)", arg, strings.Join(append(offered, "default"), ", "))
}

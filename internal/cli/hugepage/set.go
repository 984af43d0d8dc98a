package hugepage

import (
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/spf13/cobra"
)

// SetOptions are the parsed arguments of `ipcctl hugepage set`.
type SetOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Size   string
	Min    string // count or memory size, +N/-N adjusts; "" leaves it
	Max    string
	Node   int // -1: system-wide
	DryRun bool
}

// NewCmdSet builds `hugepage set`.
func NewCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "set SIZE [--min N] [--max N] [--node K]",
		Short: "Resize a huge page pool",
		Long: `Resize the pool of huge pages of SIZE (2M, 1G, ... or "default").

--min sets the persistent pool (nr_hugepages); --max sets how far the pool
may grow on demand (minimum + nr_overcommit_hugepages). N is a number of
pages or a memory size such as 512M (rounded up to whole pages); +N and -N
adjust the current value. --node resizes one NUMA node's persistent pool.

The pool is read back after writing: when the kernel found fewer pages
than asked (memory is fragmented) both figures are printed and the exit
status is 8. Gigantic pages (1G on x86) have no overcommit: --max on them
is an error. --dry-run prints the exact writes and changes nothing.`,
		Example: `  ipcctl hugepage set 2M --min 512
  ipcctl hugepage set default --min 1G --max 2G
  ipcctl hugepage set 1G --min +2 --node 1
  ipcctl hugepage set 2M --min 0 --dry-run`,
		Args: cmdutil.ExactArgs(1, "a page SIZE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Size = args[0]
			if opts.Min == "" && opts.Max == "" {
				return cmdutil.FlagErrorf("hugepage set: give --min, --max or both")
			}
			if !cmd.Flags().Changed("node") {
				opts.Node = -1
			} else if opts.Node < 0 {
				return cmdutil.FlagErrorf("invalid --node %d: want a node number", opts.Node)
			}
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Min, "min", "", "persistent pool size: `N` pages or a memory size; +N/-N adjust")
	cmd.Flags().StringVar(&opts.Max, "max", "", "largest pool size with overcommit: `N` pages or a memory size; +N/-N adjust")
	cmd.Flags().IntVar(&opts.Node, "node", -1, "resize the pool of NUMA node `K` only (--min only)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the writes and change nothing")
	return cmd
}

// ParseCount parses N, +N or -N where N is pages or a memory size (with
// a unit), rounded up to whole pages of pageSize, and applies it to cur.
func ParseCount(flag, s string, cur, pageSize uint64) (uint64, error) {
	t := strings.TrimSpace(s)
	sign := byte(0)
	if t != "" && (t[0] == '+' || t[0] == '-') {
		sign, t = t[0], t[1:]
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil {
		bytes, serr := cmdutil.ParseSize(t)
		if serr != nil || t == "" {
			return 0, cmdutil.FlagErrorf("invalid %s %q: want a number of pages or a size such as 512M, optionally with + or -", flag, s)
		}
		n = bytes / pageSize
		if bytes%pageSize != 0 {
			n++
		}
	}
	switch sign {
	case '+':
		if n > math.MaxUint64-cur {
			return 0, cmdutil.FlagErrorf("invalid %s %q: %d + %d overflows", flag, s, cur, n)
		}
		return cur + n, nil
	case '-':
		if n > cur {
			return 0, cmdutil.FlagErrorf("invalid %s %q: the pool has only %d pages", flag, s, cur)
		}
		return cur - n, nil
	}
	return n, nil
}

type poolWrite struct {
	rel       string
	value     uint64
	cur       uint64
	isMinimum bool
}

func setRun(opts *SetOptions) error {
	fs := opts.Factory.FS
	pools, _, err := poolRows(fs)
	if err != nil {
		return fmt.Errorf("hugepage set: %w", err)
	}
	pool, err := findPool(pools, opts.Size)
	if err != nil {
		return err
	}
	name := columns.PageSizeName(pool.PageSize)
	target := pool.HugePagePool
	dir := procfs.HugePagesDir(pool.PageSize)
	if opts.Node >= 0 {
		if target, err = nodePool(fs, opts.Node, pool.PageSize); err != nil {
			return err
		}
		dir = procfs.NodeHugePagesDir(opts.Node, pool.PageSize)
	}
	var writes []poolWrite
	newMin := target.Minimum()
	if opts.Min != "" {
		if newMin, err = ParseCount("--min", opts.Min, target.Minimum(), pool.PageSize); err != nil {
			return err
		}
		writes = append(writes, poolWrite{path.Join(dir, "nr_hugepages"), newMin, target.Total, true})
	}
	if opts.Max != "" {
		switch {
		case opts.Node >= 0:
			return cmdutil.FlagErrorf("--max applies to the whole system: overcommit is not per node")
		case procfs.Gigantic(pool.PageSize) || pool.Overcommit == nil:
			return cmdutil.FlagErrorf("--max: %s pages are gigantic and have no overcommit; size their pool with --min", name)
		}
		newMax, err := ParseCount("--max", opts.Max, *pool.Maximum(), pool.PageSize)
		if err != nil {
			return err
		}
		if newMax < newMin {
			return cmdutil.FlagErrorf("--max %d is below the minimum %d", newMax, newMin)
		}
		writes = append(writes, poolWrite{path.Join(dir, "nr_overcommit_hugepages"), newMax - newMin, *pool.Overcommit, false})
	}
	if opts.DryRun {
		for _, w := range writes {
			// The plan is all a dry run gives: output that is lost is a failure.
			if _, err := fmt.Fprintf(opts.IO.Out, "would write %d to %s (now %d)\n", w.value, fs.Path(w.rel), w.cur); err != nil {
				return fmt.Errorf("hugepage set %s --dry-run: writing output: %w", name, err)
			}
		}
		return nil
	}
	for _, w := range writes {
		if err := fs.CheckWritable(w.rel); err != nil {
			return fmt.Errorf("hugepage set %s: %w", name, err)
		}
	}
	where := name + " pool"
	if opts.Node >= 0 {
		where = fmt.Sprintf("%s pool on node %d", name, opts.Node)
	}
	for _, w := range writes {
		if !w.isMinimum {
			old, got, err := fs.WriteUint64(w.rel, w.value)
			if err != nil {
				return fmt.Errorf("hugepage set %s --max: %w", name, err)
			}
			fmt.Fprintf(opts.IO.Out, "%s overcommit: %d → %d pages (maximum %d)\n", where, old, got, newMin+got)
			continue
		}
		before := target.Minimum()
		if err := fs.WriteFile(w.rel, strconv.FormatUint(w.value, 10)); err != nil {
			return fmt.Errorf("hugepage set %s --min: %w", name, err)
		}
		after, err := readPool(fs, opts.Node, pool.PageSize)
		if err != nil {
			return fmt.Errorf("hugepage set %s: reading back: %w", name, err)
		}
		fmt.Fprintf(opts.IO.Out, "%s minimum: %d → %d pages\n", where, before, after.Minimum())
		if after.Minimum() < w.value {
			fmt.Fprintf(opts.IO.ErrOut, "ipcctl: hugepage set %s: asked for %d pages, the kernel gave %d\n", name, w.value, after.Minimum())
			return &cmdutil.PartialError{Failed: 1, Total: 1}
		}
	}
	return nil
}

func readPool(fs procfs.FS, node int, size uint64) (procfs.HugePagePool, error) {
	if node >= 0 {
		return nodePool(fs, node, size)
	}
	pools, err := fs.HugePagePools()
	if err != nil {
		return procfs.HugePagePool{}, err
	}
	for _, p := range pools {
		if p.PageSize == size {
			return p, nil
		}
	}
	return procfs.HugePagePool{}, fmt.Errorf("%s pool vanished: %w", columns.PageSizeName(size), procfs.ErrNotSupported)
}

// nodePool finds one node's pool of a size; an unknown node is a usage
// error listing the nodes.
func nodePool(fs procfs.FS, node int, size uint64) (procfs.HugePagePool, error) {
	pools, err := fs.NodeHugePagePools()
	if err != nil {
		return procfs.HugePagePool{}, err
	}
	var nodes []string
	for _, p := range pools {
		if p.PageSize != size {
			continue
		}
		if p.Node == node {
			return p, nil
		}
		nodes = append(nodes, strconv.Itoa(p.Node))
	}
	return procfs.HugePagePool{}, cmdutil.FlagErrorf("unknown NUMA node %d for %s pages (nodes: %s)", node, columns.PageSizeName(size), strings.Join(nodes, ", "))
}

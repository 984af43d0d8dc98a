package hugepage

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/hugetlb"
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

The request is checked first, the same way with or without --dry-run: a
size the kernel does not offer, an unknown node, or a persistent pool
larger than the machine's memory (or the node's) is refused (exit 2);
a pool that would leave little memory for anything else, or that needs
more than is free now, is written with a warning on stderr. Gigantic
pages (1G on x86) have no overcommit: --max on them is an error.

The pool is read back after writing: when the kernel found fewer pages
than asked (memory is fragmented) both figures are printed and the exit
status is 8. --dry-run prints the exact writes, each line starting with
"dry run:", and changes nothing.`,
		Example: `  ipcctl hugepage set 2M --min 512
  ipcctl hugepage set default --min 1G --max 2G
  ipcctl hugepage set 1G --min +2 --node 1
  ipcctl hugepage set 2M --min 0 --dry-run`,
		Args:              cmdutil.ExactArgs(1, "a page SIZE"),
		ValidArgsFunction: cmdutil.CompleteHugePageSizes(f),
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

// ParseCount parses N, +N or -N where N is pages or a memory size with a
// unit (rounded up to whole pages when resolved against a pool).
func ParseCount(flag, s string) (*hugetlb.Count, error) {
	t := strings.TrimSpace(s)
	c := &hugetlb.Count{}
	if t != "" && (t[0] == '+' || t[0] == '-') {
		c.Sign = 1
		if t[0] == '-' {
			c.Sign = -1
		}
		t = t[1:]
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil {
		bytes, serr := cmdutil.ParseSize(t)
		if serr != nil || t == "" {
			return nil, cmdutil.FlagErrorf("invalid %s %q: want a number of pages or a size such as 512M, optionally with + or -", flag, s)
		}
		n, c.Bytes = bytes, true
	}
	c.Value = n
	return c, nil
}

func setRun(opts *SetOptions) error {
	c := client(opts.Factory)
	pool, err := findPool(c, opts.Size)
	if err != nil {
		return fmt.Errorf("hugepage set: %w", err)
	}
	name := procfs.PageSizeName(pool.PageSize)
	req := hugetlb.SetRequest{PageSize: pool.PageSize, Node: opts.Node}
	for _, x := range []struct {
		flag, val string
		dst       **hugetlb.Count
	}{{"--min", opts.Min, &req.Min}, {"--max", opts.Max, &req.Max}} {
		if x.val == "" {
			continue
		}
		if *x.dst, err = ParseCount(x.flag, x.val); err != nil {
			return err
		}
	}
	plan, err := c.PlanSet(req)
	if err != nil {
		return cmdutil.PrefixError("hugepage set "+name, err)
	}
	for _, w := range plan.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "ipcctl: hugepage set %s: warning: %s\n", name, w)
	}
	fs := opts.Factory.FS
	if opts.DryRun {
		for _, w := range plan.Writes {
			// The plan is all a dry run gives: output that is lost is a failure.
			if _, err := fmt.Fprintf(opts.IO.Out, "dry run: would write %d to %s (now %d)\n", w.Value, fs.Path(w.File), w.Current); err != nil {
				return fmt.Errorf("hugepage set %s --dry-run: writing output: %w", name, err)
			}
		}
		return nil
	}
	where := name + " pool"
	if opts.Node >= 0 {
		where = fmt.Sprintf("%s pool on node %d", name, opts.Node)
	}
	changes, err := c.Set(plan)
	var out []byte
	for _, ch := range changes {
		if ch.Minimum {
			out = fmt.Appendf(out, "%s minimum: %d → %d pages\n", where, ch.Old, ch.New)
		} else {
			out = fmt.Appendf(out, "%s overcommit: %d → %d pages (maximum %d)\n", where, ch.Old, ch.New, plan.Min+ch.New)
		}
	}
	if _, werr := opts.IO.Out.Write(out); werr != nil && err == nil {
		err = fmt.Errorf("writing output: %w (the pool was changed)", werr)
	}
	var short *hugetlb.ShortfallError
	if errors.As(err, &short) {
		fmt.Fprintf(opts.IO.ErrOut, "ipcctl: hugepage set %s: %v\n", name, short)
		return &cmdutil.PartialError{Failed: 1, Total: 1}
	}
	if err != nil {
		return fmt.Errorf("hugepage set %s: %w", name, err)
	}
	return nil
}

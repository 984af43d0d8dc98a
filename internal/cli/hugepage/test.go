package hugepage

import (
	"errors"
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/hugetlb"
	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// TestOptions are the parsed arguments of `ipcctl hugepage test`.
type TestOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Size    string
	Count   uint64
}

// NewCmdTest builds `hugepage test`.
func NewCmdTest(f *cmdutil.Factory, runF func(*TestOptions) error) *cobra.Command {
	opts := &TestOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "test [--size SIZE] [--count N]",
		Short: "Map huge pages and touch them, to prove the pool works",
		Long: `Map N huge pages of SIZE with MAP_HUGETLB, write to each so the kernel
really allocates it, and unmap them. Prints success, or exactly why not:
too few available pages in the pool (exit 7, with the command that grows
it, as create shm --hugetlb and mmap anon --hugetlb say), or the
kernel's refusal.`,
		Example: `  ipcctl hugepage test
  ipcctl hugepage test --size 1G --count 2`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Count == 0 {
				return cmdutil.FlagErrorf("invalid --count 0: want at least 1 page")
			}
			if runF != nil {
				return runF(opts)
			}
			return testRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Size, "size", "default", "huge page `SIZE` (2M, 1G, default)")
	_ = cmd.RegisterFlagCompletionFunc("size", cmdutil.CompleteHugePageSizes(f, "default"))
	cmd.Flags().Uint64Var(&opts.Count, "count", 1, "number of pages to map (`N`)")
	return cmd
}

func testRun(opts *TestOptions) error {
	c := client(opts.Factory)
	p, err := findPool(c, opts.Size)
	if err != nil {
		return fmt.Errorf("hugepage test: %w", err)
	}
	name := procfs.PageSizeName(p.PageSize)
	if hugetlb.Room(p.HugePagePool) < opts.Count {
		return fmt.Errorf("hugepage test %s: %w", name, c.PoolEmpty(p.PageSize, opts.Count))
	}
	if err := hugetlb.Touch(p.PageSize, opts.Count); err != nil {
		var fault *mmaputil.FaultError
		if errors.Is(err, unix.ENOMEM) || errors.As(err, &fault) {
			// Someone took the pages between the check and the mapping,
			// or a hugetlb cgroup limit refused one at fault time.
			return fmt.Errorf("hugepage test %s: %w", name, c.PoolEmpty(p.PageSize, opts.Count))
		}
		why := "the kernel refused the mapping"
		if errors.Is(err, unix.EINVAL) {
			why = "the kernel does not offer MAP_HUGETLB pages of this size (EINVAL)"
		}
		return fmt.Errorf("hugepage test %s: %s: %w", name, why, err)
	}
	return cmdutil.WriteLine(opts.IO.Out, "hugepage test", "ok: mapped and touched %d %s huge pages (%d bytes)\n", opts.Count, name, opts.Count*p.PageSize)
}

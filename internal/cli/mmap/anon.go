package mmap

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/hugetlb"
	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/spf13/cobra"
)

// AnonOptions are the parsed arguments of `ipcctl mmap anon`.
type AnonOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Size         string
	HugeTLB      bool
	HugePageSize string // "" = the smallest size the kernel offers
	Populate     bool
	Advise       string // madvise before the pages are faulted in (hugepage: MADV_HUGEPAGE)
	Lock         bool
	Hold         bool
	Output       cmdutil.OutputOptions
}

// NewCmdAnon builds `mmap anon`; runF replaces anonRun in tests.
func NewCmdAnon(f *cmdutil.Factory, runF func(*AnonOptions) error) *cobra.Command {
	opts := &AnonOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "anon --size SIZE",
		Short: "Try an anonymous (huge page) mapping and report what the kernel gave",
		Long: `Map SIZE bytes of private anonymous memory and report what the kernel
gave, from /proc/self/smaps for that range: page size, resident bytes,
transparent huge pages, hugetlb pages, locked bytes.

--hugetlb asks for MAP_HUGETLB pages of --hugepage-size (default: the
smallest size the kernel offers); the size is rounded up to whole pages.
A size the kernel does not offer is a usage error (exit 2) that lists the
sizes it does. An empty or too small pool exits 7 and says how to fill it.

--advise gives madvise(2) advice before any page is faulted in (with
--populate, the pages are then faulted in with MADV_POPULATE_WRITE):
--advise hugepage (MADV_HUGEPAGE) lets THP back the mapping when
/sys/kernel/mm/transparent_hugepage/enabled is madvise.`,
		Example: `  ipcctl mmap anon --size 64M --populate
  ipcctl mmap anon --size 4M --hugetlb --hugepage-size 2M --populate --json
  ipcctl mmap anon --size 64M --advise hugepage --populate
  ipcctl mmap anon --size 1G --lock --hold`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.HugePageSize != "" {
				opts.HugeTLB = true
			}
			if runF != nil {
				return runF(opts)
			}
			return anonRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Size, "size", "", "`SIZE` to map, e.g. 64M (required)")
	fl.BoolVar(&opts.HugeTLB, "hugetlb", false, "MAP_HUGETLB: back the mapping with pages from a huge page pool")
	fl.StringVar(&opts.HugePageSize, "hugepage-size", "", "huge page `SIZE`, e.g. 2M or 1G (implies --hugetlb)")
	_ = cmd.RegisterFlagCompletionFunc("hugepage-size", cmdutil.CompleteHugePageSizes(f))
	fl.BoolVar(&opts.Populate, "populate", false, "MAP_POPULATE: fault every page in at map time")
	fl.StringVar(&opts.Advise, "advise", "", "madvise before faulting pages in: "+strings.Join(adviceNames, ", "))
	_ = cmd.RegisterFlagCompletionFunc("advise", cobra.FixedCompletions(adviceNames, cobra.ShellCompDirectiveNoFileComp))
	fl.BoolVar(&opts.Lock, "lock", false, "mlock the mapping (limited by RLIMIT_MEMLOCK)")
	fl.BoolVar(&opts.Hold, "hold", false, "keep the mapping until SIGINT or SIGTERM")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

// hugePageSize picks the page size to ask for: the one named, which the
// kernel must offer, or the smallest it offers.
func hugePageSize(opts *AnonOptions) (uint64, error) {
	offered, err := opts.Factory.FS.HugetlbSizes()
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(offered) == 0 {
		return 0, fmt.Errorf("mmap anon: hugetlb: %w (no huge page sizes in /sys/kernel/mm/hugepages)", errors.ErrUnsupported)
	}
	if err != nil {
		return 0, fmt.Errorf("mmap anon: %w", err)
	}
	if opts.HugePageSize == "" {
		return offered[0], nil
	}
	want, err := cmdutil.ParseSize(opts.HugePageSize)
	if err != nil {
		return 0, fmt.Errorf("--hugepage-size: %w", err)
	}
	if !slices.Contains(offered, want) {
		names := make([]string, len(offered))
		for i, s := range offered {
			names[i] = procfs.PageSizeName(s)
		}
		return 0, cmdutil.FlagErrorf("huge page size %s is not offered by the kernel (offered: %s)", opts.HugePageSize, strings.Join(names, ", "))
	}
	return want, nil
}

func anonRun(opts *AnonOptions) error {
	ropts, sel, listed, err := cmdutil.Listing(&opts.Output, opts.Factory, "anon", columns.Anon())
	if listed || err != nil {
		return err
	}
	if opts.Size == "" {
		return cmdutil.FlagErrorf("mmap anon: --size is required")
	}
	size, err := cmdutil.ParseSize(opts.Size)
	if err != nil {
		return fmt.Errorf("--size: %w", err)
	}
	if size == 0 {
		return cmdutil.FlagErrorf("mmap anon: --size must be more than 0")
	}
	adv, hasAdvice := advice[opts.Advise]
	if opts.Advise != "" && !hasAdvice {
		return cmdutil.FlagErrorf("invalid --advise %q: want one of %s", opts.Advise, strings.Join(adviceNames, ", "))
	}
	var ao mmaputil.AnonOptions
	ao.Populate = opts.Populate && !hasAdvice // advice must come before the pages are faulted in
	if opts.HugeTLB {
		if ao.HugePageSize, err = hugePageSize(opts); err != nil {
			return err
		}
	}
	m, err := mmaputil.Anon(size, ao)
	var pe *mmaputil.HugePoolError
	if errors.As(err, &pe) {
		return fmt.Errorf("mmap anon: %w", hugetlb.New(opts.Factory.FS).PoolEmpty(pe.PageSize, pe.Pages))
	}
	if err != nil {
		return usageIfBadInput(fmt.Errorf("mmap anon: %w", err))
	}
	defer m.Close()
	if hasAdvice {
		if err := m.Advise(adv); err != nil {
			return fmt.Errorf("mmap anon: --advise %s: %w", opts.Advise, err)
		}
		if opts.Populate {
			if err := m.Populate(); err != nil {
				return fmt.Errorf("mmap anon: --populate: %w", err)
			}
		}
	}
	if opts.Lock {
		if err := m.Lock(); err != nil {
			return fmt.Errorf("mmap anon: %w", err)
		}
	}
	reg, err := opts.Factory.FS.SmapsAt("self", m.Addr())
	if err != nil {
		return fmt.Errorf("mmap anon: %w", err)
	}
	row := columns.AnonMapping{Addr: m.Addr(), Size: uint64(m.Len()), HugeTLB: opts.HugeTLB, Smaps: reg}
	if err := table.Render(opts.IO.Out, ropts, sel.Build("anon", "Anonymous Mapping", []columns.AnonMapping{row})); err != nil {
		return err
	}
	if opts.Hold {
		return hold(opts.IO, fmt.Sprintf("anonymous mapping at %#x", m.Addr()))
	}
	return nil
}

package thp

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/spf13/cobra"
)

// SetOptions are the parsed arguments of `ipcctl thp set`.
type SetOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Assignments []string // KEY=VALUE
	Size        string   // mTHP size for enabled/shmem_enabled; "" = the top-level files
	DryRun      bool
}

// NewCmdSet builds `thp set`.
func NewCmdSet(f *cmdutil.Factory, runF func(*SetOptions) error) *cobra.Command {
	opts := &SetOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "set KEY=VALUE...",
		Short: "Change THP settings",
		Long: `Change THP settings: enabled, defrag, shmem_enabled, use_zero_page and
khugepaged.<file> (pages_to_scan, scan_sleep_millisecs, max_ptes_none, ...).
With --size, enabled and shmem_enabled of that multi-size THP size.

Every value is checked against what the kernel offers before anything is
written (a usage error lists the choices); each file is then written and
read back, and printed as old → new. The exit status is non-zero when
the kernel refuses a value. --dry-run prints each write, starting with
"dry run:", and changes nothing.`,
		Example: `  ipcctl thp set enabled=madvise defrag=defer+madvise
  ipcctl thp set --size 64K enabled=inherit
  ipcctl thp set khugepaged.pages_to_scan=8192 --dry-run`,
		Args: cmdutil.MinimumArgs(1, "KEY=VALUE..."),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Assignments = args
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Size, "size", "", "set enabled/shmem_enabled of the multi-size THP `SIZE` (64K, 2M, ...)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the writes and change nothing")
	cmd.ValidArgsFunction = cmdutil.CompleteTHPSettings(f, func() uint64 {
		size, _ := cmdutil.ParseSize(opts.Size)
		return size
	})
	return cmd
}

func setRun(opts *SetOptions) error {
	c := client(opts.Factory)
	var size uint64
	if opts.Size != "" {
		var err error
		if size, err = cmdutil.ParseSize(opts.Size); err != nil || size == 0 {
			return cmdutil.FlagErrorf("invalid --size %q: want a multi-size THP size such as 64K or 2M", opts.Size)
		}
	}
	writes, err := c.PlanSet(size, opts.Assignments)
	if err != nil {
		return cmdutil.PrefixError("thp set", err)
	}
	fs := opts.Factory.FS
	if opts.DryRun {
		for _, w := range writes {
			// The plan is all a dry run gives: output that is lost is a failure.
			if _, err := fmt.Fprintf(opts.IO.Out, "dry run: would write %s to %s (now %s)\n", w.Value, fs.Path(w.File), w.Current.Value); err != nil {
				return fmt.Errorf("thp set --dry-run: writing output: %w", err)
			}
		}
		return nil
	}
	changes, err := c.Set(writes)
	var out []byte
	for i, ch := range changes {
		out = fmt.Appendf(out, "%s: %s → %s\n", writes[i].Key, ch.Old, ch.New)
	}
	_, werr := opts.IO.Out.Write(out)
	if err != nil {
		return fmt.Errorf("thp set %w", err)
	}
	if werr != nil {
		return fmt.Errorf("thp set: writing output: %w (the settings were changed)", werr)
	}
	return nil
}

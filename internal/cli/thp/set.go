package thp

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/procfs"
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
the kernel refuses a value.`,
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
	return cmd
}

// readOnly are THP files the kernel only reports, whatever their mode.
var readOnly = map[string]bool{"hpage_pmd_size": true, "khugepaged/full_scans": true, "khugepaged/pages_collapsed": true}

// topKeys are the top-level files `thp set` changes.
var topKeys = []string{"enabled", "defrag", "shmem_enabled", "use_zero_page"}

type target struct {
	key string
	rel string
	cur procfs.THPSetting
	max *uint64
}

// settable maps each key `thp set` accepts to its file, from the tree the
// kernel offers.
func settable(t procfs.THP, size string) (map[string]target, error) {
	keys := map[string]target{}
	if size != "" {
		sz, err := cmdutil.ParseSize(size)
		i := slices.IndexFunc(t.Sizes, func(m procfs.MTHPSize) bool { return m.Size == sz })
		if err != nil || i < 0 {
			var offered []string
			for _, m := range t.Sizes {
				offered = append(offered, columns.PageSizeName(m.Size))
			}
			return nil, cmdutil.FlagErrorf("unknown THP size %q (offered: %s)", size, strings.Join(offered, ", "))
		}
		dir := path.Join(procfs.THPDir, fmt.Sprintf("hugepages-%dkB", sz>>10))
		for _, s := range t.Sizes[i].Settings {
			if s.Name == "enabled" || s.Name == "shmem_enabled" {
				keys[s.Name] = target{s.Name, path.Join(dir, s.Name), s, nil}
			}
		}
		return keys, nil
	}
	one := uint64(1)
	for _, s := range t.Settings {
		if slices.Contains(topKeys, s.Name) {
			var max *uint64
			if s.Name == "use_zero_page" {
				max = &one
			}
			keys[s.Name] = target{s.Name, path.Join(procfs.THPDir, s.Name), s, max}
		}
	}
	// max_ptes_* count the PTEs of one PMD: at most HPAGE_PMD_NR − 1.
	var ptes *uint64
	if pmd, ok := procfs.Setting(t.Settings, "hpage_pmd_size"); ok && pmd.Number != nil && *pmd.Number >= uint64(os.Getpagesize()) {
		n := *pmd.Number/uint64(os.Getpagesize()) - 1
		ptes = &n
	}
	for _, s := range t.Khugepaged {
		if !s.Writable || readOnly["khugepaged/"+s.Name] {
			continue
		}
		var max *uint64
		switch {
		case s.Name == "defrag":
			max = &one
		case strings.HasPrefix(s.Name, "max_ptes_"):
			max = ptes
		}
		keys["khugepaged."+s.Name] = target{"khugepaged." + s.Name, path.Join(procfs.THPDir, "khugepaged", s.Name), s, max}
	}
	return keys, nil
}

func setRun(opts *SetOptions) error {
	fs := opts.Factory.FS
	t, err := fs.THP()
	if err != nil {
		return fmt.Errorf("thp set: %w", err)
	}
	keys, err := settable(t, opts.Size)
	if err != nil {
		return err
	}
	valid := make([]string, 0, len(keys))
	for k := range keys {
		valid = append(valid, k)
	}
	slices.Sort(valid)
	type write struct {
		target
		value string
	}
	var writes []write
	for _, a := range opts.Assignments {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return cmdutil.FlagErrorf("invalid %q: want KEY=VALUE", a)
		}
		tg, ok := keys[k]
		if !ok {
			return cmdutil.FlagErrorf("unknown THP key %q (valid: %s)", k, strings.Join(valid, ", "))
		}
		if err := procfs.CheckTHPValue(tg.cur, v, tg.max); err != nil {
			return cmdutil.FlagErrorf("%s: %v", k, strings.Replace(err.Error(), " for "+tg.cur.Name, "", 1))
		}
		writes = append(writes, write{tg, v})
	}
	if opts.DryRun {
		for _, w := range writes {
			// The plan is all a dry run gives: output that is lost is a failure.
			if _, err := fmt.Fprintf(opts.IO.Out, "would write %s to %s (now %s)\n", w.value, fs.Path(w.rel), w.cur.Value); err != nil {
				return fmt.Errorf("thp set --dry-run: writing output: %w", err)
			}
		}
		return nil
	}
	for _, w := range writes {
		if err := fs.CheckWritable(w.rel); err != nil {
			return fmt.Errorf("thp set %s: %w", w.key, err)
		}
	}
	for _, w := range writes {
		ch, err := fs.SetTHP(w.rel, w.value, w.max)
		if err != nil {
			return fmt.Errorf("thp set %s=%s: the kernel refused: %w", w.key, w.value, err)
		}
		fmt.Fprintf(opts.IO.Out, "%s: %s → %s\n", w.key, ch.Old, ch.New)
		if ch.New != w.value {
			return fmt.Errorf("thp set %s=%s: the kernel kept %s", w.key, w.value, ch.New)
		}
	}
	return nil
}

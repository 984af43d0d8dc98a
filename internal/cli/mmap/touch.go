package mmap

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"github.com/spf13/cobra"
)

// CacheOptions are the parsed arguments of `ipcctl mmap touch` and `mmap evict`.
type CacheOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Paths     []string
	Recursive bool
	Lock      bool // touch only: keep the pages locked until a signal
	Output    cmdutil.OutputOptions
}

func newCacheCmd(f *cmdutil.Factory, runF, run func(*CacheOptions) error, use, short, long, example string) (*cobra.Command, *CacheOptions) {
	opts := &CacheOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Example: example,
		Args: cmdutil.MinimumArgs(1, "at least one FILE or DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "r", false, "descend into directories")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd, opts
}

// NewCmdTouch builds `mmap touch`; runF replaces touchRun in tests.
func NewCmdTouch(f *cmdutil.Factory, runF func(*CacheOptions) error) *cobra.Command {
	cmd, opts := newCacheCmd(f, runF, touchRun, "touch FILE|DIR...",
		"Read files into the page cache (like vmtouch -t, -l)",
		`Read every page of each file into the page cache and show residency
before and after. With --lock the pages are also locked in memory and held
until SIGINT or SIGTERM, like vmtouch -l (limited by RLIMIT_MEMLOCK).`,
		`  ipcctl mmap touch /var/lib/db/index.dat
  ipcctl mmap touch --recursive --lock /srv/hot &`)
	cmd.Flags().BoolVar(&opts.Lock, "lock", false, "lock the pages in memory until SIGINT or SIGTERM")
	return cmd
}

// NewCmdEvict builds `mmap evict`; runF replaces evictRun in tests.
func NewCmdEvict(f *cmdutil.Factory, runF func(*CacheOptions) error) *cobra.Command {
	cmd, _ := newCacheCmd(f, runF, evictRun, "evict FILE|DIR...",
		"Drop files from the page cache (like vmtouch -e)",
		`Ask the kernel to drop each file's pages from the page cache
(posix_fadvise POSIX_FADV_DONTNEED) and show what actually left: dirty,
locked or mapped pages stay, so "after" may not be zero. Files on tmpfs
live in the page cache and never leave it.`,
		`  ipcctl mmap evict big.img
  ipcctl mmap evict --recursive /var/cache/build --json`)
	return cmd
}

func cacheRun(opts *CacheOptions, verb, delta string, do func(path string) (columns.CacheChange, error)) error {
	ropts, sel, listed, err := cmdutil.Listing(&opts.Output, opts.Factory, verb, columns.CacheChanges(delta))
	if listed || err != nil {
		return err
	}
	var rows []columns.CacheChange
	prog := newProgress(opts.IO, verb)
	err = eachFile(opts.IO, verb, opts.Paths, opts.Recursive, func(path string) error {
		c, err := do(path)
		if err != nil {
			return notRegularIsUsage(err)
		}
		prog.add(c.After.Size)
		rows = append(rows, c)
		return nil
	})
	prog.done()
	return renderFiles(opts.Factory, ropts, sel, verb, rows, err)
}

func touchRun(opts *CacheOptions) error {
	var held []*mmaputil.Mapping
	defer func() {
		for _, m := range held {
			m.Close()
		}
	}()
	var locked uint64
	err := cacheRun(opts, "touch", "loaded", func(path string) (columns.CacheChange, error) {
		before, after, m, err := mmaputil.Touch(path, opts.Lock)
		if m != nil {
			held = append(held, m)
			locked += uint64(m.Len())
		}
		return columns.CacheChange{Before: before, After: after}, err
	})
	if err != nil || !opts.Lock {
		return err
	}
	return hold(opts.IO, fmt.Sprintf("%s locked (%d bytes)", cmdutil.Plural(len(held), "file"), locked))
}

func evictRun(opts *CacheOptions) error {
	return cacheRun(opts, "evict", "evicted", func(path string) (columns.CacheChange, error) {
		before, after, err := mmaputil.Evict(path)
		return columns.CacheChange{Before: before, After: after}, err
	})
}

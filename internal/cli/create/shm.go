package create

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/hugetlb"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

func init() {
	subcommands[ipc.KindShm] = func(f *cmdutil.Factory) *cobra.Command { return NewCmdCreateShm(f, nil) }
}

// ShmOptions are the parsed arguments of `ipcctl create shm`.
type ShmOptions struct {
	SysvOptions
	Size         string
	HugeTLB      bool
	HugePageSize string
	NoReserve    bool
}

// NewCmdCreateShm builds `create shm`; runF replaces createShmRun in tests.
func NewCmdCreateShm(f *cmdutil.Factory, runF func(*ShmOptions) error) *cobra.Command {
	opts := &ShmOptions{SysvOptions: SysvOptions{IO: f.IOStreams, Factory: f}}
	cmd := &cobra.Command{
		Use:   "shm --size SIZE",
		Short: "Create a System V shared memory segment",
		Long: `Create a System V shared memory segment of --size bytes (4096, 64K, 1M,
1GiB: binary units) and print its id. --hugetlb backs it with huge pages
(SHM_HUGETLB) of the default size or --hugepage-size; --noreserve
(SHM_NORESERVE) does not reserve swap or huge pages up front.`,
		Example: `  ipcctl create shm --size 1M
  ipcctl create shm --size 64M --hugetlb --hugepage-size 2M --key 0x5eed`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return createShmRun(opts)
		},
	}
	addSysvFlags(cmd, &opts.SysvOptions)
	cmd.Flags().StringVar(&opts.Size, "size", "", "segment size in bytes, or with K, M, G... (required)")
	cmd.Flags().BoolVar(&opts.HugeTLB, "hugetlb", false, "back the segment with huge pages (SHM_HUGETLB)")
	cmd.Flags().StringVar(&opts.HugePageSize, "hugepage-size", "", "huge page `SIZE`, e.g. 2M or 1G (implies --hugetlb)")
	cmd.Flags().BoolVar(&opts.NoReserve, "noreserve", false, "do not reserve swap or huge pages (SHM_NORESERVE)")
	return cmd
}

func createShmRun(opts *ShmOptions) error {
	p, err := opts.parse()
	if err != nil {
		return err
	}
	if opts.Size == "" {
		return cmdutil.FlagErrorf("create shm: --size is required")
	}
	size, err := cmdutil.ParseSize(opts.Size)
	if err != nil {
		return err
	}
	if size == 0 {
		return cmdutil.FlagErrorf("invalid size %q: a segment needs at least 1 byte", opts.Size)
	}
	fs := opts.Factory.FS
	if lim, err := fs.SysvLimits(); err == nil && size > lim.ShmMax {
		return cmdutil.FlagErrorf("size %s (%d bytes) is over the kernel's shmmax of %d bytes (/proc/sys/kernel/shmmax)", opts.Size, size, lim.ShmMax)
	}
	o := ipc.ShmCreateOptions{Key: p.key, Size: size, Mode: p.mode, HugeTLB: opts.HugeTLB || opts.HugePageSize != "", NoReserve: opts.NoReserve}
	if opts.HugePageSize != "" {
		if o.HugePageSize, err = checkHugePageSize(fs, opts.HugePageSize); err != nil {
			return err
		}
	}
	id, err := opts.Factory.IPC().ShmCreate(o)
	if o.HugeTLB && errors.Is(err, unix.ENOMEM) {
		// The pool is empty or too small: exit 7 with the command that fills it.
		c, page := hugetlb.New(fs), o.HugePageSize
		if p, perr := c.DefaultPool(); page == 0 && perr == nil {
			page = p.PageSize
		}
		if page != 0 {
			err = c.PoolEmpty(page, hugetlb.Pages(size, page))
		}
	}
	return opts.finish(ipc.KindShm, id, err, func() (int, error) { return opts.Factory.IPC().ShmGet(p.key, size) })
}

// checkHugePageSize parses s and checks the kernel has a pool of that
// size; if not, the usage error lists the sizes it has.
func checkHugePageSize(fs procfs.FS, s string) (uint64, error) {
	size, err := cmdutil.ParseSize(s)
	if err != nil {
		return 0, err
	}
	sizes, err := hugePageSizes(fs)
	if err != nil {
		return 0, fmt.Errorf("huge page sizes: %w", ipc.ErrUnsupported)
	}
	for _, hs := range sizes {
		if hs == size {
			return size, nil
		}
	}
	names := make([]string, len(sizes))
	for i, hs := range sizes {
		names[i] = humanPageSize(hs)
	}
	if len(names) == 0 {
		return 0, cmdutil.FlagErrorf("invalid --hugepage-size %s: this kernel has no huge page pools", s)
	}
	return 0, cmdutil.FlagErrorf("invalid --hugepage-size %s: this kernel offers %s", s, strings.Join(names, ", "))
}

// hugePageSizes lists the huge page sizes in bytes from the
// /sys/kernel/mm/hugepages/hugepages-<N>kB directories.
func hugePageSizes(fs procfs.FS) ([]uint64, error) {
	ents, err := os.ReadDir(fs.Path("sys/kernel/mm/hugepages"))
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, e := range ents {
		kb, ok := strings.CutPrefix(e.Name(), "hugepages-")
		if kb, ok = strings.CutSuffix(kb, "kB"); !ok {
			continue
		}
		if v, err := strconv.ParseUint(kb, 10, 44); err == nil {
			out = append(out, v<<10)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

func humanPageSize(b uint64) string {
	for _, u := range []struct {
		shift int
		name  string
	}{{30, "G"}, {20, "M"}, {10, "K"}} {
		if b >= 1<<u.shift && b%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d%s", b>>u.shift, u.name)
		}
	}
	return strconv.FormatUint(b, 10)
}

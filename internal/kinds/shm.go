package kinds

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/hugetlb"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// shmKind is System V shared memory.
var shmKind = &Kind{
	Name:    ipc.KindShm,
	Family:  SysV,
	Title:   "Shared Memory Segments",
	Object:  "Shared Memory Segment",
	Help:    "System V shared memory segments",
	Filters: ByOwner | ByKey | ByCreator | ByAge | ByOrphan,
	Create:  shmCreate,
	attach: func(f *cmdutil.Factory, t Target, readOnly bool) (*ipc.Mapping, error) {
		a, err := f.IPC().ShmAttach(t.ID, ipc.ShmAttachOptions{ReadOnly: readOnly})
		if err != nil {
			return nil, err
		}
		return a.Mapping(), nil
	},
	change: sysvChange(func(c *ipc.Client, id int, ch Change) error {
		return c.ShmSet(id, ch.PermUpdate)
	}),
	remove: sysvRemove(ipc.KindShm),
	afterRemove: func(c *ipc.Client, t Target) string {
		if n, dest, err := c.ShmAttached(t.ID); err == nil && dest && n > 0 {
			return fmt.Sprintf("marked for removal: %s still attached; it goes at the last detach", plural(n, "process", "processes"))
		}
		return ""
	},
}

func plural(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func init() {
	shmKind.ops = &spec[ipc.Shm]{
		kind:    shmKind,
		columns: columns.Shm,
		views:   sysvViews([]string{"cpid", "lpid"}, []string{"atime", "dtime", "ctime"}),
		all: func(c *ipc.Client, cols []string) ([]ipc.Shm, error) {
			// rss and swap exist only in /proc/sysvipc: read it only when shown.
			return c.ShmListNeeds(ipc.ListNeeds{RSS: slices.Contains(cols, "rss") || slices.Contains(cols, "swap")})
		},
		removeEach: func(c *ipc.Client, pick func(*ipc.Shm) bool, done func(*ipc.Shm, error) error) error {
			return c.ShmRemoveEach(pick, done)
		},
		stat:  func(f *cmdutil.Factory, t Target) (ipc.Shm, error) { return f.IPC().ShmStat(t.ID) },
		ident: func(s *ipc.Shm) (int, string) { return s.ID, "" },
		object: func(s *ipc.Shm) Object {
			o := sysvObject(s.Perm)
			o.CTime, o.CPID, o.LPID, o.Nattch, o.Dest = s.CTime, s.CPID, s.LPID, s.Nattch, s.Dest()
			o.ATime, o.DTime = s.ATime, s.DTime
			return o
		},
		describe: func(s *ipc.Shm) string {
			return fmt.Sprintf("key 0x%08x, %s, %d attached", uint32(s.Key), table.HumanSize(s.Size), s.Nattch)
		},
		holding: shmHolding,
	}
}

var shmCreate = &Create{
	Use:   "shm --size SIZE",
	Short: "Create a System V shared memory segment",
	Long: `Create a System V shared memory segment of --size bytes (4096, 64K, 1M,
1GiB: binary units) and print its id. --hugetlb backs it with huge pages
(SHM_HUGETLB) of the default size or --hugepage-size; --noreserve
(SHM_NORESERVE) does not reserve swap or huge pages up front.`,
	Example: `  ipcctl create shm --size 1M
  ipcctl create shm --size 64M --hugetlb --hugepage-size 2M --key 0x5eed`,
	Flags: func(cmd *cobra.Command, f *cmdutil.Factory) Maker {
		var size, hugePageSize string
		var hugeTLB, noReserve bool
		fl := cmd.Flags()
		fl.StringVar(&size, "size", "", "segment size in bytes, or with K, M, G... (required)")
		fl.BoolVar(&hugeTLB, "hugetlb", false, "back the segment with huge pages (SHM_HUGETLB)")
		fl.StringVar(&hugePageSize, "hugepage-size", "", "huge page `SIZE`, e.g. 2M or 1G (implies --hugetlb)")
		fl.BoolVar(&noReserve, "noreserve", false, "do not reserve swap or huge pages (SHM_NORESERVE)")
		_ = cmd.RegisterFlagCompletionFunc("hugepage-size", cmdutil.CompleteHugePageSizes(f))
		return func(f *cmdutil.Factory, r Request) (Made, error) {
			if size == "" {
				return Made{}, cmdutil.FlagErrorf("create shm: --size is required")
			}
			n, err := cmdutil.ParseSize(size)
			if err != nil {
				return Made{}, err
			}
			if n == 0 {
				return Made{}, cmdutil.FlagErrorf("invalid size %q: a segment needs at least 1 byte", size)
			}
			if lim, err := f.IPC().SysvLimits(); err == nil && n > lim.ShmMax {
				return Made{}, cmdutil.FlagErrorf("size %s (%d bytes) is over the kernel's shmmax of %d bytes (/proc/sys/kernel/shmmax)", size, n, lim.ShmMax)
			}
			o := ipc.ShmCreateOptions{Key: r.Key, Size: n, Mode: r.Mode, HugeTLB: hugeTLB || hugePageSize != "", NoReserve: noReserve}
			if hugePageSize != "" {
				if o.HugePageSize, err = checkHugePageSize(f.FS, hugePageSize); err != nil {
					return Made{}, err
				}
			}
			c := f.IPC()
			id, err := c.ShmCreate(o)
			if o.HugeTLB && errors.Is(err, unix.ENOMEM) {
				// The pool is empty or too small: exit 7 with the command that fills it.
				hc, page := hugetlb.New(f.FS), o.HugePageSize
				if p, perr := hc.DefaultPool(); page == 0 && perr == nil {
					page = p.PageSize
				}
				if page != 0 {
					err = hc.PoolEmpty(page, hugetlb.Pages(n, page))
				}
			}
			if r.Reuse && isExists(err) {
				if id, err = c.ShmGet(r.Key, n); err != nil {
					return Made{}, err
				}
				s, err := c.ShmStat(id)
				if err != nil {
					return Made{}, err
				}
				m := Made{Target: Target{Label: strconv.Itoa(id), ID: id}, Reused: true}
				m.Differs = differs(m.Differs, "size", s.Size, n)
				if r.ModeGiven {
					m.Differs = differs(m.Differs, "mode", mode(s.Mode&0o777), mode(r.Mode))
				}
				return m, nil
			}
			if err != nil {
				return Made{}, err
			}
			return Made{Target: Target{Label: strconv.Itoa(id), ID: id}}, nil
		}
	},
}

// isExists reports a taken key or name.
func isExists(err error) bool {
	var exists *ipc.ExistsError
	return errors.As(err, &exists) || errors.Is(err, unix.EEXIST)
}

// checkHugePageSize parses s and checks the kernel has a pool of that
// size; if not, the usage error lists the sizes it has.
func checkHugePageSize(fs procfs.FS, s string) (uint64, error) {
	size, err := cmdutil.ParseSize(s)
	if err != nil {
		return 0, err
	}
	sizes, err := fs.HugetlbSizes()
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
		names[i] = procfs.PageSizeName(hs)
	}
	if len(names) == 0 {
		return 0, cmdutil.FlagErrorf("invalid --hugepage-size %s: this kernel has no huge page pools", s)
	}
	return 0, cmdutil.FlagErrorf("invalid --hugepage-size %s: this kernel offers %s", s, strings.Join(names, ", "))
}

package hugepage

import (
	"errors"
	"fmt"
	"io/fs"
	"math/bits"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/spf13/cobra"
)

// ExplainOptions are the parsed arguments of `ipcctl hugepage explain`.
type ExplainOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Output  cmdutil.OutputOptions
}

// NewCmdExplain builds `hugepage explain`.
func NewCmdExplain(f *cmdutil.Factory, runF func(*ExplainOptions) error) *cobra.Command {
	opts := &ExplainOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "explain",
		Short: "Check the huge page setup and say how to fix it",
		Long: `Check memory, the pools, hugetlbfs mounts, vm.min_free_kbytes,
kernel.shmmax against the pools and vm.hugetlb_shm_group, and print each
finding in plain words with the command that fixes it.

Replaces hugeadm --explain (which reads shmmax into a signed long; every
figure here is unsigned 64-bit).`,
		Example: `  ipcctl hugepage explain
  ipcctl hugepage explain --json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return explainRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func explainRun(opts *ExplainOptions) error {
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "findings", columns.Findings())
	if done || err != nil {
		return err
	}
	findings, err := Explain(opts.Factory.FS)
	if err != nil {
		return fmt.Errorf("hugepage explain: %w", err)
	}
	return table.Render(opts.IO.Out, ropts, cols.Build("findings", "Huge Page Health Check", findings))
}

// mulSat multiplies without wrapping: a product past 2^64 is 2^64-1.
func mulSat(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return ^uint64(0)
	}
	return lo
}

func size(n uint64) string { return table.HumanSize(n) }

// RecommendedMinFreeKB is hugeadm's min_free_kbytes recommendation: per
// populated zone, two free pageblocks for MIGRATE_RESERVE plus three for
// each of three migrate types (11 pageblocks), a pageblock being the
// default huge page; capped at 5% of memory.
func RecommendedMinFreeKB(pageblock, zones, memTotal uint64) uint64 {
	rec := mulSat(mulSat(pageblock>>10, zones), 11)
	if limit := memTotal / 20 >> 10; memTotal > 0 && rec > limit {
		rec = limit
	}
	return rec
}

// Explain runs every check against fs.
func Explain(fsys procfs.FS) ([]columns.Finding, error) {
	pools, mi, err := poolRows(fsys)
	if err != nil {
		return nil, err
	}
	var out []columns.Finding
	add := func(check, status, fix, format string, args ...any) {
		out = append(out, columns.Finding{Check: check, Status: status, Message: fmt.Sprintf(format, args...), Fix: fix})
	}

	var memTotal, hugetlbBytes uint64
	if mi.MemTotal != nil && mi.MemFree != nil {
		memTotal = *mi.MemTotal
		for _, p := range pools {
			hugetlbBytes += mulSat(p.Total, p.PageSize)
		}
		pct := uint64(0)
		if memTotal > 0 {
			pct = mulSat(hugetlbBytes, 100) / memTotal
		}
		status := "ok"
		if pct >= 90 {
			status = "warn"
		}
		add("memory", status, "", "%s of memory, %s free; %s (%d%%) is held in huge page pools",
			size(memTotal), size(*mi.MemFree), size(hugetlbBytes), pct)
	}

	var largest uint64 // bytes the biggest pool may reach
	for _, p := range pools {
		name := columns.PageSizeName(p.PageSize)
		check := "pool " + name
		maxPages := p.Minimum()
		if m := p.Maximum(); m != nil {
			maxPages = *m
		}
		largest = max(largest, mulSat(maxPages, p.PageSize))
		if p.Total == 0 && maxPages == 0 {
			add(check, "info", fmt.Sprintf("ipcctl hugepage set %s --min N", name),
				"no %s huge pages: the pool is empty and may not grow", name)
			continue
		}
		grow := "cannot grow on demand (no overcommit)"
		if maxPages > p.Minimum() {
			grow = fmt.Sprintf("may grow to %d pages (%s) on demand", maxPages, size(mulSat(maxPages, p.PageSize)))
		}
		status, fix := "ok", ""
		if p.Available() == 0 && maxPages <= p.Total {
			status, fix = "warn", fmt.Sprintf("ipcctl hugepage set %s --min +N", name)
		}
		add(check, status, fix, "%d of %d pages free, %d reserved, %d available to new mappings; the pool %s",
			p.Free, p.Total, deref(p.Reserved), p.Available(), grow)
	}

	mounts, err := fsys.HugetlbfsMounts()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, p := range pools {
		if p.Total == 0 && (p.Maximum() == nil || *p.Maximum() == 0) {
			continue
		}
		name := columns.PageSizeName(p.PageSize)
		var dirs []string
		for _, m := range mounts {
			if (m.PageSize == nil && p.Default) || (m.PageSize != nil && *m.PageSize == p.PageSize) {
				dirs = append(dirs, m.Dir)
			}
		}
		if len(dirs) == 0 {
			dir := "/dev/hugepages-" + name
			add("mounts", "info", fmt.Sprintf("mkdir -p %s && ipcctl hugepage mount %s --size %s", dir, dir, name),
				"no hugetlbfs is mounted for %s pages: only MAP_HUGETLB and SHM_HUGETLB can use them", name)
			continue
		}
		add("mounts", "ok", "", "%s pages are usable through hugetlbfs at %v", name, dirs)
	}

	if cur, err := fsys.ReadUint64("proc/sys/vm/min_free_kbytes"); err == nil && mi.Hugepagesize != nil {
		zones, zerr := fsys.PopulatedZones()
		if zerr == nil && zones > 0 {
			rec := RecommendedMinFreeKB(*mi.Hugepagesize, zones, memTotal)
			if cur < rec {
				add("min_free_kbytes", "warn", fmt.Sprintf("sysctl -w vm.min_free_kbytes=%d", rec),
					"vm.min_free_kbytes is %d; %d keeps enough free pageblocks (%d zones) for huge pages to be found after boot", cur, rec, zones)
			} else {
				add("min_free_kbytes", "ok", "", "vm.min_free_kbytes is %d, at least the recommended %d", cur, rec)
			}
		}
	}

	if shmmax, err := fsys.ReadUint64("proc/sys/kernel/shmmax"); err == nil && largest > 0 {
		if shmmax < largest {
			add("shmmax", "warn", fmt.Sprintf("sysctl -w kernel.shmmax=%d", largest),
				"kernel.shmmax is %s, smaller than the largest pool (%s): a SHM_HUGETLB segment cannot use the whole pool", size(shmmax), size(largest))
		} else {
			add("shmmax", "ok", "", "kernel.shmmax (%s) allows a SHM_HUGETLB segment as large as the largest pool (%s)", size(shmmax), size(largest))
		}
	}

	if gid, err := fsys.ReadUint64("proc/sys/vm/hugetlb_shm_group"); err == nil {
		if gid == 0 {
			add("hugetlb_shm_group", "info", "sysctl -w vm.hugetlb_shm_group=GID",
				"vm.hugetlb_shm_group is 0: only root's group and processes with CAP_IPC_LOCK may create SHM_HUGETLB segments")
		} else {
			add("hugetlb_shm_group", "ok", "", "members of group %d may create SHM_HUGETLB segments", gid)
		}
	}
	return out, nil
}

func deref(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

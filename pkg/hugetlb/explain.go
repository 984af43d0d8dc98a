package hugetlb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// Finding is one result of Explain: what was checked, ok/info/warn, what
// was found in plain words, and a command that fixes it ("" when nothing
// needs doing).
type Finding struct {
	Check   string // memory, pool 2M, mounts, mount DIR, min_free_kbytes, shmmax, hugetlb_shm_group
	Status  string // StatusOK, StatusInfo or StatusWarn
	Message string
	Fix     string
}

// Finding statuses.
const (
	StatusOK   = "ok"
	StatusInfo = "info"
	StatusWarn = "warn"
)

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

// Explain checks memory, the pools, the hugetlbfs mounts (each one's
// mount point, page size, permissions and limits), vm.min_free_kbytes,
// kernel.shmmax against the pools and vm.hugetlb_shm_group.
//
// Equivalent to: `hugeadm --explain`.
func (c *Client) Explain() ([]Finding, error) {
	pools, mi, err := c.Pools()
	if err != nil {
		return nil, err
	}
	var out []Finding
	add := func(check, status, fix, format string, args ...any) {
		out = append(out, Finding{Check: check, Status: status, Message: fmt.Sprintf(format, args...), Fix: fix})
	}
	size := humanBytes

	var memTotal, hugetlbBytes uint64
	if mi.MemTotal != nil && mi.MemFree != nil {
		memTotal = *mi.MemTotal
		for _, p := range pools {
			hugetlbBytes = satAdd(hugetlbBytes, mulSat(p.Total, p.PageSize))
		}
		pct := uint64(0)
		if memTotal > 0 {
			pct = mulSat(hugetlbBytes, 100) / memTotal
		}
		status := StatusOK
		if pct >= nearlyAll {
			status = StatusWarn
		}
		add("memory", status, "", "%s of memory, %s free; %s (%d%%) is held in huge page pools",
			size(memTotal), size(*mi.MemFree), size(hugetlbBytes), pct)
	}

	var largest uint64 // bytes the biggest pool may reach
	for _, p := range pools {
		name := procfs.PageSizeName(p.PageSize)
		check := "pool " + name
		maxPages := maxPages(p.HugePagePool)
		largest = max(largest, mulSat(maxPages, p.PageSize))
		if p.Total == 0 && maxPages == 0 {
			add(check, StatusInfo, fmt.Sprintf("ipcctl hugepage set %s --min N", name),
				"no %s huge pages: the pool is empty and may not grow", name)
			continue
		}
		grow := "cannot grow on demand (no overcommit)"
		if maxPages > p.Minimum() {
			grow = fmt.Sprintf("may grow to %d pages (%s) on demand", maxPages, size(mulSat(maxPages, p.PageSize)))
		}
		status, fix := StatusOK, ""
		if p.Available() == 0 && maxPages <= p.Total {
			status, fix = StatusWarn, fmt.Sprintf("ipcctl hugepage set %s --min +N", name)
		}
		add(check, status, fix, "%d of %d pages free, %d reserved, %d available to new mappings; the pool %s",
			p.Free, p.Total, deref(p.Reserved), p.Available(), grow)
	}

	mounts, err := c.fs.HugetlbfsMounts()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, p := range pools {
		if p.Total == 0 && maxPages(p.HugePagePool) == 0 {
			continue
		}
		name := procfs.PageSizeName(p.PageSize)
		var dirs []string
		for _, m := range mounts {
			if mountPageSize(m, pools) == p.PageSize {
				dirs = append(dirs, m.Dir)
			}
		}
		if len(dirs) == 0 {
			dir := "/dev/hugepages-" + name
			add("mounts", StatusInfo, fmt.Sprintf("mkdir -p %s && ipcctl hugepage mount %s --size %s", dir, dir, name),
				"no hugetlbfs is mounted for %s pages: only MAP_HUGETLB and SHM_HUGETLB can use them", name)
			continue
		}
		add("mounts", StatusOK, "", "%s pages are usable through hugetlbfs at %v", name, dirs)
	}
	for _, m := range mounts {
		out = append(out, c.checkMount(m, pools)...)
	}

	if cur, err := c.fs.ReadUint64("proc/sys/vm/min_free_kbytes"); err == nil && mi.Hugepagesize != nil {
		zones, zerr := c.fs.PopulatedZones()
		if zerr == nil && zones > 0 {
			rec := RecommendedMinFreeKB(*mi.Hugepagesize, zones, memTotal)
			if cur < rec {
				add("min_free_kbytes", StatusWarn, fmt.Sprintf("sysctl -w vm.min_free_kbytes=%d", rec),
					"vm.min_free_kbytes is %d; %d keeps enough free pageblocks (%d zones) for huge pages to be found after boot", cur, rec, zones)
			} else {
				add("min_free_kbytes", StatusOK, "", "vm.min_free_kbytes is %d, at least the recommended %d", cur, rec)
			}
		}
	}

	if shmmax, err := c.fs.ReadUint64("proc/sys/kernel/shmmax"); err == nil && largest > 0 {
		if shmmax < largest {
			add("shmmax", StatusWarn, fmt.Sprintf("sysctl -w kernel.shmmax=%d", largest),
				"kernel.shmmax is %s, smaller than the largest pool (%s): a SHM_HUGETLB segment cannot use the whole pool", size(shmmax), size(largest))
		} else {
			add("shmmax", StatusOK, "", "kernel.shmmax (%s) allows a SHM_HUGETLB segment as large as the largest pool (%s)", size(shmmax), size(largest))
		}
	}

	if gid, err := c.fs.ReadUint64("proc/sys/vm/hugetlb_shm_group"); err == nil {
		if gid == 0 {
			add("hugetlb_shm_group", StatusInfo, "sysctl -w vm.hugetlb_shm_group=GID",
				"vm.hugetlb_shm_group is 0: only root's group and processes with CAP_IPC_LOCK may create SHM_HUGETLB segments")
		} else {
			add("hugetlb_shm_group", StatusOK, "", "members of group %d may create SHM_HUGETLB segments", gid)
		}
	}
	return out, nil
}

// mountPageSize is the page size of a mount's files: its pagesize=
// option, or the default size (0 if there is none).
func mountPageSize(m procfs.HugetlbfsMount, pools []Pool) uint64 {
	if m.PageSize != nil {
		return *m.PageSize
	}
	for _, p := range pools {
		if p.Default {
			return p.PageSize
		}
	}
	return 0
}

// checkMount checks one hugetlbfs mount: that its mount point is there,
// that a pool of its page size can give pages, who may create files in
// it, and that its size limits fit the pool.
func (c *Client) checkMount(m procfs.HugetlbfsMount, pools []Pool) []Finding {
	check := "mount " + m.Dir
	var out []Finding
	add := func(status, fix, format string, args ...any) {
		out = append(out, Finding{Check: check, Status: status, Message: fmt.Sprintf(format, args...), Fix: fix})
	}
	if fi, err := os.Stat(c.fs.Path(m.Dir)); err != nil || !fi.IsDir() {
		add(StatusWarn, "ipcctl hugepage umount "+shellQuote(m.Dir),
			"%s is listed in /proc/mounts but is not a directory that can be reached here (unmounted beneath, or in another mount namespace)", m.Dir)
		return out
	}
	psize := mountPageSize(m, pools)
	name := procfs.PageSizeName(psize)
	pool, err := findPool(pools, psize)
	if err != nil {
		add(StatusWarn, "ipcctl hugepage umount "+shellQuote(m.Dir),
			"%s uses %s pages, which this kernel has no pool for: its files cannot get pages", m.Dir, name)
		return out
	}
	maxBytes := mulSat(maxPages(pool.HugePagePool), psize)
	if maxBytes == 0 {
		add(StatusWarn, fmt.Sprintf("ipcctl hugepage set %s --min N", name),
			"files in %s use %s pages, and the %s pool is empty and may not grow: writing to them fails with ENOMEM or SIGBUS", m.Dir, name, name)
	}

	// Permissions as mounted: hugetlbfs's root is 0755 root:root unless
	// mode=, uid= or gid= say otherwise (and /proc/mounts then shows them).
	mode, uid, gid := uint32(0o755), uint32(0), uint32(0)
	if m.Mode != nil {
		mode = *m.Mode
	}
	if m.UID != nil {
		uid = *m.UID
	}
	if m.GID != nil {
		gid = *m.GID
	}
	owner := fmt.Sprintf("uid %d", uid)
	if uid == 0 {
		owner = "root"
	}
	switch {
	case mode&0o002 != 0 && mode&0o1000 == 0:
		add(StatusWarn, "chmod +t "+shellQuote(m.Dir),
			"anyone may create files in %s and delete other users' files (mode %04o, no sticky bit)", m.Dir, mode)
	case mode&0o002 != 0:
		add(StatusOK, "", "anyone may create files in %s (mode %04o)", m.Dir, mode)
	case mode&0o020 != 0:
		add(StatusOK, "", "%s and group %d may create files in %s (mode %04o)", owner, gid, m.Dir, mode)
	default:
		add(StatusInfo, fmt.Sprintf("chgrp GROUP %s && chmod 1770 %s", shellQuote(m.Dir), shellQuote(m.Dir)),
			"only %s may create files in %s (mode %04o)", owner, m.Dir, mode)
	}

	switch {
	case m.Size != nil && *m.Size < psize:
		add(StatusWarn, "", "the size limit of %s (%s) is less than one %s page: no file can get a page", m.Dir, humanBytes(*m.Size), name)
	case m.Size != nil && maxBytes > 0 && *m.Size > maxBytes:
		add(StatusInfo, "", "the size limit of %s (%s) is more than the %s pool may hold (%s): the pool runs out first",
			m.Dir, humanBytes(*m.Size), name, humanBytes(maxBytes))
	case m.Size != nil:
		add(StatusOK, "", "files in %s may use up to %s of the %s pool (%s)", m.Dir, humanBytes(*m.Size), name, humanBytes(maxBytes))
	}
	if m.MinSize != nil && *m.MinSize > 0 {
		add(StatusInfo, "", "%s reserves %s of the %s pool for its files (min_size)", m.Dir, humanBytes(*m.MinSize), name)
	}
	return out
}

func maxPages(p procfs.HugePagePool) uint64 {
	if m := p.Maximum(); m != nil {
		return *m
	}
	return p.Minimum()
}

func deref(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

// shellQuote quotes s for a shell when it needs it (a fix is a command a
// person pastes).
func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '/' || r == '-' || r == '_' || r == '.') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

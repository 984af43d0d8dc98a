package procfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
)

// ErrNotSupported is wrapped when the kernel lacks a feature's files
// (no hugetlb, no THP); errors.Is(err, errors.ErrUnsupported) holds.
var ErrNotSupported error = notSupported{}

type notSupported struct{}

func (notSupported) Error() string        { return "not supported by this kernel" }
func (notSupported) Is(target error) bool { return target == errors.ErrUnsupported }

// HugePagePool is one huge page size's pool, system-wide (Node -1) or on
// one NUMA node. Counts are pages. Reserved and Overcommit exist only
// system-wide: nil on nodes.
type HugePagePool struct {
	Node       int    // -1: the whole system
	PageSize   uint64 // bytes
	Total      uint64 // nr_hugepages (persistent + surplus)
	Free       uint64
	Surplus    uint64
	Reserved   *uint64
	Overcommit *uint64
}

// Minimum is the persistent pool: total − surplus.
func (p HugePagePool) Minimum() uint64 { return sub(p.Total, p.Surplus) }

// Available is what a new mapping may take now: free − reserved.
func (p HugePagePool) Available() uint64 {
	if p.Reserved == nil {
		return p.Free
	}
	return sub(p.Free, *p.Reserved)
}

// Maximum is the most pages the pool may grow to: minimum + overcommit.
func (p HugePagePool) Maximum() *uint64 {
	if p.Overcommit == nil {
		return nil
	}
	m := p.Minimum() + *p.Overcommit
	if m < *p.Overcommit {
		m = ^uint64(0)
	}
	return &m
}

func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// Gigantic reports whether pages of this size come from outside the
// buddy allocator (larger than MAX_PAGE_ORDER, 4 MiB with 4 KiB base
// pages): the kernel offers no overcommit (surplus) for them.
func Gigantic(pageSize uint64) bool {
	return pageSize > uint64(os.Getpagesize())<<10
}

// HugePagesDir is the directory of one size's system-wide pool files.
func HugePagesDir(pageSize uint64) string {
	return fmt.Sprintf("sys/kernel/mm/hugepages/hugepages-%dkB", pageSize>>10)
}

// NodeHugePagesDir is the directory of one size's pool files on a node.
func NodeHugePagesDir(node int, pageSize uint64) string {
	return fmt.Sprintf("sys/devices/system/node/node%d/hugepages/hugepages-%dkB", node, pageSize>>10)
}

// HugePagePools reads /sys/kernel/mm/hugepages/hugepages-*kB/*, smallest
// size first. A kernel without hugetlb has no such directory: the error
// wraps ErrNotSupported.
func (f FS) HugePagePools() ([]HugePagePool, error) {
	const dir = "sys/kernel/mm/hugepages"
	sizes, err := f.sizeDirs(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("huge pages: %w", ErrNotSupported)
		}
		return nil, err
	}
	pools := make([]HugePagePool, 0, len(sizes))
	for _, size := range sizes {
		p, err := f.readPool(HugePagesDir(size), -1, size)
		if err != nil {
			return nil, err
		}
		pools = append(pools, p)
	}
	return pools, nil
}

// Nodes lists the NUMA node numbers under /sys/devices/system/node; none
// (nil) on kernels without NUMA support.
func (f FS) Nodes() ([]int, error) {
	ents, err := os.ReadDir(f.Path("sys/devices/system/node"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var nodes []int
	for _, e := range ents {
		if n, ok := strings.CutPrefix(e.Name(), "node"); ok {
			if v, err := strconv.Atoi(n); err == nil && v >= 0 {
				nodes = append(nodes, v)
			}
		}
	}
	slices.Sort(nodes)
	return nodes, nil
}

// NodeHugePagePools reads /sys/devices/system/node/node*/hugepages/*,
// ordered by node then size.
func (f FS) NodeHugePagePools() ([]HugePagePool, error) {
	nodes, err := f.Nodes()
	if err != nil {
		return nil, err
	}
	var pools []HugePagePool
	for _, n := range nodes {
		dir := fmt.Sprintf("sys/devices/system/node/node%d/hugepages", n)
		sizes, err := f.sizeDirs(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, size := range sizes {
			p, err := f.readPool(NodeHugePagesDir(n, size), n, size)
			if err != nil {
				return nil, err
			}
			pools = append(pools, p)
		}
	}
	return pools, nil
}

// sizeDirs lists the page sizes (bytes) of the hugepages-NkB entries of dir.
func (f FS) sizeDirs(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(f.Path(dir))
	if err != nil {
		return nil, err
	}
	var sizes []uint64
	for _, e := range ents {
		if size, ok := ParseSizeDir(e.Name()); ok {
			sizes = append(sizes, size)
		}
	}
	slices.Sort(sizes)
	return sizes, nil
}

// ParseSizeDir parses a "hugepages-2048kB" directory name into bytes.
func ParseSizeDir(name string) (uint64, bool) {
	s, ok := strings.CutPrefix(name, "hugepages-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, "kB")
	if !ok {
		return 0, false
	}
	kb, err := strconv.ParseUint(s, 10, 64)
	if err != nil || kb == 0 || kb > ^uint64(0)>>10 {
		return 0, false
	}
	return kb << 10, true
}

func (f FS) readPool(dir string, node int, size uint64) (HugePagePool, error) {
	p := HugePagePool{Node: node, PageSize: size}
	for _, x := range []struct {
		file string
		dst  *uint64
	}{{"nr_hugepages", &p.Total}, {"free_hugepages", &p.Free}, {"surplus_hugepages", &p.Surplus}} {
		v, err := f.readUint64File(path.Join(dir, x.file))
		if err != nil {
			return p, err
		}
		*x.dst = v
	}
	for _, x := range []struct {
		file string
		dst  **uint64
	}{{"resv_hugepages", &p.Reserved}, {"nr_overcommit_hugepages", &p.Overcommit}} {
		v, err := f.readUint64File(path.Join(dir, x.file))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return p, err
		}
		*x.dst = &v
	}
	return p, nil
}

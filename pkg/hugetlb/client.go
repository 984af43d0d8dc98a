package hugetlb

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// Client reads and changes huge page pools and hugetlbfs mounts. Every
// read and every pool write goes through its procfs.FS, so a client
// rooted at a fixture tree never touches the live kernel; mount(2) and
// umount(2) are the only system calls.
type Client struct{ fs procfs.FS }

// New returns a client over fs (procfs.DefaultFS for the live system).
func New(fs procfs.FS) *Client { return &Client{fs: fs} }

// FS is the tree the client reads.
func (c *Client) FS() procfs.FS { return c.fs }

// Pool is one page size's system-wide pool; Default marks the size of
// /proc/meminfo's Hugepagesize (what SHM_HUGETLB and MAP_HUGETLB get
// without a size).
type Pool struct {
	procfs.HugePagePool
	Default bool
}

// Room is how many pages a new mapping can get now: the available pages
// (free − reserved) plus what overcommit still lets the pool grow by.
func Room(p procfs.HugePagePool) uint64 {
	room := p.Available()
	if m := p.Maximum(); m != nil && *m > p.Total {
		room = satAdd(room, *m-p.Total)
	}
	return room
}

// Status is the whole huge page picture `ipcctl hugepage` shows.
type Status struct {
	Pools   []Pool
	Nodes   []procfs.HugePagePool // per NUMA node, by node then size
	Mounts  []procfs.HugetlbfsMount
	Meminfo procfs.Meminfo
}

// Pools reads every size's pool, smallest first, and /proc/meminfo. A
// kernel without hugetlb gives an error of class errclass.Unsupported.
//
// Equivalent to: `hugeadm --pool-list`.
func (c *Client) Pools() ([]Pool, procfs.Meminfo, error) {
	mi, err := c.fs.Meminfo()
	if err != nil {
		return nil, mi, err
	}
	raw, err := c.fs.HugePagePools()
	if err != nil {
		return nil, mi, classify(err)
	}
	pools := make([]Pool, len(raw))
	for i, p := range raw {
		pools[i] = Pool{HugePagePool: p, Default: mi.Hugepagesize != nil && *mi.Hugepagesize == p.PageSize}
	}
	return pools, mi, nil
}

// Status reads the pools, the per-node pools and the hugetlbfs mounts.
func (c *Client) Status() (Status, error) {
	var s Status
	var err error
	if s.Pools, s.Meminfo, err = c.Pools(); err != nil {
		return s, err
	}
	if s.Nodes, err = c.fs.NodeHugePagePools(); err != nil {
		return s, err
	}
	s.Mounts, err = c.fs.HugetlbfsMounts()
	return s, err
}

// PageSizes lists the huge page sizes the kernel offers, in bytes,
// smallest first.
func (c *Client) PageSizes() ([]uint64, error) {
	pools, err := c.fs.HugePagePools()
	if err != nil {
		return nil, classify(err)
	}
	sizes := make([]uint64, len(pools))
	for i, p := range pools {
		sizes[i] = p.PageSize
	}
	return sizes, nil
}

// Pool finds the pool of one page size; a size the kernel does not offer
// is an *UnknownPageSizeError (class errclass.Usage).
func (c *Client) Pool(pageSize uint64) (Pool, error) {
	pools, _, err := c.Pools()
	if err != nil {
		return Pool{}, err
	}
	return findPool(pools, pageSize)
}

// DefaultPool finds the pool of the default size (Hugepagesize).
func (c *Client) DefaultPool() (Pool, error) {
	pools, _, err := c.Pools()
	if err != nil {
		return Pool{}, err
	}
	for _, p := range pools {
		if p.Default {
			return p, nil
		}
	}
	return Pool{}, errclass.Errorf(errclass.Unsupported, "no default huge page size (Hugepagesize) in /proc/meminfo")
}

func findPool(pools []Pool, pageSize uint64) (Pool, error) {
	if i := slices.IndexFunc(pools, func(p Pool) bool { return p.PageSize == pageSize }); i >= 0 {
		return pools[i], nil
	}
	offered := make([]uint64, len(pools))
	for i, p := range pools {
		offered[i] = p.PageSize
	}
	return Pool{}, &UnknownPageSizeError{PageSize: pageSize, Offered: offered}
}

// NodePool reads one NUMA node's pool of one size; a node without that
// pool is an *UnknownNodeError (class errclass.Usage).
func (c *Client) NodePool(node int, pageSize uint64) (procfs.HugePagePool, error) {
	pools, err := c.fs.NodeHugePagePools()
	if err != nil {
		return procfs.HugePagePool{}, err
	}
	return nodePoolOf(pools, node, pageSize)
}

// nodePoolOf picks node's pool of pageSize out of the per-node pools.
func nodePoolOf(pools []procfs.HugePagePool, node int, pageSize uint64) (procfs.HugePagePool, error) {
	var nodes []int
	for _, p := range pools {
		if p.PageSize != pageSize {
			continue
		}
		if p.Node == node {
			return p, nil
		}
		nodes = append(nodes, p.Node)
	}
	return procfs.HugePagePool{}, &UnknownNodeError{Node: node, PageSize: pageSize, Nodes: nodes}
}

// UnknownPageSizeError is a page size the kernel has no pool for.
type UnknownPageSizeError struct {
	PageSize uint64
	Offered  []uint64
}

func (e *UnknownPageSizeError) Error() string {
	return fmt.Sprintf("no %s huge page pool (offered: %s)", procfs.PageSizeName(e.PageSize), sizeNames(e.Offered))
}

// Unwrap gives the class: the caller asked for something that is not there to ask for.
func (e *UnknownPageSizeError) Unwrap() error { return errclass.Usage }

// UnknownNodeError is a NUMA node without a pool of the size asked for.
type UnknownNodeError struct {
	Node     int
	PageSize uint64
	Nodes    []int // the nodes that have one
}

func (e *UnknownNodeError) Error() string {
	nodes := make([]string, len(e.Nodes))
	for i, n := range e.Nodes {
		nodes[i] = strconv.Itoa(n)
	}
	return fmt.Sprintf("unknown NUMA node %d for %s pages (nodes: %s)", e.Node, procfs.PageSizeName(e.PageSize), strings.Join(nodes, ", "))
}

// Unwrap gives the class errclass.Usage.
func (e *UnknownNodeError) Unwrap() error { return errclass.Usage }

// classify marks a missing hugetlb sysfs tree as errclass.Unsupported
// (procfs already says procfs.ErrNotSupported, which is ErrUnsupported).
func classify(err error) error {
	if errors.Is(err, errors.ErrUnsupported) && !errors.Is(err, errclass.Unsupported) {
		return errclass.Wrap(errclass.Unsupported, err)
	}
	return err
}

// Mounts lists the hugetlbfs mounts of /proc/mounts.
//
// Equivalent to: `hugeadm --list-all-mounts`.
func (c *Client) Mounts() ([]procfs.HugetlbfsMount, error) { return c.fs.HugetlbfsMounts() }

// Mount mounts a hugetlbfs on dir. o.PageSize must be a size the kernel
// offers (*UnknownPageSizeError otherwise); 0 means the default size.
//
// Equivalent to: `mount -t hugetlbfs -o OPTIONS none DIR`.
func (c *Client) Mount(dir string, o MountOptions) error {
	if o.PageSize != 0 {
		if _, err := c.Pool(o.PageSize); err != nil {
			return err
		}
	}
	if o.MaxSize != 0 && o.MinSize > o.MaxSize {
		return errclass.Errorf(errclass.Usage, "min_size %d is larger than size %d", o.MinSize, o.MaxSize)
	}
	return Mount(dir, o)
}

// Unmount unmounts the hugetlbfs on dir; a dir that is not a hugetlbfs
// mount point is refused with class errclass.NotFound and nothing is
// unmounted. It returns the absolute directory.
//
// Equivalent to: `umount DIR`.
func (c *Client) Unmount(dir string) (string, error) {
	abs, err := c.HugetlbfsMountPoint(dir)
	if err != nil {
		return dir, err
	}
	return abs, Unmount(abs)
}

// HugetlbfsMountPoint returns dir made absolute if a hugetlbfs is mounted
// there, and an error of class errclass.NotFound if not.
func (c *Client) HugetlbfsMountPoint(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir, err
	}
	mounts, err := c.fs.HugetlbfsMounts()
	if err != nil {
		return abs, err
	}
	for _, m := range mounts {
		if m.Dir == abs {
			return abs, nil
		}
	}
	return abs, errclass.Errorf(errclass.NotFound, "%s: not a hugetlbfs mount", dir)
}

func sizeNames(sizes []uint64) string {
	names := make([]string, len(sizes))
	for i, s := range sizes {
		names[i] = procfs.PageSizeName(s)
	}
	return strings.Join(names, ", ")
}

// humanBytes writes a byte count for people the way ipcctl's tables do
// (internal/table.HumanSize): 512B, 64K, 23.5G.
func humanBytes(n uint64) string {
	const units = "BKMGTPE"
	if n < 1024 {
		return strconv.FormatUint(n, 10) + "B"
	}
	i, div := 0, uint64(1)
	for n/div >= 1024 && i < len(units)-1 {
		div *= 1024
		i++
	}
	whole := n / div
	tenth := (n%div*10 + div/2) / div
	if tenth == 10 {
		whole, tenth = whole+1, 0
	}
	s := strconv.FormatUint(whole, 10)
	if tenth != 0 {
		s += "." + strconv.FormatUint(tenth, 10)
	}
	return s + units[i:i+1]
}

func satAdd(a, b uint64) uint64 {
	if a+b < a {
		return ^uint64(0)
	}
	return a + b
}

package hugetlb

import (
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"path"
	"strconv"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// Count is a pool size as a person gives it: pages or bytes, set or
// adjusted.
type Count struct {
	Value uint64
	Bytes bool // Value is a memory size, rounded up to whole pages
	Sign  int  // +1 adds to the current value, -1 takes from it, 0 sets it
}

// Resolve turns n into a number of pages of pageSize, against the
// current value cur. Going below 0 or past 2^64-1 is a usage error.
func (n Count) Resolve(cur, pageSize uint64) (uint64, error) {
	pages := n.Value
	if n.Bytes {
		if pageSize == 0 {
			return 0, errclass.Errorf(errclass.Usage, "page size 0")
		}
		pages = n.Value / pageSize
		if n.Value%pageSize != 0 {
			pages++
		}
	}
	switch {
	case n.Sign > 0:
		if pages > ^uint64(0)-cur {
			return 0, errclass.Errorf(errclass.Usage, "%d + %d overflows", cur, pages)
		}
		return cur + pages, nil
	case n.Sign < 0:
		if pages > cur {
			return 0, errclass.Errorf(errclass.Usage, "the pool has only %d pages", cur)
		}
		return cur - pages, nil
	}
	return pages, nil
}

// SetRequest asks to resize one pool.
type SetRequest struct {
	PageSize uint64
	Node     int    // a NUMA node, or -1 for the whole system
	Min      *Count // the persistent pool (nr_hugepages); nil leaves it
	Max      *Count // minimum + overcommit (nr_overcommit_hugepages); nil leaves it
}

// Write is one file a plan writes.
type Write struct {
	File    string // below the FS root
	Value   uint64 // what is written
	Current uint64 // what the file holds now
	Minimum bool   // nr_hugepages (read back as the persistent pool); else overcommit
}

// Plan is a checked SetRequest: what will be written, and what the
// kernel is likely to refuse in part. PlanSet makes it and changes
// nothing; Set carries it out.
type Plan struct {
	Request  SetRequest
	Pool     procfs.HugePagePool // the pool before (one node's when Node >= 0)
	Min      uint64              // the persistent pool asked for
	Max      *uint64             // the maximum asked for; nil when --max was not given
	Writes   []Write
	Warnings []string // the request passes but the kernel will likely give less, or leave little
}

// nearlyAll is the share of memory (percent) in huge page pools past
// which a plan warns: what is left may not run the system.
const nearlyAll = 90

// PlanSet checks req against the kernel's page sizes, the NUMA nodes,
// overcommit rules and memory, and returns the writes that carry it out.
// A request that cannot succeed — an unknown size or node, overcommit on
// a node or on gigantic pages, a maximum below the minimum, a persistent
// pool larger than the machine's (or the node's) memory — is an error of
// class errclass.Usage. Nothing is written.
func (c *Client) PlanSet(req SetRequest) (Plan, error) {
	plan := Plan{Request: req}
	pools, mi, err := c.Pools()
	if err != nil {
		return plan, err
	}
	sys, err := findPool(pools, req.PageSize)
	if err != nil {
		return plan, err
	}
	name := procfs.PageSizeName(req.PageSize)
	plan.Pool = sys.HugePagePool
	dir := procfs.HugePagesDir(req.PageSize)
	var nodePools []procfs.HugePagePool // read once: the plan and the memory check see the same pools
	if req.Node >= 0 {
		if nodePools, err = c.fs.NodeHugePagePools(); err != nil {
			return plan, err
		}
		if plan.Pool, err = nodePoolOf(nodePools, req.Node, req.PageSize); err != nil {
			return plan, err
		}
		dir = procfs.NodeHugePagesDir(req.Node, req.PageSize)
	}
	plan.Min = plan.Pool.Minimum()
	if req.Min != nil {
		if plan.Min, err = req.Min.Resolve(plan.Pool.Minimum(), req.PageSize); err != nil {
			return plan, err
		}
		plan.Writes = append(plan.Writes, Write{path.Join(dir, "nr_hugepages"), plan.Min, plan.Pool.Total, true})
	}
	if req.Max != nil {
		switch {
		case req.Node >= 0:
			return plan, errclass.Errorf(errclass.Usage, "the maximum applies to the whole system: overcommit is not per node")
		case procfs.Gigantic(req.PageSize) || sys.Overcommit == nil:
			return plan, errclass.Errorf(errclass.Usage, "%s pages are gigantic and have no overcommit; size their pool with the minimum", name)
		}
		newMax, err := req.Max.Resolve(*sys.Maximum(), req.PageSize)
		if err != nil {
			return plan, err
		}
		if newMax < plan.Min {
			return plan, errclass.Errorf(errclass.Usage, "maximum %d is below the minimum %d", newMax, plan.Min)
		}
		plan.Max = &newMax
		plan.Writes = append(plan.Writes, Write{path.Join(dir, "nr_overcommit_hugepages"), newMax - plan.Min, *sys.Overcommit, false})
	}
	if err := c.checkMemory(&plan, pools, nodePools, mi); err != nil {
		return plan, err
	}
	return plan, nil
}

// checkMemory refuses a persistent pool that cannot fit in memory and
// warns about one the kernel will likely fill only in part. nodePools
// are the per-node pools, read when the request names a node.
func (c *Client) checkMemory(plan *Plan, pools []Pool, nodePools []procfs.HugePagePool, mi procfs.Meminfo) error {
	req := plan.Request
	name := procfs.PageSizeName(req.PageSize)
	warn := func(format string, args ...any) { plan.Warnings = append(plan.Warnings, fmt.Sprintf(format, args...)) }
	want := mulSat(plan.Min, req.PageSize)
	growth := sub(want, mulSat(plan.Pool.Minimum(), req.PageSize))

	// The memory this pool draws on, and what the other pools hold of it.
	where, total, free := "this machine", mi.MemTotal, mi.MemAvailable
	if free == nil {
		free = mi.MemFree
	}
	var others uint64
	if req.Node >= 0 {
		nmi, err := c.fs.NodeMeminfo(req.Node)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		where, total, free = "node "+strconv.Itoa(req.Node), nmi.MemTotal, nmi.MemFree
		for _, p := range nodePools {
			if p.Node == req.Node && p.PageSize != req.PageSize {
				others = satAdd(others, mulSat(p.Minimum(), p.PageSize))
			}
		}
	} else {
		for _, p := range pools {
			if p.PageSize != req.PageSize {
				others = satAdd(others, mulSat(p.Minimum(), p.PageSize))
			}
		}
	}

	if req.Min != nil && total != nil && growth > 0 {
		switch all := satAdd(want, others); {
		case want > *total:
			return errclass.Errorf(errclass.Usage, "%d %s pages (%s) are more than the memory of %s (%s)", plan.Min, name, humanBytes(want), where, humanBytes(*total))
		case all > *total:
			return errclass.Errorf(errclass.Usage, "%d %s pages (%s) with the %s the other pools hold are more than the memory of %s (%s)",
				plan.Min, name, humanBytes(want), humanBytes(others), where, humanBytes(*total))
		case *total > 0 && mulSat(all, 100) >= mulSat(*total, nearlyAll):
			warn("huge page pools would hold %d%% of the memory of %s (%s of %s), leaving %s for everything else",
				mulSat(all, 100) / *total, where, humanBytes(all), humanBytes(*total), humanBytes(*total-all))
		}
		if free != nil && growth > *free {
			warn("growing the %s pool by %s needs more than the %s free on %s now: the kernel will likely give fewer pages",
				name, humanBytes(growth), humanBytes(*free), where)
		}
	}
	if req.Min != nil && req.Node < 0 && growth > 0 {
		c.checkNodeShares(plan, growth, warn)
	}
	if req.Min != nil && growth > 0 && procfs.Gigantic(req.PageSize) {
		warn("each %s page needs %s of contiguous free memory: after boot the kernel often finds fewer (reserve them at boot with hugepagesz=%s hugepages=%d)",
			name, name, name, plan.Min)
	}
	if plan.Max != nil && total != nil && mulSat(*plan.Max, req.PageSize) > *total {
		warn("the maximum of %d %s pages (%s) is more than the memory of %s (%s): the pool can never grow that far",
			*plan.Max, name, humanBytes(mulSat(*plan.Max, req.PageSize)), where, humanBytes(*total))
	}
	return nil
}

// checkNodeShares warns when a system-wide pool grows by more than a
// node can give: the kernel spreads new pages evenly over the nodes that
// have memory, so each node must find its share.
func (c *Client) checkNodeShares(plan *Plan, growth uint64, warn func(string, ...any)) {
	nodes, err := c.fs.Nodes()
	if err != nil || len(nodes) < 2 {
		return
	}
	share := growth / uint64(len(nodes))
	for _, n := range nodes {
		nmi, err := c.fs.NodeMeminfo(n)
		if err != nil || nmi.MemFree == nil {
			continue
		}
		if share > *nmi.MemFree {
			warn("the kernel spreads new pages over %d NUMA nodes: node %d has %s free for its share of %s",
				len(nodes), n, humanBytes(*nmi.MemFree), humanBytes(share))
		}
	}
}

// Change is one write Set made, read back: Old and New are pages.
type Change struct {
	Write
	Old, New uint64
}

// ShortfallError says the kernel found fewer pages than asked for (memory
// is fragmented, or short); the pool keeps what it found.
type ShortfallError struct {
	PageSize   uint64
	Node       int
	Asked, Got uint64
}

func (e *ShortfallError) Error() string {
	return fmt.Sprintf("asked for %d pages, the kernel gave %d", e.Asked, e.Got)
}

// Set carries out a plan: every file is checked writable first (so a
// refusal changes nothing), then written in order and read back. It
// stops at a shortfall of the persistent pool with a *ShortfallError and
// the changes made so far.
//
// Equivalent to: `echo N > /sys/kernel/mm/hugepages/hugepages-SIZEkB/nr_hugepages` (and nr_overcommit_hugepages).
func (c *Client) Set(plan Plan) ([]Change, error) {
	for _, w := range plan.Writes {
		if err := c.fs.CheckWritable(w.File); err != nil {
			return nil, classWrite(err)
		}
	}
	var changes []Change
	for _, w := range plan.Writes {
		if !w.Minimum {
			old, got, err := c.fs.WriteUint64(w.File, w.Value)
			if err != nil {
				return changes, classWrite(err)
			}
			changes = append(changes, Change{Write: w, Old: old, New: got})
			continue
		}
		before := plan.Pool.Minimum()
		if err := c.fs.WriteFile(w.File, strconv.FormatUint(w.Value, 10)); err != nil {
			return changes, classWrite(err)
		}
		after, err := c.readPool(plan.Request.Node, plan.Request.PageSize)
		if err != nil {
			return changes, fmt.Errorf("reading back: %w", err)
		}
		changes = append(changes, Change{Write: w, Old: before, New: after.Minimum()})
		if after.Minimum() < w.Value {
			return changes, &ShortfallError{PageSize: plan.Request.PageSize, Node: plan.Request.Node, Asked: w.Value, Got: after.Minimum()}
		}
	}
	return changes, nil
}

func (c *Client) readPool(node int, size uint64) (procfs.HugePagePool, error) {
	if node >= 0 {
		return c.NodePool(node, size)
	}
	p, err := c.Pool(size)
	return p.HugePagePool, err
}

// classWrite marks a refused write as errclass.Permission.
func classWrite(err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return errclass.Wrap(errclass.Permission, err)
	}
	return err
}

// mulSat multiplies without wrapping: a product past 2^64 is 2^64-1.
func mulSat(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return ^uint64(0)
	}
	return lo
}

func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// Package hugetlb maps huge pages and mounts hugetlbfs. It is small on
// purpose: the mapping belongs in pkg/mmaputil once that package lands.
package hugetlb

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"golang.org/x/sys/unix"
)

// Touch maps count huge pages of pageSize bytes (anonymous, private,
// reserved at mmap time so a pool shortage is ENOMEM), faults each page
// in so the kernel really allocates it, and unmaps them. A page the
// kernel still cannot provide (a hugetlb cgroup limit is enforced at
// fault time) is a *mmaputil.FaultError, not a SIGBUS.
//
// Equivalent to: `mmap(NULL, N*SIZE, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_SIZE, -1, 0)` and a write per page.
func Touch(pageSize, count uint64) error {
	if pageSize == 0 || pageSize&(pageSize-1) != 0 {
		return fmt.Errorf("page size %d is not a power of two: %w", pageSize, unix.EINVAL)
	}
	hi, length := bits.Mul64(pageSize, count)
	if hi != 0 || length > uint64(^uint(0)>>1) || count == 0 {
		return fmt.Errorf("%d pages of %d bytes: %w", count, pageSize, unix.EINVAL)
	}
	m, err := mmaputil.Anon(length, mmaputil.AnonOptions{HugePageSize: pageSize})
	var pe *mmaputil.HugePoolError
	if errors.As(err, &pe) {
		return fmt.Errorf("mmap: %w", unix.ENOMEM)
	}
	if errors.Is(err, mmaputil.ErrHugePageSize) {
		return fmt.Errorf("mmap: %w", unix.EINVAL)
	}
	if err != nil {
		return err
	}
	err = m.Populate()
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return err
}

// MountOptions are hugetlbfs mount options; zero values are left out.
type MountOptions struct {
	PageSize uint64 // bytes
	MaxSize  uint64 // size=, bytes
	MinSize  uint64 // min_size=, bytes
	NrInodes uint64
	UID, GID *uint32
	Mode     *uint32
}

// String is the option string passed to mount(2), as /proc/mounts shows it.
func (o MountOptions) String() string {
	var opts []string
	add := func(k string, v uint64) {
		if v != 0 {
			opts = append(opts, k+"="+strconv.FormatUint(v, 10))
		}
	}
	add("pagesize", o.PageSize)
	add("size", o.MaxSize)
	add("min_size", o.MinSize)
	add("nr_inodes", o.NrInodes)
	if o.UID != nil {
		opts = append(opts, fmt.Sprintf("uid=%d", *o.UID))
	}
	if o.GID != nil {
		opts = append(opts, fmt.Sprintf("gid=%d", *o.GID))
	}
	if o.Mode != nil {
		opts = append(opts, fmt.Sprintf("mode=%o", *o.Mode))
	}
	return strings.Join(opts, ",")
}

// Mount mounts a hugetlbfs on dir.
//
// Equivalent to: `mount -t hugetlbfs -o OPTIONS none DIR`.
func Mount(dir string, o MountOptions) error {
	return unix.Mount("none", dir, "hugetlbfs", 0, o.String())
}

// Unmount unmounts dir.
//
// Equivalent to: `umount DIR`.
func Unmount(dir string) error { return unix.Unmount(dir, 0) }

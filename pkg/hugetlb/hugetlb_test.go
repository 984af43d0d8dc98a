package hugetlb

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMountOptionsString(t *testing.T) {
	uid, mode := uint32(1000), uint32(0o1770)
	for _, tc := range []struct {
		o    MountOptions
		want string
	}{
		{MountOptions{PageSize: 2 << 20}, "pagesize=2097152"},
		{MountOptions{PageSize: 1 << 30, MaxSize: 4 << 30, MinSize: 1 << 30, NrInodes: 8, UID: &uid, Mode: &mode},
			"pagesize=1073741824,size=4294967296,min_size=1073741824,nr_inodes=8,uid=1000,mode=1770"},
	} {
		if got := tc.o.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestTouchRefusesBadSizes(t *testing.T) {
	for _, tc := range []struct{ size, count uint64 }{{3 << 20, 1}, {0, 1}, {2 << 20, 0}, {1 << 30, 1 << 40}} {
		if err := Touch(tc.size, tc.count); !errors.Is(err, unix.EINVAL) {
			t.Errorf("Touch(%d, %d) = %v, want EINVAL", tc.size, tc.count, err)
		}
	}
}

// hostPool reads the default pool's unreserved free pages from /proc/meminfo.
func hostPool(t *testing.T) (size, available uint64) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Skip(err)
	}
	v := map[string]uint64{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(strings.Replace(line, ":", " ", 1))
		if len(f) >= 2 {
			v[f[0]], _ = strconv.ParseUint(f[1], 10, 64)
		}
	}
	if v["Hugepagesize"] == 0 {
		t.Skip("no hugetlb")
	}
	if v["HugePages_Free"] < v["HugePages_Rsvd"] {
		return v["Hugepagesize"] << 10, 0
	}
	return v["Hugepagesize"] << 10, v["HugePages_Free"] - v["HugePages_Rsvd"]
}

// Against the real kernel, without changing the pool: mapping one page
// more than the pool can give fails with ENOMEM at mmap time (the pages
// are reserved there), and, when pages are free, mapping them works.
func TestTouchOnTheHostPool(t *testing.T) {
	size, avail := hostPool(t)
	overcommit, _ := os.ReadFile("/proc/sys/vm/nr_overcommit_hugepages")
	if strings.TrimSpace(string(overcommit)) != "0" {
		t.Skip("overcommit is on: a mapping could grow the host's pool")
	}
	if err := Touch(size, avail+1); !errors.Is(err, unix.ENOMEM) {
		t.Errorf("Touch(%d, %d) with %d available = %v, want ENOMEM", size, avail+1, avail, err)
	}
	if avail == 0 {
		t.Skip("no free huge pages: the success path needs a pool set up by the host's owner")
	}
	if err := Touch(size, 1); err != nil {
		t.Errorf("Touch(%d, 1) with %d available: %v", size, avail, err)
	}
}

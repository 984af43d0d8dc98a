package procfs

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// HugetlbSizes lists the huge page sizes the kernel offers, in bytes,
// smallest first, from the directories of /sys/kernel/mm/hugepages
// (hugepages-2048kB, hugepages-1048576kB). A kernel without hugetlb has no
// such directory: the error wraps fs.ErrNotExist.
func (f FS) HugetlbSizes() ([]uint64, error) {
	ents, err := os.ReadDir(f.Path("sys/kernel/mm/hugepages"))
	if err != nil {
		return nil, err
	}
	var sizes []uint64
	for _, e := range ents {
		kb, ok := strings.CutPrefix(e.Name(), "hugepages-")
		if !ok {
			continue
		}
		kb, ok = strings.CutSuffix(kb, "kB")
		v, err := strconv.ParseUint(kb, 10, 64)
		if !ok || err != nil || v == 0 || v > 1<<44 {
			return nil, &ParseError{File: "sys/kernel/mm/hugepages", Msg: fmt.Sprintf("unexpected entry %q", truncate(e.Name()))}
		}
		sizes = append(sizes, v<<10)
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	return sizes, nil
}

// HugetlbPool reads nr_hugepages and free_hugepages of the pool of the
// given page size (bytes).
func (f FS) HugetlbPool(pageSize uint64) (nr, free uint64, err error) {
	dir := fmt.Sprintf("sys/kernel/mm/hugepages/hugepages-%dkB/", pageSize>>10)
	if nr, err = f.readUint64File(dir + "nr_hugepages"); err != nil {
		return 0, 0, err
	}
	free, err = f.readUint64File(dir + "free_hugepages")
	return nr, free, err
}

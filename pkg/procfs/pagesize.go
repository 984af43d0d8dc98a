package procfs

import "strconv"

// PageSizeName is the short name of a page size, as `ipcctl hugepage
// set` takes it and the kernel's hugepages-2048kB directories mean it:
// 64K, 2M, 1G.
func PageSizeName(size uint64) string {
	for _, u := range []struct {
		shift  uint
		suffix string
	}{{40, "T"}, {30, "G"}, {20, "M"}, {10, "K"}} {
		if size >= 1<<u.shift && size&(1<<u.shift-1) == 0 {
			return strconv.FormatUint(size>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatUint(size, 10)
}

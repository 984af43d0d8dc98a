package columns

import (
	"testing"

	"github.com/ipcctl/ipcctl/pkg/mmaputil"
)

func TestResidencyMap(t *testing.T) {
	for _, tc := range []struct {
		pages mmaputil.PageMap
		width int
		want  string
	}{
		{nil, 8, ""},
		{mmaputil.PageMap{1, 0, 1}, 8, "O.O"},
		{mmaputil.PageMap{1, 1, 1, 0, 0, 0, 1, 0}, 4, "Oo.o"},
		{mmaputil.PageMap{1, 1, 0, 0}, 2, "O."},
		{mmaputil.PageMap{1, 1, 1, 1}, 0, ""},
	} {
		if got := ResidencyMap(tc.pages, tc.width); got != tc.want {
			t.Errorf("ResidencyMap(%v, %d) = %q, want %q", tc.pages, tc.width, got, tc.want)
		}
	}
}

func TestCacheChangeDelta(t *testing.T) {
	page := uint64(mmaputil.PageSize)
	c := CacheChange{
		Before: mmaputil.Residency{Size: int64(4 * page), Pages: 4, Resident: 4},
		After:  mmaputil.Residency{Size: int64(4 * page), Pages: 4, Resident: 1},
	}
	ev, _ := CacheChanges("evicted").Lookup("evicted")
	if v := ev.Value(&c); v.Uint != 3*page {
		t.Errorf("evicted = %d, want %d", v.Uint, 3*page)
	}
	ld, _ := CacheChanges("loaded").Lookup("loaded")
	if v := ld.Value(&c); v.Uint != 0 {
		t.Errorf("loaded = %d when pages left, want 0", v.Uint)
	}
}

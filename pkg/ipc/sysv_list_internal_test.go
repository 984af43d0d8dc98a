package ipc

import (
	"fmt"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

// An object removed between *_INFO and its *_STAT_ANY (EIDRM), or an index
// never used (EINVAL), is skipped; any other error ends the listing.
func TestStatLoopSkipsVanishedObjects(t *testing.T) {
	errs := map[int]error{
		1: unix.EINVAL,                           // unused index
		3: unix.EIDRM,                            // removed mid-listing
		4: fmt.Errorf("stat 4: %w", unix.EINVAL), // wrapped
	}
	got, err := statLoop(5, 0, func(i int) (int, error) { return i * 10, errs[i] })
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 20, 50}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}

	for _, e := range []error{unix.EACCES, unix.EFAULT, unix.ENOSYS} {
		_, err := statLoop(5, 0, func(i int) (int, error) {
			if i == 2 {
				return 0, e
			}
			return i, nil
		})
		if err != e {
			t.Errorf("error %v from index 2: statLoop returned %v", e, err)
		}
	}

	if got, err := statLoop(-1, 0, func(int) (int, error) { t.Fatal("called"); return 0, nil }); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v, %v", got, err)
	}
}

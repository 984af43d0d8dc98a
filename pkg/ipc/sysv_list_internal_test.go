package ipc

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

// An object removed between *_INFO and its *_STAT_ANY (EIDRM), or an index
// never used (EINVAL), is skipped; any other error ends the listing, and
// one before any object was found, or finding none where *_INFO counts
// some, says the walk cannot list (errNoStatAny) so /proc is read instead.
func TestWalkSkipsVanishedObjects(t *testing.T) {
	collect := func(maxIdx, used int, stat func(i int, ds *int) (int, error)) ([]int, error) {
		var got []int
		err := walk(maxIdx, used, stat, func(ds *int, id int) error {
			got = append(got, *ds, id)
			return nil
		})
		return got, err
	}
	errs := map[int]error{
		1: unix.EINVAL,                           // unused index
		3: unix.EIDRM,                            // removed mid-listing
		4: fmt.Errorf("stat 4: %w", unix.EINVAL), // wrapped
	}
	got, err := collect(5, 3, func(i int, ds *int) (int, error) { *ds = i * 10; return i + 100, errs[i] })
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 100, 20, 102, 50, 105}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}

	for _, e := range []error{unix.EACCES, unix.EFAULT, unix.ENOSYS} {
		_, err := collect(5, 3, func(i int, ds *int) (int, error) {
			if i == 2 {
				return 0, e
			}
			return i, nil
		})
		if err != e {
			t.Errorf("error %v from index 2: walk returned %v", e, err)
		}
		_, err = collect(5, 3, func(i int, ds *int) (int, error) { return 0, e })
		if err != errNoStatAny {
			t.Errorf("error %v from index 0: walk returned %v, want errNoStatAny", e, err)
		}
	}

	// Every index EINVAL: a kernel without *_STAT_ANY when *_INFO counts objects.
	if _, err := collect(5, 2, func(int, *int) (int, error) { return 0, unix.EINVAL }); err != errNoStatAny {
		t.Errorf("nothing found of 2: %v, want errNoStatAny", err)
	}
	if got, err := collect(5, 0, func(int, *int) (int, error) { return 0, unix.EINVAL }); err != nil || got != nil {
		t.Errorf("nothing found of 0: %v, %v", got, err)
	}
	if got, err := collect(-1, 0, func(int, *int) (int, error) { t.Fatal("called"); return 0, nil }); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v, %v", got, err)
	}

	// An error from emit stops the walk and comes back as it is.
	stop := errors.New("stop")
	n := 0
	err = walk(5, 6, func(i int, ds *int) (int, error) { return i, nil }, func(*int, int) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("emit error: %v after %d objects", err, n)
	}
}

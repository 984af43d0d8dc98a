package kinds

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

func TestCheckHugePageSize(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"hugepages-2048kB", "hugepages-1048576kB"} {
		if err := os.MkdirAll(dir+"/sys/kernel/mm/hugepages/"+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fs := procfs.FS(dir)
	if got, err := checkHugePageSize(fs, "1G"); err != nil || got != 1<<30 {
		t.Errorf("1G = %d, %v", got, err)
	}
	_, err := checkHugePageSize(fs, "16M")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || err.Error() != "invalid --hugepage-size 16M: this kernel offers 2M, 1G" {
		t.Errorf("16M: %v", err)
	}
}

// The table is whole: every kind has what every verb reads of it.
func TestTableIsWhole(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range All() {
		if seen[string(k.Name)] {
			t.Errorf("%s twice", k.Name)
		}
		seen[string(k.Name)] = true
		if k.ops == nil || k.remove == nil || k.change == nil || k.Title == "" || k.Object == "" || k.Help == "" || k.Family == 0 {
			t.Errorf("%s: incomplete row", k.Name)
		}
		set := k.Set()
		if len(set.Defaults()) == 0 {
			t.Errorf("%s: no default columns", k.Name)
		}
		for view, cols := range set.Views {
			for _, c := range cols {
				if !set.Has(c) {
					t.Errorf("%s: view %s names column %q it does not have", k.Name, view, c)
				}
			}
		}
		for _, v := range cmdutil.Views[1:] {
			if _, ok := set.Views[v]; !ok {
				t.Errorf("%s: no view %q", k.Name, v)
			}
		}
	}
	if got := Valid(All()); got != "shm, sem, msg, pshm, psem, mq" {
		t.Errorf("kinds = %s", got)
	}
}

func TestNarrowAndRefuse(t *testing.T) {
	sem := MustGet("sem")
	if _, err := Narrow([]*Kind{sem}, true, ByCreator); err == nil || !strings.Contains(err.Error(), "--creator-pid applies to shm only, not sem") {
		t.Errorf("Narrow(sem, creator) = %v", err)
	}
	ks, err := Narrow(All(), false, ByKey)
	if err != nil || Valid(ks) != "shm, sem, msg" {
		t.Errorf("Narrow(all, key) = %v, %v", Valid(ks), err)
	}
}

func TestOrphan(t *testing.T) {
	gone := func(pid int) bool { return pid >= 1000 }
	attached := time.Unix(1e9, 0)
	for _, tc := range []struct {
		o    Object
		want bool
	}{
		{Object{CPID: 1000, LPID: 1001, ATime: attached}, true},
		{Object{CPID: 1000}, true},                            // never attached
		{Object{CPID: 1000, LPID: 0, ATime: attached}, false}, // last user not visible from here
		{Object{CPID: 1000, LPID: 5, ATime: attached}, false}, // last user alive
		{Object{CPID: 5, LPID: 1000, ATime: attached}, false}, // creator alive
		{Object{CPID: 0, LPID: 1000, ATime: attached}, false}, // creator not visible from here
		{Object{CPID: 1000, LPID: 1001, Nattch: 1, ATime: attached}, false},
	} {
		if got := Orphan(&tc.o, gone); got != tc.want {
			t.Errorf("Orphan(%+v) = %v, want %v", tc.o, got, tc.want)
		}
	}
}

// The stat columns of a POSIX listing are exactly pshm's, whose rows are
// the stat of each file (a typo would make a listing read contents it
// could skip), and any other column, or every column (nil), reads the
// contents.
func TestPosixNeeds(t *testing.T) {
	var pshmCols []string
	for _, c := range pshmKind.Set().Cols {
		pshmCols = append(pshmCols, c.Name)
	}
	slices.Sort(pshmCols)
	if stat := slices.Sorted(slices.Values(posixStatColumns)); !slices.Equal(stat, pshmCols) {
		t.Errorf("stat columns %q, pshm columns %q", stat, pshmCols)
	}
	for _, c := range []struct {
		cols     []string
		contents bool
	}{
		{nil, true},
		{[]string{}, false},
		{[]string{"name", "owner", "perms", "mtime", "holders"}, false},
		{[]string{"name", "value"}, true},
		{[]string{"messages"}, true},
		{[]string{"name", "a-column-added-later"}, true},
	} {
		if got := posixNeeds(c.cols).Contents; got != c.contents {
			t.Errorf("posixNeeds(%q).Contents = %v, want %v", c.cols, got, c.contents)
		}
	}
}

package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// A verb whose result is one line (what it changed, what it would do)
// fails when that line cannot be written: on /dev/full it exits 1 and
// says so, and a change it made stays made (and is said to be).
func TestResultLinesOnAFullDisk(t *testing.T) {
	nstest.Require(t)
	fs := hptest.Copy(t, "numa2")
	root := "--fs-root=" + string(fs)
	mnt := t.TempDir()
	for _, tc := range []struct {
		args []string
		msg  string
		file string // a fixture file the verb writes, and what it holds after
		want string
	}{
		{[]string{"thp", root, "set", "enabled=madvise"}, "the settings were changed", "sys/kernel/mm/transparent_hugepage/enabled", "madvise"},
		{[]string{"hugepage", root, "set", "2M", "--max", "700"}, "the pool was changed", "sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages", "200"},
		{[]string{"hugepage", root, "mount", mnt, "--size", "2M", "--dry-run"}, "writing output", "", ""},
		{[]string{"key", mnt, "7"}, "writing output", "", ""},
	} {
		r := shell(t, ">/dev/full", tc.args...)
		if r.Code != 1 || !strings.Contains(r.Stderr, tc.msg) || !strings.Contains(r.Stderr, "no space left on device") {
			t.Errorf("%v >/dev/full: exit %d, stderr %q; want 1 saying %q", tc.args, r.Code, r.Stderr, tc.msg)
		}
		if tc.file == "" {
			continue
		}
		b, err := os.ReadFile(fs.Path(tc.file))
		if err != nil || !strings.Contains(string(b), tc.want) {
			t.Errorf("%v: %s holds %q (%v), want %q", tc.args, tc.file, b, err, tc.want)
		}
	}
}

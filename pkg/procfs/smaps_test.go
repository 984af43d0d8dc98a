package procfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

const smapsSample = `7f0000000000-7f0000400000 rw-s 00000000 00:01 1234                       /var/tmp/some file
Size:               4096 kB
KernelPageSize:        4 kB
Rss:                1024 kB
AnonHugePages:         0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd wr sh mr mw me ms
7f1000000000-7f1000200000 rw-p 00000000 00:00 0 
Size:               2048 kB
KernelPageSize:     2048 kB
Rss:                2048 kB
AnonHugePages:      2048 kB
ProtectionKey:         0
VmFlags: rd wr mr mw me ac
`

func TestParseSmaps(t *testing.T) {
	regs, err := parseSmaps("smaps", strings.NewReader(smapsSample))
	if err != nil {
		t.Fatal(err)
	}
	if len(regs) != 2 {
		t.Fatalf("got %d regions, want 2", len(regs))
	}
	r := regs[0]
	if r.Start != 0x7f0000000000 || r.End != 0x7f0000400000 || r.Perms != "rw-s" || r.Path != "/var/tmp/some file" {
		t.Errorf("region 0 = %+v", r)
	}
	if r.Fields["Rss"] != 1<<20 || r.Fields["KernelPageSize"] != 4096 {
		t.Errorf("region 0 fields = %v", r.Fields)
	}
	if regs[1].Path != "" || regs[1].Fields["AnonHugePages"] != 2<<20 {
		t.Errorf("region 1 = %+v", regs[1])
	}
}

func TestParseSmapsBad(t *testing.T) {
	for _, in := range []string{
		"Rss: 4 kB\n",
		"zzzz-1000 rw-p 0 0 0\n",
		"1000-0 rw-p 0 0 0\n",
		"1000-2000 rw-p\n",
		"1000-2000 rw-p 0 0 0\nRss: 99999999999999999999 kB\n",
	} {
		if _, err := parseSmaps("smaps", strings.NewReader(in)); !errors.Is(err, ErrParse) {
			t.Errorf("parseSmaps(%q) err = %v, want ErrParse", in, err)
		}
	}
}

func FuzzParseSmaps(f *testing.F) {
	f.Add(smapsSample)
	f.Fuzz(func(t *testing.T, s string) { parseSmaps("smaps", strings.NewReader(s)) })
}

// The live file parses, and our own stack region is in it.
func TestSmapsSelf(t *testing.T) {
	regs, err := DefaultFS.Smaps("self")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	found := false
	for _, r := range regs {
		if r.Path == "[stack]" {
			found = true
			if _, err := DefaultFS.SmapsAt("self", r.Start); err != nil {
				t.Error(err)
			}
		}
	}
	if !found {
		t.Error("no [stack] region in /proc/self/smaps")
	}
}

func TestHugetlbSizes(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"hugepages-1048576kB", "hugepages-2048kB"} {
		p := filepath.Join(root, "sys/kernel/mm/hugepages", d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(p, "nr_hugepages"), []byte("5\n"), 0o644)
		os.WriteFile(filepath.Join(p, "free_hugepages"), []byte("3\n"), 0o644)
	}
	sizes, err := FS(root).HugetlbSizes()
	if err != nil || len(sizes) != 2 || sizes[0] != 2<<20 || sizes[1] != 1<<30 {
		t.Fatalf("HugetlbSizes = %v, %v", sizes, err)
	}
	if nr, free, err := FS(root).HugetlbPool(2 << 20); nr != 5 || free != 3 || err != nil {
		t.Errorf("HugetlbPool = %d, %d, %v", nr, free, err)
	}
	os.Mkdir(filepath.Join(root, "sys/kernel/mm/hugepages/hugepages-xkB"), 0o755)
	if _, err := FS(root).HugetlbSizes(); !errors.Is(err, ErrParse) {
		t.Errorf("bad entry: err = %v", err)
	}
	if _, err := FS(t.TempDir()).HugetlbSizes(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no hugetlb: err = %v", err)
	}
}

// A mapping's header is the maps line: the path as the kernel prints it,
// runs of spaces and a trailing one included.
func TestParseSmapsHeaderPath(t *testing.T) {
	for _, tc := range []struct{ line, perms, path string }{
		{"7f0000000000-7f0000001000 rw-s 00000000 00:01 1234                       /tmp/two  spaces", "rw-s", "/tmp/two  spaces"},
		{"7f0000000000-7f0000001000 r--p 00000000 00:01 1234 /tmp/trailing ", "r--p", "/tmp/trailing "},
		{"7f0000000000-7f0000001000 rw-s 00000000 00:01 5 /SYSV00001234 (deleted)", "rw-s", "/SYSV00001234 (deleted)"},
		{"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ", "rw-p", ""},
		{"7f0000000000-7f0000001000 rw-p 00000000 00:00 0                          [heap]", "rw-p", "[heap]"},
	} {
		r, err := parseSmapsHeader(tc.line)
		if err != nil || r.Start != 0x7f0000000000 || r.End != 0x7f0000001000 || r.Perms != tc.perms || r.Path != tc.path {
			t.Errorf("parseSmapsHeader(%q) = %+v, %v; want perms %q path %q", tc.line, r, err, tc.perms, tc.path)
		}
	}
}

// The kernel's own smaps of a file whose name has two spaces in a row
// names it exactly.
func TestSmapsSelfPathWithSpaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two  spaces")
	if err := os.WriteFile(path, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := unix.Mmap(int(f.Fd()), 0, 4096, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(b)
	r, err := DefaultFS.SmapsAt("self", uint64(uintptr(unsafe.Pointer(&b[0]))))
	if err != nil {
		t.Fatal(err)
	}
	if r.Path != path || r.Perms != "r--s" {
		t.Errorf("smaps region %q %q, want %q r--s", r.Perms, r.Path, path)
	}
}

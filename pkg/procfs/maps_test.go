package procfs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

const mapsSample = `55d0c6a00000-55d0c6a02000 r--p 00000000 08:01 1835099                    /usr/bin/sleep
55d0c8127000-55d0c8148000 rw-p 00000000 00:00 0                          [heap]
7f4133e07000-7f4133e09000 rw-s 00000000 00:2e 2                          /dev/shm/pobj
7f4133e09000-7f4133e0a000 rw-s 00000000 00:01 5                          /SYSV00001234 (deleted)
7f4133e09000-7f4133e0a000 rw-s 00000000 00:01 0                          /SYSV00000000 (deleted)
7f4133e0c000-7f4133e0d000 rw-p 00000000 00:00 0                          [anon:go: heap]
7f4133e0d000-7f4133e0e000 rw-p 00000000 00:00 0
7f4133e0a000-7f4133e0b000 r--s 00000000 00:2e 7                          /dev/shm/with space
7f4133e0b000-7f4133e0c000 rw-s 00000000 103:02 12                        /dev/shm/sem.lock
7ffd5a1e0000-7ffd5a201000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
`

func TestParseMaps(t *testing.T) {
	type row struct {
		shared     bool
		maj, min   uint32
		ino        uint64
		path       string
		start, end uint64
	}
	var got []row
	err := ParseMaps("maps", []byte(mapsSample), func(e MapsEntry) {
		got = append(got, row{e.Shared, unix.Major(e.Dev), unix.Minor(e.Dev), e.Inode, string(e.Path), e.Start, e.End})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{false, 8, 1, 1835099, "/usr/bin/sleep", 0x55d0c6a00000, 0x55d0c6a02000},
		{true, 0, 0x2e, 2, "/dev/shm/pobj", 0x7f4133e07000, 0x7f4133e09000},
		{true, 0, 1, 5, "/SYSV00001234 (deleted)", 0x7f4133e09000, 0x7f4133e0a000},
		{true, 0, 1, 0, "/SYSV00000000 (deleted)", 0x7f4133e09000, 0x7f4133e0a000},
		{true, 0, 0x2e, 7, "/dev/shm/with space", 0x7f4133e0a000, 0x7f4133e0b000},
		{true, 0x103, 2, 12, "/dev/shm/sem.lock", 0x7f4133e0b000, 0x7f4133e0c000},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{
		"55d0c6a00000-55d0c6a02000 r--p 00000000 08:01\n",
		"55d0c6a00000-55d0c6a02000 r--p 00000000 08:01 x /a\n",
		"55d0c6a00000 r--p 00000000 08:01 5 /a\n",
		"55d0c6a00000-55d0c6a02000 r--p 00000000 0801 5 /a\n",
		"55d0c6a00000-55d0c6a02000 r-p 00000000 08:01 5 /a\n",
		"zz-55d0c6a02000 r--p 00000000 08:01 5 /a\n",
		"1-2 r--p 00000000 fffff:01 5 /a\n",
	} {
		if err := ParseMaps("maps", []byte(bad), func(MapsEntry) {}); err == nil {
			t.Errorf("%q parsed", bad)
		} else {
			checkErr(t, err)
		}
	}
}

// The maps of this very process show a file it maps, with the device and
// inode stat gives: the second path.
func TestScanMapsSelf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mapped")
	if err := os.WriteFile(path, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := unix.Mmap(int(f.Fd()), 0, 4096, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	found := false
	err = DefaultFS.ScanMaps(os.Getpid(), &buf, func(e MapsEntry) {
		if e.Dev == st.Dev && e.Inode == st.Ino {
			found = e.Shared && strings.HasSuffix(string(e.Path), "/mapped")
		}
	})
	if err != nil || !found {
		t.Fatalf("own mapping of %s not found (err %v)", path, err)
	}
	fds := map[int]string{}
	if err := DefaultFS.ScanFDs(os.Getpid(), func(fd int, target []byte) { fds[fd] = string(target) }); err != nil {
		t.Fatal(err)
	}
	if fds[int(f.Fd())] != path {
		t.Errorf("fd %d -> %q, want %q", f.Fd(), fds[int(f.Fd())], path)
	}
	cmd, err := DefaultFS.PIDCommand(os.Getpid())
	if err != nil || !strings.Contains(cmd, filepath.Base(os.Args[0])) {
		t.Errorf("PIDCommand = %q, %v", cmd, err)
	}
	if _, err := DefaultFS.NamespaceInode("thread-self", "ipc"); err != nil {
		t.Errorf("NamespaceInode(thread-self): %v", err)
	}
}

func FuzzParseMaps(f *testing.F) {
	addSeeds(f, mapsSample, "", "\n", "1-2 rw-s 0 00:01 5 /SYSV00000000\n", "1-2 rw-s 0 00:01 5\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		err := ParseMaps("maps", b, func(e MapsEntry) {
			if len(e.Path) == 0 || e.Path[0] == '[' {
				t.Fatalf("entry that maps no file: %q", e.Path)
			}
		})
		if err != nil {
			checkErr(t, err)
		}
	})
}

func FuzzParseCgroup(f *testing.F) {
	addSeeds(f, "0::/system.slice/docker-"+cid+".scope\n", "12:memory:/kubepods/pod"+pod+"/"+cid+"\n", "", "::\n", "0::/a\\x2\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		lines, err := ParseCgroup("cgroup", b)
		if err != nil {
			checkErr(t, err)
			return
		}
		_ = ContainerOf(lines).String()
	})
}

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

func TestCreateShm(t *testing.T) {
	nstest.Require(t)
	id := create(t, "shm", "--size", "64K", "--key", "0x5eed0001", "--mode", "0640")
	defer testutil.Run(t, "", "rm", "shm", fmt.Sprint(id))
	row := sysvRow(t, "shm", id)
	if row["key"] != fmt.Sprint(0x5eed0001) || row["size"] != "65536" || row["perms"] != "640" || row["nattch"] != "0" {
		t.Errorf("/proc/sysvipc/shm row = %v", row)
	}
	// Another program finds it by key and by id, and shares its bytes.
	out := python(t, fmt.Sprintf(`m = sysv_ipc.SharedMemory(0x5eed0001)
m.write(b"hello")
print(m.id, m.size, sysv_ipc.attach(%d).read(5).decode())`, id))
	if want := fmt.Sprintf("%d 65536 hello", id); out != want {
		t.Errorf("python sees %q, want %q", out, want)
	}
	if c := cHelper(t, "shmkey", "0x5eed0001"); c != fmt.Sprint(id) {
		t.Errorf("C shmget(key) = %s, want %d", c, id)
	}

	// A private segment is a new one each time, with the default mode 0600.
	a, b := create(t, "shm", "--size", "1"), create(t, "shm", "--size", "4096", "--noreserve")
	defer testutil.Run(t, "", "rm", "shm", fmt.Sprint(a), fmt.Sprint(b))
	if a == b || sysvRow(t, "shm", a)["key"] != "0" || sysvRow(t, "shm", a)["perms"] != "600" || sysvRow(t, "shm", b)["size"] != "4096" {
		t.Errorf("private segments %d %d: %v %v", a, b, sysvRow(t, "shm", a), sysvRow(t, "shm", b))
	}
}

// A taken key exits 5 naming the object; --reuse prints its id;
// --exclusive refuses without the hint. Nothing new is made.
func TestCreateTakenKey(t *testing.T) {
	nstest.Require(t)
	for _, kind := range []struct {
		name string
		args []string
	}{
		{"shm", []string{"--size", "4K"}},
		{"sem", []string{"--nsems", "2"}},
		{"msg", nil},
	} {
		args := append([]string{kind.name, "--key", "0x5eed0002"}, kind.args...)
		id := create(t, args...)
		before := len(sysvRows(t, kind.name))

		r := testutil.Run(t, "", append([]string{"create"}, args...)...)
		if want := fmt.Sprintf("already exists (id %d); use --reuse to use it", id); r.Code != 5 || !strings.Contains(r.Stderr, want) || r.Stdout != "" {
			t.Errorf("create %s again: exit %d %q %q; want 5 and %q", kind.name, r.Code, r.Stdout, r.Stderr, want)
		}
		r = testutil.Run(t, "", append(append([]string{"create"}, args...), "--exclusive")...)
		if r.Code != 5 || strings.Contains(r.Stderr, "--reuse") {
			t.Errorf("create %s --exclusive: exit %d %q; want 5 without the --reuse hint", kind.name, r.Code, r.Stderr)
		}
		if got := create(t, append(args, "--reuse")...); got != id {
			t.Errorf("create %s --reuse = %d, want %d", kind.name, got, id)
		}
		if after := len(sysvRows(t, kind.name)); after != before {
			t.Errorf("%s: %d objects before, %d after", kind.name, before, after)
		}
		ipcctlOK(t, "rm", kind.name, fmt.Sprint(id))
	}
	// --reuse checks the object fits: a larger segment than the one there is refused.
	id := create(t, "shm", "--size", "4K", "--key", "0x5eed0003")
	defer ipcctlOK(t, "rm", "shm", fmt.Sprint(id))
	if r := testutil.Run(t, "", "create", "shm", "--size", "8K", "--key", "0x5eed0003", "--reuse"); r.Code == 0 {
		t.Errorf("reuse of a 4K segment as 8K succeeded: %q", r.Stdout)
	}
}

// --reuse of an object that differs from the request (another mode, a
// smaller size) uses it as it is and says how it differs on stderr, one
// line each; the kernel's row is unchanged. An exact match says nothing.
func TestCreateReuseSaysHowItDiffers(t *testing.T) {
	nstest.Require(t)
	id := create(t, "shm", "--key", "0x5eed0006", "--size", "8K", "--mode", "0600")
	defer ipcctlOK(t, "rm", "shm", fmt.Sprint(id))
	notice := func(what string) string {
		return fmt.Sprintf("ipcctl: create shm: reused shm %d: its %s", id, what)
	}
	before := len(sysvRows(t, "shm"))
	for _, tc := range []struct {
		args []string
		want []string // stderr lines
	}{
		{[]string{"--size", "8K", "--mode", "0644"}, []string{notice("mode is 0600, not 0644")}},
		{[]string{"--size", "4K"}, []string{notice("size is 8192, not 4096")}},
		{[]string{"--size", "4K", "--mode", "0640"}, []string{notice("size is 8192, not 4096"), notice("mode is 0600, not 0640")}},
		{[]string{"--size", "8K", "--mode", "0600"}, nil},
	} {
		args := append([]string{"create", "shm", "--key", "0x5eed0006", "--reuse"}, tc.args...)
		r := testutil.Run(t, "", args...)
		var stderr []string
		if s := strings.TrimSpace(r.Stderr); s != "" {
			stderr = strings.Split(s, "\n")
		}
		if r.Code != 0 || r.Stdout != fmt.Sprintln(id) || !slices.Equal(stderr, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 0, %d and %q", args, r.Code, r.Stdout, r.Stderr, id, tc.want)
		}
		if row := sysvRow(t, "shm", id); row["perms"] != "600" || row["size"] != "8192" {
			t.Errorf("%v changed the segment: /proc/sysvipc/shm row %v", args, row)
		}
	}
	if after := len(sysvRows(t, "shm")); after != before {
		t.Errorf("--reuse made segments: %d before, %d after", before, after)
	}
}

func TestCreateWithFtokKey(t *testing.T) {
	nstest.Require(t)
	file := filepath.Join(t.TempDir(), "anchor")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	id := create(t, "msg", "--path", file, "--proj", "7")
	defer ipcctlOK(t, "rm", "msg", fmt.Sprint(id))
	key := strings.TrimSpace(ipcctlOK(t, "key", file, "7").Stdout)
	out := python(t, fmt.Sprintf("print(sysv_ipc.MessageQueue(sysv_ipc.ftok(%q, 7, silence_warning=True)).id)", file))
	if out != fmt.Sprint(id) {
		t.Errorf("python finds queue %s by ftok key %s, want %d", out, key, id)
	}
}

func TestCreateSemValues(t *testing.T) {
	nstest.Require(t)
	id := create(t, "sem", "--nsems", "3", "--values", "1,0,32767", "--mode", "0604")
	defer ipcctlOK(t, "rm", "sem", fmt.Sprint(id))
	if row := sysvRow(t, "sem", id); row["nsems"] != "3" || row["perms"] != "604" {
		t.Errorf("/proc/sysvipc/sem row = %v", row)
	}
	if got := cHelper(t, "sem", fmt.Sprint(id)); got != "604 1 0 32767" {
		t.Errorf("C sees mode and values %q, want 604 1 0 32767", got)
	}
	one := create(t, "sem", "--nsems", "1", "--value", "5", "--key", "0x5eed0004", "--mode", "0660")
	defer ipcctlOK(t, "rm", "sem", fmt.Sprint(one))
	if got := python(t, "s = sysv_ipc.Semaphore(0x5eed0004)\nprint(s.id, s.value, oct(s.mode))"); got != fmt.Sprintf("%d 5 0o660", one) {
		t.Errorf("python sees %q", got)
	}
	// No values: every semaphore is 0.
	zero := create(t, "sem", "--nsems", "2")
	defer ipcctlOK(t, "rm", "sem", fmt.Sprint(zero))
	if got := cHelper(t, "sem", fmt.Sprint(zero)); got != "600 0 0" {
		t.Errorf("C sees %q, want 600 0 0", got)
	}
}

func TestCreateMsgQBytes(t *testing.T) {
	nstest.Require(t)
	id := create(t, "msg", "--qbytes", "8K", "--key", "0x5eed0005")
	defer ipcctlOK(t, "rm", "msg", fmt.Sprint(id))
	if got := cHelper(t, "msg", fmt.Sprint(id)); got != "8192" {
		t.Errorf("C sees qbytes %s, want 8192", got)
	}
	if got := python(t, "print(sysv_ipc.MessageQueue(0x5eed0005).max_size)"); got != "8192" {
		t.Errorf("python sees max_size %s", got)
	}
	// Above msgmnb needs CAP_SYS_RESOURCE in the initial namespace, which the
	// test namespace lacks: exit 4, and the half-made queue is gone again.
	before := len(sysvRows(t, "msg"))
	r := testutil.Run(t, "", "create", "msg", "--qbytes", "1G")
	if r.Code != 4 || !strings.Contains(r.Stderr, "set qbytes: operation not permitted") || !strings.Contains(r.Stderr, "needs CAP_SYS_RESOURCE") {
		t.Errorf("qbytes 1G: exit %d %q", r.Code, r.Stderr)
	}
	if after := len(sysvRows(t, "msg")); after != before {
		t.Errorf("a failed create left a queue behind (%d before, %d after)", before, after)
	}
}

// Usage errors exit 2 and create nothing.
func TestCreateUsageErrors(t *testing.T) {
	nstest.Require(t)
	count := func() int { return len(sysvRows(t, "shm")) + len(sysvRows(t, "sem")) + len(sysvRows(t, "msg")) }
	before := count()
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"shm", "--size", "0"}, "at least 1 byte"},
		{[]string{"shm", "--size", "-1"}, "invalid size"},
		{[]string{"shm", "--size", "lots"}, "invalid size"},
		{[]string{"shm", "--size", "16E"}, "larger than 2^64-1"},
		{[]string{"shm", "--size", "99999999999999999999"}, "invalid size"},
		{[]string{"shm"}, "size"},
		{[]string{"shm", "--size", "1M", "--mode", "0800"}, "invalid mode"},
		{[]string{"shm", "--size", "1M", "--key", "0x100000000"}, "invalid key"},
		{[]string{"shm", "--size", "1M", "--key", "1", "--path", "/"}, "none of the others"},
		{[]string{"shm", "--size", "1M", "--path", "/"}, "--path needs --proj"},
		{[]string{"shm", "--size", "1M", "--reuse"}, "--reuse needs --key"},
		{[]string{"shm", "--size", "2M", "--hugepage-size", "3M"}, "this kernel offers"},
		{[]string{"sem", "--nsems", "0"}, "invalid --nsems"},
		{[]string{"sem", "--nsems", "2", "--values", "1"}, "1 values for --nsems 2"},
		{[]string{"sem", "--nsems", "1", "--value", "32768"}, "0 to 32767"},
		{[]string{"sem", "--nsems", "1", "--value", "-1"}, "0 to 32767"},
		{[]string{"msg", "--qbytes", "0"}, "invalid --qbytes"},
		{[]string{"nosuchkind"}, "unknown kind"},
		{nil, "want a kind"},
	} {
		r := testutil.Run(t, "", append([]string{"create"}, tc.args...)...)
		if r.Code != 2 || !strings.Contains(r.Stderr, tc.msg) || r.Stdout != "" {
			t.Errorf("create %v: exit %d stdout %q stderr %q; want exit 2 and %q", tc.args, r.Code, r.Stdout, r.Stderr, tc.msg)
		}
	}
	if after := count(); after != before {
		t.Errorf("usage errors created objects: %d before, %d after", before, after)
	}
}

// --hugetlb either makes a huge page segment or says why not; it never
// silently makes an ordinary one.
func TestCreateHugeTLB(t *testing.T) {
	nstest.Require(t)
	ents, _ := os.ReadDir("/sys/kernel/mm/hugepages")
	if len(ents) == 0 {
		t.Skip("no huge page pools on this kernel")
	}
	r := testutil.Run(t, "", "create", "shm", "--size", "2M", "--hugetlb")
	if r.Code == 0 {
		id, _ := strconv.Atoi(strings.TrimSpace(r.Stdout))
		defer ipcctlOK(t, "rm", "shm", fmt.Sprint(id))
		// A hugetlb segment's size is rounded to whole huge pages.
		if row := sysvRow(t, "shm", id); row["size"] != "2097152" {
			t.Errorf("row = %v", row)
		}
		return
	}
	if !strings.Contains(r.Stderr, "huge pages") && !strings.Contains(r.Stderr, "not permitted") {
		t.Errorf("hugetlb failure not explained: exit %d %q", r.Code, r.Stderr)
	}
}

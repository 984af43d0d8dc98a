package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

func TestSet(t *testing.T) {
	nstest.Require(t)
	shm := create(t, "shm", "--size", "4K")
	sem := create(t, "sem", "--nsems", "2", "--values", "3,4")
	msg := create(t, "msg", "--qbytes", "4K")
	cleanup(t, "shm", shm)
	cleanup(t, "sem", sem)
	cleanup(t, "msg", msg)

	ipcctlOK(t, "set", "shm", fmt.Sprint(shm), "--mode", "0640", "--owner", "1000:1001")
	if row := sysvRow(t, "shm", shm); row["perms"] != "640" || row["uid"] != "1000" || row["gid"] != "1001" || row["cuid"] != "0" {
		t.Errorf("shm after set: %v", row)
	}
	// Owner only: the group stays.
	ipcctlOK(t, "set", "sem", fmt.Sprint(sem), "--owner", "1002")
	if row := sysvRow(t, "sem", sem); row["uid"] != "1002" || row["gid"] != "0" || row["perms"] != "600" {
		t.Errorf("sem after set: %v", row)
	}
	if got := cHelper(t, "sem", fmt.Sprint(sem)); got != "600 3 4" {
		t.Errorf("set changed the values: %q", got)
	}
	ipcctlOK(t, "set", "msg", fmt.Sprint(msg), "--qbytes", "2K")
	if got := cHelper(t, "msg", fmt.Sprint(msg)); got != "2048" {
		t.Errorf("qbytes = %s, want 2048", got)
	}
	// Changing only the mode keeps qbytes.
	ipcctlOK(t, "set", "msg", fmt.Sprint(msg), "--mode", "0660")
	if got, row := cHelper(t, "msg", fmt.Sprint(msg)), sysvRow(t, "msg", msg); got != "2048" || row["perms"] != "660" {
		t.Errorf("after --mode: qbytes %s, row %v", got, row)
	}
	// An owner without read permission can still change the mode (IPC_STAT is
	// refused, the listing supplies the current values).
	ipcctlOK(t, "set", "shm", fmt.Sprint(shm), "--mode", "0200", "--owner", "0:0")
	ipcctlOK(t, "set", "shm", fmt.Sprint(shm), "--mode", "0600")
	if row := sysvRow(t, "shm", shm); row["perms"] != "600" {
		t.Errorf("shm mode = %v", row["perms"])
	}

	before := sysvRow(t, "shm", shm)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"shm", "999999", "--mode", "0600"}, 3, "set shm 999999: not found"},
		{[]string{"shm", fmt.Sprint(shm)}, 2, "nothing to change"},
		{[]string{"shm", fmt.Sprint(shm), "--mode", "0777", "--qbytes", "1K"}, 2, "msg only"},
		{[]string{"shm", fmt.Sprint(shm), "--mode", "0777", "--owner", "no-such-user-xyz"}, 2, "unknown user"},
		{[]string{"shm", "2147483648", "--mode", "0777"}, 2, "invalid id"},
		{[]string{"pshmx", "1", "--mode", "0777"}, 2, "unknown kind"},
		{[]string{"pshm", "1", "--mode", "0777"}, 2, "must start with /"},
	} {
		r := testutil.Run(t, "", append([]string{"set"}, tc.args...)...)
		if r.Code != tc.code || !strings.Contains(r.Stderr, tc.msg) {
			t.Errorf("set %v: exit %d %q; want %d and %q", tc.args, r.Code, r.Stderr, tc.code, tc.msg)
		}
	}
	if after := sysvRow(t, "shm", shm); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("failed sets changed the segment: %v -> %v", before, after)
	}
}

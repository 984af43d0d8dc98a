package e2e

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// A POSIX listing that shows only stat columns opens no semaphore or
// queue, but one sorted by a column it does not show still reads that
// column: objects made by glibc (the C helper) with known values and
// message counts come out in that order.
func TestLsPosixSortByHiddenColumn(t *testing.T) {
	nstest.Require(t)
	objs := []struct {
		name       string
		value, msg int // semaphore value, messages queued
	}{{"/e2e-sa", 3, 0}, {"/e2e-sb", 1, 2}, {"/e2e-sc", 2, 1}}
	for _, o := range objs {
		runPosixc(t, "semcreate", o.name, strconv.Itoa(o.value))
		runPosixc(t, "mqcreate", o.name, "5", "16")
		for range o.msg {
			runPosixc(t, "mqsend", o.name, "1", "x")
		}
		t.Cleanup(func() {
			os.Remove("/dev/shm/sem." + o.name[1:])
			exec.Command("rm", "-f", "/dev/mqueue/"+o.name[1:]).Run()
		})
	}
	for _, c := range []struct {
		kind string
		args []string
		want []string
	}{
		{"psem", []string{"-o", "name", "--sort", "value"}, []string{"/e2e-sb", "/e2e-sc", "/e2e-sa"}},
		{"psem", []string{"-o", "name,owner", "--sort", "value", "-r"}, []string{"/e2e-sa", "/e2e-sc", "/e2e-sb"}},
		{"psem", []string{"-o", "name,owner"}, []string{"/e2e-sa", "/e2e-sb", "/e2e-sc"}},
		{"mq", []string{"-o", "name", "--sort", "messages"}, []string{"/e2e-sa", "/e2e-sc", "/e2e-sb"}},
		{"mq", []string{"-o", "name,perms", "--sort", "used_bytes", "-r"}, []string{"/e2e-sb", "/e2e-sc", "/e2e-sa"}},
	} {
		var got []string
		for _, r := range lsJSON(t, append([]string{c.kind}, c.args...)...)[c.kind] {
			got = append(got, r["name"].(string))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ls %s %v: %v, want %v", c.kind, c.args, got, c.want)
		}
	}
}

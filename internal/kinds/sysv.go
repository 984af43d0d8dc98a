package kinds

import (
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// sysvObject is the identity of a System V object from its ipc_perm.
func sysvObject(p ipc.Perm) Object {
	return Object{ID: p.ID, Key: p.Key, UID: p.UID}
}

// sysvViews are the --view presets of a System V kind, after ipcs -c, -p
// and -t; pids and times name the kind's own columns.
func sysvViews(pids, times []string) map[string][]string {
	head := []string{"key", "id", "owner"}
	return map[string][]string{
		"creators": {"key", "id", "perms", "cuser", "cgroup", "owner", "group"},
		"pids":     append(head[:3:3], pids...),
		"times":    append(head[:3:3], times...),
	}
}

// sysvChange applies IPC_SET through set.
func sysvChange(set func(c *ipc.Client, id int, ch Change) error) func(*cmdutil.Factory, Target, Change) error {
	return func(f *cmdutil.Factory, t Target, ch Change) error {
		return set(f.IPC(), t.ID, ch)
	}
}

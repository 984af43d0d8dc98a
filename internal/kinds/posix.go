package kinds

import (
	"slices"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// posixObject is the identity of a POSIX object from the stat of its file.
func posixObject(p ipc.PosixFile) Object {
	return Object{ID: -1, Name: p.Name, UID: p.UID, CTime: p.CTime, Inode: p.Inode}
}

// posixStatColumns are the POSIX columns that the lstat of each file
// fills (holders come from /proc): a listing of these alone opens no
// semaphore or queue. Any other column, one added later too, reads them.
var posixStatColumns = []string{"name", "owner", "group", "uid", "gid", "perms", "mode", "size",
	"atime", "mtime", "ctime", "holders"}

// posixNeeds is what a POSIX listing of cols reads (nil cols: every field).
func posixNeeds(cols []string) ipc.PosixNeeds {
	for _, c := range cols {
		if !slices.Contains(posixStatColumns, c) {
			return ipc.PosixNeeds{Contents: true}
		}
	}
	return ipc.PosixNeeds{Contents: cols == nil}
}

// posixViews are the --view presets of a POSIX kind: the file's owner
// made it, and its times are the file's.
func posixViews(pids ...string) map[string][]string {
	return map[string][]string{
		"creators": {"name", "perms", "owner", "group"},
		"pids":     append([]string{"name", "owner"}, pids...),
		"times":    {"name", "owner", "atime", "mtime", "ctime"},
	}
}

// posixChange changes a POSIX object's file: owner first, since chown may
// clear setuid and setgid bits, so that the mode ends up exactly as asked.
func posixChange(chown func(c *ipc.Client, name string, uid uint32, gid *uint32) error,
	chmod func(c *ipc.Client, name string, mode uint32) error) func(*cmdutil.Factory, Target, Change) error {
	return func(f *cmdutil.Factory, t Target, ch Change) error {
		c := f.IPC()
		if ch.UID != nil {
			if err := chown(c, t.Name, *ch.UID, ch.GID); err != nil {
				return err
			}
		}
		if ch.Mode != nil {
			return chmod(c, t.Name, *ch.Mode)
		}
		return nil
	}
}

package ipc

import (
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// Client reads IPC state through a procfs.FS and changes it with system calls.
type Client struct {
	fs     procfs.FS
	ns     *nsTarget  // another IPC namespace (NewNS); nil for the caller's
	onNS   bool       // this copy runs on a thread of ns (see nsCall)
	source ListSource // where System V listings read; SourceAuto by default
}

// New returns a client reading through fs (procfs.DefaultFS for the live system).
func New(fs procfs.FS) *Client {
	return &Client{fs: fs}
}

// FS is the filesystem the client reads.
func (c *Client) FS() procfs.FS { return c.fs }

// live reports whether the client reads the live system. Only then may it
// complete a listing with system calls on the listed ids (semaphore values,
// queue capacity): the ids of a fixture tree name nothing on this machine,
// or worse, someone else's objects.
func (c *Client) live() bool { return c.fs == procfs.DefaultFS }

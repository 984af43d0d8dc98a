package ipc

import (
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// Client reads IPC state through a procfs.FS and changes it with system calls.
type Client struct {
	fs procfs.FS
}

// New returns a client reading through fs (procfs.DefaultFS for the live system).
func New(fs procfs.FS) *Client {
	return &Client{fs: fs}
}

// FS is the filesystem the client reads.
func (c *Client) FS() procfs.FS { return c.fs }

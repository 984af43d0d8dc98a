// Package cmdutil is what every verb package shares: the Factory that hands
// out streams and clients, the error types and their exit codes, the
// output flags and the parsers for ids, keys, sizes and modes.
package cmdutil

import (
	"fmt"
	"sync"
	"time"

	"github.com/ipcctl/ipcctl/internal/names"

	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// Factory gives commands their dependencies; tests build one over buffers
// and a fixture tree.
type Factory struct {
	IOStreams *iostreams.IOStreams
	FS        procfs.FS
	Now       func() time.Time
	Version   string

	namesOnce sync.Once
	names     *names.Names

	// client, when set, is the one every command of this run uses: the
	// client of another namespace (--ns), or of one namespace of many (-A).
	client *ipc.Client
}

// New returns the factory for a real run.
func New(version string) *Factory {
	return &Factory{
		IOStreams: iostreams.System(),
		FS:        procfs.DefaultFS,
		Now:       time.Now,
		Version:   version,
	}
}

// Names resolves user and group ids to names, each id once per run.
func (f *Factory) Names() *names.Names {
	f.namesOnce.Do(func() {
		if f.names == nil {
			f.names = names.New()
		}
	})
	return f.names
}

// IPC returns the client commands work through: the one of --ns when it
// was given, else one over the factory's filesystem.
func (f *Factory) IPC() *ipc.Client {
	if f.client != nil {
		return f.client
	}
	return ipc.New(f.FS)
}

// For returns a factory like f whose commands work through c (one
// namespace of ls -A); the streams, clock and name cache are shared.
func (f *Factory) For(c *ipc.Client) *Factory {
	return &Factory{IOStreams: f.IOStreams, FS: f.FS, Now: f.Now, Version: f.Version, names: f.Names(), client: c}
}

// EnterNamespace makes every later IPC() work in the IPC and mount
// namespace that target names (a PID, /proc/PID/ns/ipc, a bind-mounted
// namespace file): System V calls on threads that joined it, POSIX
// objects through its root. Close ends it.
// Equivalent to: `nsenter --ipc --mount --target PID`.
func (f *Factory) EnterNamespace(target string) error {
	c, err := ipc.NewNS(f.FS, target)
	if err != nil {
		return fmt.Errorf("--ns %s: %w", target, err)
	}
	f.client = c
	return nil
}

// Close releases what the run holds (the threads of another namespace).
func (f *Factory) Close() error {
	if f.client != nil {
		return f.client.Close()
	}
	return nil
}

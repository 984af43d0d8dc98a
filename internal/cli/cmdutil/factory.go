// Package cmdutil is what every verb package shares: the Factory that hands
// out streams and clients, the error types and their exit codes, the
// output flags and the parsers for ids, keys, sizes and modes.
package cmdutil

import (
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
	f.namesOnce.Do(func() { f.names = names.New() })
	return f.names
}

// IPC returns a client reading through the factory's filesystem.
func (f *Factory) IPC() *ipc.Client { return ipc.New(f.FS) }

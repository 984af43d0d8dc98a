// Package columns holds the column model of each kind of object ipcctl
// lists: one typed column list per kind, shared by ls, show, rm --dry-run
// and every output format.
package columns

import "github.com/ipcctl/ipcctl/internal/names"

// Names resolves user and group ids to names (see package names).
type Names = names.Names

// NewNames returns an empty cache.
func NewNames() *Names { return names.New() }

// Package names resolves user and group ids to names for listings, each
// id once per run.
package names

import (
	"os/user"
	"strconv"
	"sync"
)

// Names resolves uids and gids to names, each id once per run: the pure-Go
// os/user reads /etc/passwd on every lookup. It is safe for concurrent
// use, as table.Render renders several tables at once.
type Names struct {
	mu     sync.Mutex
	users  map[uint32]string
	groups map[uint32]string
}

// New returns an empty cache.
func New() *Names {
	return &Names{users: map[uint32]string{}, groups: map[uint32]string{}}
}

// User returns the user name of uid, or the number when it has none.
func (n *Names) User(uid uint32) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s, ok := n.users[uid]; ok {
		return s
	}
	id := strconv.FormatUint(uint64(uid), 10)
	s := id
	if u, err := user.LookupId(id); err == nil {
		s = u.Username
	}
	n.users[uid] = s
	return s
}

// Group returns the group name of gid, or the number when it has none.
func (n *Names) Group(gid uint32) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if s, ok := n.groups[gid]; ok {
		return s
	}
	id := strconv.FormatUint(uint64(gid), 10)
	s := id
	if g, err := user.LookupGroupId(id); err == nil {
		s = g.Name
	}
	n.groups[gid] = s
	return s
}

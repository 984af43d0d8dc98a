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
	// findUser names a uid, an error when it has none (os/user; tests
	// give fixture names, which depend on no machine).
	findUser func(uid string) (string, error)
}

// New returns an empty cache.
func New() *Names { return NewUsers(lookupUser) }

// NewUsers is New with user names from findUser (an error when a uid has
// none).
func NewUsers(findUser func(uid string) (string, error)) *Names {
	return &Names{users: map[uint32]string{}, groups: map[uint32]string{}, findUser: findUser}
}

// User returns the user name of uid, or the number when it has none.
func (n *Names) User(uid uint32) string { return n.lookup(n.users, uid, n.findUser) }

// Group returns the group name of gid, or the number when it has none.
func (n *Names) Group(gid uint32) string { return n.lookup(n.groups, gid, lookupGroup) }

// lookup is the cached name of id in m (the lock is not deferred: this
// runs once per cell of a listing).
func (n *Names) lookup(m map[uint32]string, id uint32, find func(id string) (string, error)) string {
	n.mu.Lock()
	s, ok := m[id]
	n.mu.Unlock()
	if ok {
		return s
	}
	num := strconv.FormatUint(uint64(id), 10)
	s = num
	if name, err := find(num); err == nil {
		s = name
	}
	n.mu.Lock()
	m[id] = s
	n.mu.Unlock()
	return s
}

func lookupUser(id string) (string, error) {
	u, err := user.LookupId(id)
	if err != nil {
		return "", err
	}
	return u.Username, nil
}

func lookupGroup(id string) (string, error) {
	g, err := user.LookupGroupId(id)
	if err != nil {
		return "", err
	}
	return g.Name, nil
}

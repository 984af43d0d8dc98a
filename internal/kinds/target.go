package kinds

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// Target is one object a command acts on: named by the user (an id, a
// key, a /NAME) or selected from a listing.
type Target struct {
	Label string // how messages name it: "5", "/name"
	ID    int    // System V id
	Name  string // POSIX name, with its "/"
	// Key is set when the user named the object by key: acting on it
	// re-checks that the key still names the same id.
	Key *int32
	// Listed is what a listing showed of the object, when it was selected
	// from one: removal re-checks that the object is still that one.
	Listed *Object
	// Owner, with Listed, is the uid the object was selected for (--owner):
	// removal re-checks it too.
	Owner *uint32
	// Idle, with Listed, says the object was selected as an orphan: removal
	// re-checks that it is still unused (see ipc.Identity.Idle).
	Idle bool
	// Err is set when resolving the target failed (a key naming nothing):
	// acting on it fails with Err, in its turn.
	Err error

	row any // the listed row, for --dry-run
}

// Object is what every IPC object has, whatever its kind: how it is
// named, owned and aged, and who made and uses it. Filters, default
// order and identity checks read it.
type Object struct {
	ID     int    // System V id; -1 for POSIX objects
	Key    int32  // System V key
	Name   string // POSIX name
	UID    uint32
	CTime  time.Time
	Inode  uint64    // POSIX file
	CPID   int       // creator (shm), 0 when unknown or not visible
	LPID   int       // last attach or detach (shm)
	Nattch uint64    // attached processes (shm)
	ATime  time.Time // last attach (shm); zero: never
	DTime  time.Time // last detach (shm); zero: never
	Dest   bool      // marked for removal at last detach (shm)
}

// ParseTarget checks one argument that names an object of kind k: an id
// for a System V kind, a /NAME for a POSIX one. It changes nothing.
func (k *Kind) ParseTarget(arg string) (Target, error) {
	if k.Family == POSIX {
		name, err := ipc.ParsePosixName(k.Name, arg)
		if err != nil {
			return Target{}, cmdutil.FlagErrorWrap(err)
		}
		return Target{Label: name, ID: -1, Name: name}, nil
	}
	id, err := cmdutil.ParseID(arg)
	if err != nil {
		return Target{}, err
	}
	// The canonical spelling, so "05" and "5" are one target.
	return Target{Label: strconv.Itoa(id), ID: id}, nil
}

// ByKey finds the object of kind k that key names (System V kinds). A key
// that names nothing is ipc.ErrNotFound; IPC_PRIVATE (0) is a usage error.
func (k *Kind) ByKey(f *cmdutil.Factory, key int32) (Target, error) {
	if k.Family != SysV {
		return Target{}, cmdutil.FlagErrorf("%s objects have no keys; name them /NAME", k.Name)
	}
	if key == 0 {
		return Target{}, cmdutil.FlagErrorf("key 0 is IPC_PRIVATE: it names no single object; use the id")
	}
	id, err := f.IPC().SysvIDByKey(k.Name, key)
	if err != nil {
		return Target{}, err
	}
	return Target{Label: strconv.Itoa(id), ID: id, Key: &key}, nil
}

// identity is what removal re-checks of a listed object.
func (t Target) identity() ipc.Identity {
	o := t.Listed
	return ipc.Identity{ID: o.ID, Key: o.Key, Name: o.Name, Inode: o.Inode, CTime: o.CTime, CPID: o.CPID,
		Owner: t.Owner, Idle: t.Idle, LPID: o.LPID}
}

// KeyLabel is how messages name a key.
func KeyLabel(key int32) string { return fmt.Sprintf("key 0x%08x", uint32(key)) }

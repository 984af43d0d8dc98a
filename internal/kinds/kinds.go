// Package kinds is the one table of the kinds of IPC object ipcctl knows:
// one row per kind, with its name, family, titles, columns, how its
// objects are named (id or /NAME), listed, shown, removed, changed,
// created and attached. Every verb reads this table; none knows the list
// of kinds or their order. Adding a kind is one more row (a file here)
// plus its pkg/ipc calls.
package kinds

import (
	"fmt"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// Family says how the objects of a kind are named.
type Family uint8

const (
	// SysV objects are named by id, or by --key.
	SysV Family = iota + 1
	// POSIX objects are named /NAME.
	POSIX
)

func (f Family) String() string {
	if f == SysV {
		return "System V"
	}
	return "POSIX"
}

// Filters is a set of the selection filters a kind can apply.
type Filters uint8

const (
	ByOwner   Filters = 1 << iota // --owner
	ByKey                         // --key (in ls: a filter; elsewhere: a name)
	ByCreator                     // --creator-pid
	ByAge                         // --older-than
	ByOrphan                      // --orphaned
)

// Kind is one row of the table.
type Kind struct {
	Name   ipc.Kind
	Family Family
	Title  string // heading of its table, as ipcs and lsipc print it
	Object string // one object, for show and messages: "Shared Memory Segment"
	Help   string // what it is, for help and completion
	// Filters are the selection filters that apply to its objects.
	Filters Filters
	// HasQBytes: its objects have a capacity that set --qbytes changes.
	HasQBytes bool
	// Create makes its objects (ipcctl create KIND); nil if it cannot.
	Create *Create

	ops    ops
	attach func(f *cmdutil.Factory, t Target, readOnly bool) (*ipc.Mapping, error)
	change func(f *cmdutil.Factory, t Target, ch Change) error
	remove func(c *ipc.Client, t Target) error
	// afterRemove says what a removal left to happen (see Remove).
	afterRemove func(c *ipc.Client, t Target) string
}

// String is the kind's name.
func (k *Kind) String() string { return string(k.Name) }

// table is every kind, in display order: the one place that lists them.
var kinds = []*Kind{shmKind, semKind, msgKind, pshmKind, psemKind, mqKind}

// All returns every kind, in display order.
func All() []*Kind { return kinds }

// Of returns the kinds of a family, in display order.
func Of(f Family) []*Kind {
	var out []*Kind
	for _, k := range kinds {
		if k.Family == f {
			out = append(out, k)
		}
	}
	return out
}

// Names lists the names of ks.
func Names(ks []*Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k.Name)
	}
	return out
}

// Valid is the "valid: ..." text of errors about a kind.
func Valid(ks []*Kind) string { return strings.Join(Names(ks), ", ") }

// Lookup finds a kind by name; an unknown name is a usage error.
func Lookup(name string) (*Kind, error) {
	return lookupIn(kinds, name)
}

func lookupIn(ks []*Kind, name string) (*Kind, error) {
	for _, k := range ks {
		if string(k.Name) == name {
			return k, nil
		}
	}
	return nil, cmdutil.FlagErrorf("unknown kind %q (valid: %s)", name, Valid(ks))
}

// MustGet returns the kind named k (a constant of package ipc).
func MustGet(k ipc.Kind) *Kind {
	kind, err := Lookup(string(k))
	if err != nil {
		panic(err)
	}
	return kind
}

// Parse turns kind arguments into kinds, each once, in the order given.
func Parse(args []string) ([]*Kind, error) {
	var out []*Kind
	for _, a := range args {
		k, err := Lookup(a)
		if err != nil {
			return nil, err
		}
		if !contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// InOrder returns ks in display order.
func InOrder(ks []*Kind) []*Kind {
	var out []*Kind
	for _, k := range kinds {
		if contains(ks, k) {
			out = append(out, k)
		}
	}
	return out
}

func contains(ks []*Kind, k *Kind) bool {
	for _, o := range ks {
		if o == k {
			return true
		}
	}
	return false
}

// Sets returns the column sets of ks for output resolution, in order.
func Sets(ks []*Kind) []*table.Set {
	out := make([]*table.Set, len(ks))
	for i, k := range ks {
		out[i] = k.ops.set()
	}
	return out
}

// Set is the kind's column set: its columns, defaults and --view presets.
func (k *Kind) Set() *table.Set { return k.ops.set() }

// RecordSets are the column sets of what `show` prints for an object of
// this kind: every column is a default there; nested tables follow.
func (k *Kind) RecordSets() []*table.Set { return k.ops.recordSets() }

// InDevShm reports whether the kind's objects are files of /dev/shm (POSIX
// shared memory and semaphores): they belong to a mount namespace, not to
// an IPC namespace.
func (k *Kind) InDevShm() bool { return k.Family == POSIX && k.Name != ipc.KindMq }

// CanAttach reports whether objects of the kind can be attached (mapped).
func (k *Kind) CanAttach() bool { return k.attach != nil }

// Attach maps the whole object t, read-only or not.
// Equivalent to: shmat(2) or shm_open(3) + mmap(2).
func (k *Kind) Attach(f *cmdutil.Factory, t Target, readOnly bool) (*ipc.Mapping, error) {
	if k.attach == nil {
		return nil, cmdutil.FlagErrorf("%s objects cannot be attached", k.Name)
	}
	return k.attach(f, t, readOnly)
}

// Change is what `set` changes: the owner and mode every kind has, and
// the capacity only message queues have.
type Change struct {
	ipc.PermUpdate
	QBytes *uint64
}

// Apply applies ch to t.
// Equivalent to: `ipcmod` (IPC_SET) or chown + chmod of a POSIX file.
func (k *Kind) Apply(f *cmdutil.Factory, t Target, ch Change) error {
	if ch.QBytes != nil && !k.HasQBytes {
		var with []*Kind
		for _, o := range kinds {
			if o.HasQBytes {
				with = append(with, o)
			}
		}
		return cmdutil.FlagErrorf("--qbytes applies to %s only, not %s", Valid(with), k.Name)
	}
	return k.change(f, t, ch)
}

// Refuse returns the usage error of a filter given for kinds it cannot
// apply to ("--creator-pid applies to shm only, not sem").
func Refuse(flag string, f Filters, ks []*Kind) error {
	var yes, no []*Kind
	for _, k := range kinds {
		if k.Filters&f != 0 {
			yes = append(yes, k)
		}
	}
	for _, k := range ks {
		if k.Filters&f == 0 {
			no = append(no, k)
		}
	}
	if len(no) == 0 {
		return nil
	}
	return cmdutil.FlagErrorf("%s applies to %s only, not %s", flag, Valid(yes), Valid(no))
}

// Supporting returns the kinds of ks that support every filter in f.
func Supporting(ks []*Kind, f Filters) []*Kind {
	var out []*Kind
	for _, k := range ks {
		if k.Filters&f == f {
			out = append(out, k)
		}
	}
	return out
}

func (k *Kind) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{k.Name}, args...)...)
}

package kinds

import (
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// List lists the kind's objects that pass q.Filter as a table of
// q.Columns, in the kind's order (System V by id, POSIX by name) unless
// q.Sort says otherwise.
// Equivalent to: `ipcs -m`, `lsipc -m`.
func (k *Kind) List(f *cmdutil.Factory, q Query) (*table.Table, error) {
	return k.ops.list(f, q)
}

// Targets lists the kind's objects that pass flt as targets for removal;
// keepRows keeps each listed row for TargetTable (--dry-run).
func (k *Kind) Targets(f *cmdutil.Factory, flt *Filter, keepRows bool) ([]Target, error) {
	return k.ops.targets(f, flt, keepRows)
}

// RemoveSelected removes every object of the kind that flt selects, each
// read and matched against flt right before its removal, in one pass: the
// *_STAT_ANY walk of `ipcrm -a` (stat an index, match, IPC_RMID, next
// index). The read right before the removal is the identity check Remove
// makes of a listed object, so this is for a selection nobody is shown
// first (rm --all --yes); one shown (a prompt, a dry run) is listed with
// Targets and each object removed with Remove. report gets each selected
// object, what its removal left to happen (see Remove) and the error
// (class NotFound when it went, or its id was reused, before IPC_RMID).
// handled is false, with nothing removed, where the kind has no such
// walk here (POSIX kinds, a fixture tree, sparse ids, no *_STAT_ANY): the
// caller lists and removes then.
// Equivalent to: `ipcrm --all=shm` (or sem, msg).
func (k *Kind) RemoveSelected(f *cmdutil.Factory, flt *Filter, report func(t Target, note string, err error)) (handled bool, err error) {
	return k.ops.removeSelected(f, flt, report)
}

// TargetTable shows targets from Targets(..., true) as a listing does.
func (k *Kind) TargetTable(f *cmdutil.Factory, ts []Target, q Query) *table.Table {
	return k.ops.targetTable(f, ts, q)
}

// Show reads every field of one object: a record of cols, followed by
// the tables that belong to it (a set's semaphores).
// Equivalent to: `ipcs -i ID`, `lsipc -i ID`.
func (k *Kind) Show(f *cmdutil.Factory, t Target, cols []string) (*table.Table, error) {
	return k.ops.record(f, t, cols)
}

// Objects lists every object of the kind with a one-line description of
// each (for completion).
func (k *Kind) Objects(f *cmdutil.Factory) ([]Object, []string, error) {
	return k.ops.objects(f)
}

// Remove removes one object. An object named by key is removed only if
// the key still names it; one selected from a listing only if it is
// still the object that was listed (its id or name may have been reused).
// The note says what the removal left to happen, if anything: a segment
// still attached is only marked for removal.
// Equivalent to: `ipcrm -m ID`, `rm /dev/shm/NAME`, mq_unlink(3).
func (k *Kind) Remove(f *cmdutil.Factory, t Target) (note string, err error) {
	if t.Err != nil {
		return "", t.Err
	}
	c := f.IPC()
	if t.Listed != nil && t.Key == nil {
		// Selected from a listing: the id or name may name another object
		// by now (or this one changed): remove it only if it is the same.
		err = c.RemoveIfSame(k.Name, t.identity())
	} else {
		err = k.remove(c, t)
	}
	if err != nil {
		return "", err
	}
	if k.afterRemove != nil {
		return k.afterRemove(c, t), nil
	}
	return "", nil
}

// sysvRemove removes a System V object with IPC_RMID.
func sysvRemove(k ipc.Kind) func(c *ipc.Client, t Target) error {
	return func(c *ipc.Client, t Target) error {
		if t.Key != nil {
			return c.RemoveIfKey(k, t.ID, *t.Key)
		}
		return c.Remove(k, t.ID)
	}
}

// posixRemove removes a POSIX object by name.
func posixRemove(remove func(c *ipc.Client, name string) error) func(c *ipc.Client, t Target) error {
	return func(c *ipc.Client, t Target) error { return remove(c, t.Name) }
}

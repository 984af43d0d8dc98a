package kinds

import (
	"math"
	"strconv"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// Filter selects objects; zero fields match everything.
type Filter struct {
	UID        *uint32   // --owner
	Key        *int32    // --key (ls)
	CreatorPID *int      // --creator-pid
	Before     time.Time // --older-than: changed (ctime) before this
	Orphaned   bool      // --orphaned: see Orphan
	// Gone reports whether a process no longer exists (for Orphaned).
	Gone func(pid int) bool
	// Removable leaves out objects already on their way (a segment marked
	// for removal, which has lost its key): what rm selects.
	Removable bool
}

// Uses is the set of filters flt applies.
func (flt *Filter) Uses() Filters {
	var f Filters
	if flt.UID != nil {
		f |= ByOwner
	}
	if flt.Key != nil {
		f |= ByKey
	}
	if flt.CreatorPID != nil {
		f |= ByCreator
	}
	if !flt.Before.IsZero() {
		f |= ByAge
	}
	if flt.Orphaned {
		f |= ByOrphan
	}
	return f
}

// Match reports whether o passes every filter.
func (flt *Filter) Match(o *Object) bool {
	switch {
	case flt.UID != nil && o.UID != *flt.UID,
		flt.Key != nil && o.Key != *flt.Key,
		flt.CreatorPID != nil && o.CPID != *flt.CreatorPID,
		!flt.Before.IsZero() && !o.CTime.Before(flt.Before),
		flt.Removable && o.Dest,
		flt.Orphaned && !Orphan(o, flt.Gone):
		return false
	}
	return true
}

// Orphan reports whether a shared memory segment is an orphan, by the one
// rule of ipc.ShmOrphan (nattch 0, creator gone, last user gone unless
// nobody ever attached; a pid of 0 is never gone).
func Orphan(o *Object, gone func(pid int) bool) bool {
	return ipc.ShmOrphan(ipc.Shm{Nattch: o.Nattch, CPID: o.CPID, LPID: o.LPID, ATime: o.ATime, DTime: o.DTime}, gone)
}

// FilterFlags are the selection flags of a command as typed; each verb
// registers the ones it has.
type FilterFlags struct {
	Owner      string // --owner USER
	Key        string // --key KEY (ls)
	CreatorPID string // --creator-pid PID
	OlderThan  string // --older-than DURATION
	Orphaned   bool   // --orphaned
}

// Parse checks the flags and makes the filter; now dates --older-than.
func (ff *FilterFlags) Parse(now time.Time) (Filter, error) {
	var flt Filter
	if ff.Owner != "" {
		uid, err := cmdutil.ParseUID(ff.Owner)
		if err != nil {
			return flt, err
		}
		flt.UID = &uid
	}
	if ff.Key != "" {
		k, err := cmdutil.ParseKey(ff.Key)
		if err != nil {
			return flt, err
		}
		flt.Key = &k
	}
	if ff.CreatorPID != "" {
		v, err := strconv.ParseUint(ff.CreatorPID, 10, 64)
		if err != nil || v == 0 || v > math.MaxInt32 {
			return flt, cmdutil.FlagErrorf("invalid pid %q: want a whole number from 1 to %d", ff.CreatorPID, math.MaxInt32)
		}
		pid := int(v)
		flt.CreatorPID = &pid
	}
	if ff.OlderThan != "" {
		d, err := cmdutil.ParseAge(ff.OlderThan)
		if err != nil {
			return flt, err
		}
		flt.Before = now.Add(-d)
	}
	flt.Orphaned = ff.Orphaned
	return flt, nil
}

// flagOf names the flag of each filter, for errors.
var flagOf = []struct {
	f    Filters
	flag string
}{{ByOwner, "--owner"}, {ByKey, "--key"}, {ByCreator, "--creator-pid"}, {ByAge, "--older-than"}, {ByOrphan, "--orphaned"}}

// Narrow fits the kinds of a command to the filters it was given. Named
// kinds must all support every filter (else a usage error: a filter that
// cannot apply is a mistake, not an empty answer); when no kind was
// named, the kinds are those that support them all.
func Narrow(ks []*Kind, named bool, uses Filters) ([]*Kind, error) {
	if !named {
		return Supporting(ks, uses), nil
	}
	for _, fl := range flagOf {
		if uses&fl.f != 0 {
			if err := Refuse(fl.flag, fl.f, ks); err != nil {
				return nil, err
			}
		}
	}
	return ks, nil
}

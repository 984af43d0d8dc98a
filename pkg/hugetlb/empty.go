package hugetlb

import (
	"fmt"

	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// PoolEmptyError says a huge page mapping or segment needs more pages
// than the pool can give: the pool is empty or too small. It is of class
// errclass.Unsupported (exit 7: huge pages are unavailable here until
// someone fills the pool) and names the command that fills it, so
// `create shm --hugetlb`, `mmap anon --hugetlb` and `hugepage test` say
// the same thing.
type PoolEmptyError struct {
	PageSize uint64
	Wanted   uint64 // pages the mapping needs
	// The pool when the mapping was refused; Known is false when it could
	// not be read.
	Known                 bool
	Total, Free, Reserved uint64
	Room                  uint64 // free − reserved, plus what overcommit may add (Room)
}

func (e *PoolEmptyError) Error() string {
	name := procfs.PageSizeName(e.PageSize)
	msg := fmt.Sprintf("not enough free %s huge pages: %d wanted", name, e.Wanted)
	if e.Known {
		msg += fmt.Sprintf(", %d available (pool %d, free %d, reserved %d", e.Room, e.Total, e.Free, e.Reserved)
		if extra := e.Room - min(e.Room, sub(e.Free, e.Reserved)); extra > 0 {
			msg += fmt.Sprintf(", overcommit %d more", extra)
		}
		msg += ")"
	}
	if fix := e.Fix(); fix != "" {
		return msg + "; fill the pool with: " + fix + " (as root)"
	}
	return msg + "; the pool has enough pages, so a cgroup hugetlb limit or a reservation made meanwhile refused them"
}

// Unwrap gives the class errclass.Unsupported.
func (e *PoolEmptyError) Unwrap() error { return errclass.Unsupported }

// Fix is the command that grows the pool by what is missing, or "" when
// the pool had room and something else refused the pages.
func (e *PoolEmptyError) Fix() string {
	missing := e.Wanted
	if e.Known {
		if e.Room >= e.Wanted {
			return ""
		}
		missing = e.Wanted - e.Room
	}
	return fmt.Sprintf("ipcctl hugepage set %s --min +%d", procfs.PageSizeName(e.PageSize), missing)
}

// PoolEmpty describes the pool of pageSize for a mapping of wanted pages
// that it could not (or will not be able to) give, reading the pool's
// figures now. Callers return it when the kernel refused huge pages with
// ENOMEM, or before mapping when Room is already short.
func (c *Client) PoolEmpty(pageSize, wanted uint64) *PoolEmptyError {
	e := &PoolEmptyError{PageSize: pageSize, Wanted: wanted}
	p, err := c.Pool(pageSize)
	if err != nil {
		return e
	}
	e.Known = true
	e.Total, e.Free, e.Room = p.Total, p.Free, Room(p.HugePagePool)
	if p.Reserved != nil {
		e.Reserved = *p.Reserved
	}
	return e
}

// Pages is how many pages of pageSize hold size bytes.
func Pages(size, pageSize uint64) uint64 {
	if pageSize == 0 {
		return 0
	}
	n := size / pageSize
	if size%pageSize != 0 {
		n++
	}
	return n
}

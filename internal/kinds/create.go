package kinds

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// Create is how the objects of a kind are made (`ipcctl create KIND`).
// The create verb adds the flags every kind of the family shares (--key,
// --path, --proj or /NAME; --mode, --reuse, --exclusive); Flags adds the
// kind's own.
type Create struct {
	Use, Short, Long, Example string
	// Flags registers the kind's own flags on cmd (with their completion
	// through f) and returns the function that makes the object once they
	// are parsed.
	Flags func(cmd *cobra.Command, f *cmdutil.Factory) Maker
}

// Maker makes one object as r asks, or with r.Reuse finds the existing
// one. Bad flag values are usage errors, found before anything is made.
type Maker func(f *cmdutil.Factory, r Request) (Made, error)

// Request is what every create takes.
type Request struct {
	Key       int32  // System V key; 0 is IPC_PRIVATE
	Name      string // POSIX name
	Mode      uint32
	ModeGiven bool // --mode was given (a reused object is checked against it)
	Reuse     bool
}

// Made is what create made, or with --reuse found.
type Made struct {
	Target
	Reused bool
	// Differs says how a reused object differs from the request, e.g.
	// "mode is 0600, not 0660": create says so rather than pretend.
	Differs []string
}

// differs appends a difference between what a reused object has and what
// was asked.
func differs(list []string, what string, have, want any) []string {
	if fmt.Sprint(have) == fmt.Sprint(want) {
		return list
	}
	return append(list, fmt.Sprintf("%s is %v, not %v", what, have, want))
}

// mode formats permission bits as create's --mode takes them.
type mode uint32

func (m mode) String() string { return fmt.Sprintf("%04o", uint32(m)) }

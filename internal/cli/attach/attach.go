// Package attach implements `ipcctl attach KIND ...`: attach a shared
// memory object to read, write or dump its bytes, or hold it attached.
// Each kind is a subcommand registered from its own file (shm.go), so
// POSIX shared memory (`attach pshm /NAME`) can be added beside it.
package attach

import (
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// kinds are the subcommand constructors, one per kind, registered by init.
var kinds []func(f *cmdutil.Factory) *cobra.Command

// NewCmdAttach builds `attach` with one subcommand per kind.
func NewCmdAttach(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "attach KIND ID|NAME",
		Short: "Read, write or dump a shared memory segment, or hold it attached",
		Args:  cmdutil.MinimumArgs(1, "a kind (shm) and an object"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.FlagErrorf("unknown kind %q for attach", args[0])
		},
	}
	for _, k := range kinds {
		cmd.AddCommand(k(f))
	}
	return cmd
}

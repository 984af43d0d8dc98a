package cmdutil

import (
	"github.com/spf13/cobra"

	"github.com/ipcctl/ipcctl/pkg/procfs"
)

// AddFSRootFlag adds the hidden --fs-root flag to cmd and its
// subcommands, for tests only: it points every /proc and /sys read and
// write of the command at a fixture tree (hugepage, thp).
func AddFSRootFlag(cmd *cobra.Command, f *Factory) {
	var root string
	cmd.PersistentFlags().StringVar(&root, "fs-root", "", "read and write /proc and /sys below `DIR` (for tests)")
	_ = cmd.PersistentFlags().MarkHidden("fs-root")
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if root != "" {
			f.FS = procfs.FS(root)
		}
		return nil
	}
}

// Package key implements `ipcctl key`: the System V key ftok(3) makes.
package key

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl key`.
type Options struct {
	IO   *iostreams.IOStreams
	Path string
	Proj string
}

// NewCmdKey builds the command; runF replaces keyRun in tests.
func NewCmdKey(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	return &cobra.Command{
		Use:   "key PATH PROJ",
		Short: "Print the System V key ftok(3) makes from a path and a project id",
		Long: `Print the System V key that glibc's ftok(3) computes for PATH and PROJ:
(PROJ & 0xff) << 24 | (st_dev & 0xff) << 16 | (st_ino & 0xffff), from
stat(2) of PATH (symbolic links followed), as 0x%08x.

PROJ is a number from 0 to 255 or a single character ('a' is 97). glibc
keeps only its low 8 bits, so 256 would silently give the same key as 0;
ipcctl refuses values outside 0..255 instead. ftok(3) asks for a nonzero
PROJ. A PATH that does not exist exits 3.`,
		Example: `  ipcctl key /etc/passwd 1
  ipcctl create shm --size 1M --key "$(ipcctl key /srv/app a)"`,
		Args: cmdutil.ExactArgs(2, "PATH and PROJ"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path, opts.Proj = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return keyRun(opts)
		},
	}
}

func keyRun(opts *Options) error {
	proj, err := cmdutil.ParseProj(opts.Proj)
	if err != nil {
		return err
	}
	k, err := ipc.Ftok(opts.Path, proj)
	if err != nil {
		return fmt.Errorf("key: %w", err)
	}
	return cmdutil.WriteLine(opts.IO.Out, "key", "0x%08x\n", uint32(k))
}

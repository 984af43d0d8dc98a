// Package set implements `ipcctl set`: change the owner, mode or (for
// message queues) the capacity of a System V object with IPC_SET, or the
// owner and mode of a POSIX object's file.
package set

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl set`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Kind   string
	ID     string // an id, or a /NAME for a POSIX kind
	Mode   string
	Owner  string // USER[:GROUP]
	QBytes string
}

// NewCmdSet builds the command; runF replaces setRun in tests.
func NewCmdSet(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "set KIND ID|NAME [--mode OCTAL] [--owner USER[:GROUP]] [--qbytes N]",
		Short: "Change the mode, owner or queue size of an IPC object",
		Long: `Change a System V object (shm, sem or msg) with IPC_SET: its permission
bits (--mode), its owner and group (--owner USER[:GROUP]), and for a
message queue its capacity in bytes (--qbytes; above msgmnb needs
CAP_SYS_RESOURCE). Only the object's owner or creator, or a process with
CAP_SYS_ADMIN, may change it. Replaces ipcmod.

A POSIX object (pshm, psem, mq) named /NAME gets chown and chmod of its
file, in that order so the mode is exactly --mode; a symlink is never
followed.`,
		Example: `  ipcctl set shm 32769 --mode 0640
  ipcctl set sem 5 --owner postgres:postgres
  ipcctl set msg 3 --qbytes 64K
  ipcctl set pshm /cache --mode 0640 --owner app:app`,
		Args: cmdutil.ExactArgs(2, "KIND and ID (or /NAME)"),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return kinds.CompleteKinds(kinds.All()), cobra.ShellCompDirectiveNoFileComp
			}
			k, err := kinds.Lookup(args[0])
			if len(args) > 1 || err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return kinds.CompleteTargets(f, k, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Kind, opts.ID = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Mode, "mode", "", "permission bits, octal (e.g. 0640)")
	cmd.Flags().StringVar(&opts.Owner, "owner", "", "new owner `USER[:GROUP]` (names or numbers)")
	cmd.Flags().StringVar(&opts.QBytes, "qbytes", "", "message queue capacity in bytes, or with K, M...")
	cmdutil.AddNSFlag(cmd, f)
	return cmd
}

func setRun(opts *Options) error {
	k, err := kinds.Lookup(opts.Kind)
	if err != nil {
		return err
	}
	t, err := k.ParseTarget(opts.ID)
	if err != nil {
		return err
	}
	if opts.Mode == "" && opts.Owner == "" && opts.QBytes == "" {
		return cmdutil.FlagErrorf("set: nothing to change: give --mode, --owner or --qbytes")
	}
	var ch kinds.Change
	if opts.Mode != "" {
		m, err := cmdutil.ParseMode(opts.Mode, 0o777)
		if err != nil {
			return err
		}
		ch.Mode = &m
	}
	if opts.Owner != "" {
		uid, gid, err := cmdutil.ParseOwner(opts.Owner)
		if err != nil {
			return err
		}
		ch.UID, ch.GID = &uid, gid
	}
	if opts.QBytes != "" {
		q, err := cmdutil.ParsePositiveSize("--qbytes", opts.QBytes)
		if err != nil {
			return err
		}
		ch.QBytes = &q
	}
	if err := k.Apply(opts.Factory, t, ch); err != nil {
		return fmt.Errorf("set %s %s: %w", k.Name, t.Label, err)
	}
	return nil
}

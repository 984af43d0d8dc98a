// Package set implements `ipcctl set`: change the owner, mode or (for
// message queues) the capacity of a System V object with IPC_SET, or the
// owner and mode of a POSIX object's file.
package set

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl set`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Kind   ipc.Kind
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
		ValidArgs: []string{"shm", "sem", "msg", "pshm", "psem", "mq"},
		Args:      cmdutil.ExactArgs(2, "KIND and ID (or /NAME)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Kind, opts.ID = ipc.Kind(args[0]), args[1]
			if runF != nil {
				return runF(opts)
			}
			return setRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Mode, "mode", "", "permission bits, octal (e.g. 0640)")
	cmd.Flags().StringVar(&opts.Owner, "owner", "", "new owner `USER[:GROUP]` (names or numbers)")
	cmd.Flags().StringVar(&opts.QBytes, "qbytes", "", "message queue capacity in bytes, or with K, M...")
	return cmd
}

func setRun(opts *Options) error {
	posix := opts.Kind.Posix()
	if !opts.Kind.SysV() && !posix {
		return cmdutil.FlagErrorf("unknown kind %q (valid: shm, sem, msg, pshm, psem, mq)", opts.Kind)
	}
	var id int
	var err error
	if posix {
		_, err = cmdutil.ParsePosixName(opts.Kind, opts.ID)
	} else {
		id, err = cmdutil.ParseID(opts.ID)
	}
	if err != nil {
		return err
	}
	if opts.Mode == "" && opts.Owner == "" && opts.QBytes == "" {
		return cmdutil.FlagErrorf("set: nothing to change: give --mode, --owner or --qbytes")
	}
	var u ipc.PermUpdate
	if opts.Mode != "" {
		m, err := cmdutil.ParseMode(opts.Mode, 0o777)
		if err != nil {
			return err
		}
		u.Mode = &m
	}
	if opts.Owner != "" {
		uid, gid, err := cmdutil.ParseOwner(opts.Owner)
		if err != nil {
			return err
		}
		u.UID, u.GID = &uid, gid
	}
	var qbytes *uint64
	if opts.QBytes != "" {
		if opts.Kind != ipc.KindMsg {
			return cmdutil.FlagErrorf("--qbytes applies to msg only, not %s", opts.Kind)
		}
		q, err := cmdutil.ParsePositiveSize("--qbytes", opts.QBytes)
		if err != nil {
			return err
		}
		qbytes = &q
	}
	c := opts.Factory.IPC()
	if posix {
		if err := setPosix(c, opts.Kind, opts.ID, u); err != nil {
			return fmt.Errorf("set %s %s: %w", opts.Kind, opts.ID, err)
		}
		return nil
	}
	switch opts.Kind {
	case ipc.KindShm:
		err = c.ShmSet(id, u)
	case ipc.KindSem:
		err = c.SemSet(id, u)
	case ipc.KindMsg:
		err = c.MsgSet(id, u, qbytes)
	}
	if err != nil {
		return fmt.Errorf("set %s %d: %w", opts.Kind, id, err)
	}
	return nil
}

// setPosix changes a POSIX object's file: owner first, since chown may
// clear setuid/setgid bits, so that the mode ends up exactly as asked.
func setPosix(c *ipc.Client, k ipc.Kind, name string, u ipc.PermUpdate) error {
	chown, chmod := c.PshmChown, c.PshmChmod
	switch k {
	case ipc.KindPsem:
		chown, chmod = c.PsemChown, c.PsemChmod
	case ipc.KindMq:
		chown, chmod = c.MqChown, c.MqChmod
	}
	if u.UID != nil {
		if err := chown(name, *u.UID, u.GID); err != nil {
			return err
		}
	}
	if u.Mode != nil {
		return chmod(name, *u.Mode)
	}
	return nil
}

package create

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

func init() {
	subcommands[ipc.KindPshm] = func(f *cmdutil.Factory) *cobra.Command { return NewCmdCreatePshm(f, nil) }
	subcommands[ipc.KindPsem] = func(f *cmdutil.Factory) *cobra.Command { return NewCmdCreatePsem(f, nil) }
	subcommands[ipc.KindMq] = func(f *cmdutil.Factory) *cobra.Command { return NewCmdCreateMq(f, nil) }
}

// PosixOptions are the arguments every POSIX kind shares.
type PosixOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Name      string // with its leading /
	Mode      string
	Exclusive bool
	Reuse     bool
}

func addPosixFlags(cmd *cobra.Command, o *PosixOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Mode, "mode", "0600", "permissions, octal (exact: the umask does not apply)")
	fl.BoolVar(&o.Exclusive, "exclusive", false, "fail if the name is taken (the default; refuses --reuse)")
	fl.BoolVar(&o.Reuse, "reuse", false, "if the name is taken by an object of this kind, print it and change nothing")
	cmd.MarkFlagsMutuallyExclusive("exclusive", "reuse")
}

// posixCommand builds the subcommand of kind k named by a /NAME argument.
func posixCommand(o *PosixOptions, use, short, long, example string, run func() error) *cobra.Command {
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: example,
		Args:    cmdutil.ExactArgs(1, "a /NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return run()
		},
	}
	addPosixFlags(cmd, o)
	return cmd
}

// parse checks the name and the mode; it changes nothing.
func (o *PosixOptions) parse(k ipc.Kind) (mode uint32, err error) {
	if _, err := cmdutil.ParsePosixName(k, o.Name); err != nil {
		return 0, err
	}
	return cmdutil.ParseMode(o.Mode, 0o777)
}

// finish prints the name, or explains a taken one: exit 5 unless
// --reuse, with which the ipc call already returned the existing object.
func (o *PosixOptions) finish(k ipc.Kind, err error) error {
	if errors.Is(err, fs.ErrExist) {
		if o.Exclusive {
			return fmt.Errorf("create %s %s: %w", k, o.Name, err)
		}
		return fmt.Errorf("create %s %s: %w; use --reuse to use it", k, o.Name, err)
	}
	if errors.Is(err, unix.ENOSPC) {
		return fmt.Errorf("create %s %s: %w: a kernel limit is reached (see ipcctl limits)", k, o.Name, err)
	}
	if err != nil {
		return fmt.Errorf("create %s %s: %w", k, o.Name, err)
	}
	fmt.Fprintln(o.IO.Out, o.Name)
	return nil
}

// PshmOptions are the parsed arguments of `ipcctl create pshm`.
type PshmOptions struct {
	PosixOptions
	Size string
}

// NewCmdCreatePshm builds `create pshm`; runF replaces createPshmRun in tests.
func NewCmdCreatePshm(f *cmdutil.Factory, runF func(*PshmOptions) error) *cobra.Command {
	opts := &PshmOptions{PosixOptions: PosixOptions{IO: f.IOStreams, Factory: f}}
	cmd := posixCommand(&opts.PosixOptions, "pshm /NAME --size SIZE",
		"Create a POSIX shared memory object",
		`Create a POSIX shared memory object, /dev/shm/NAME as shm_open(3) makes
it, of --size bytes (4096, 64K, 1M: binary units), and print its name.
An existing name exits 5 and is never truncated; --reuse prints it and
leaves it as it is.`,
		`  ipcctl create pshm /cache --size 64M
  ipcctl create pshm /cache --size 64M --mode 0660 --reuse`,
		func() error {
			if runF != nil {
				return runF(opts)
			}
			return createPshmRun(opts)
		})
	cmd.Flags().StringVar(&opts.Size, "size", "", "object size in bytes, or with K, M, G... (required)")
	return cmd
}

func createPshmRun(opts *PshmOptions) error {
	mode, err := opts.parse(ipc.KindPshm)
	if err != nil {
		return err
	}
	if opts.Size == "" {
		return cmdutil.FlagErrorf("create pshm: --size is required")
	}
	size, err := cmdutil.ParsePositiveSize("--size", opts.Size)
	if err != nil {
		return err
	}
	_, err = opts.Factory.IPC().PshmCreate(opts.Name, ipc.PshmCreateOptions{Size: size, Mode: mode, Reuse: opts.Reuse})
	return opts.finish(ipc.KindPshm, err)
}

// PsemOptions are the parsed arguments of `ipcctl create psem`.
type PsemOptions struct {
	PosixOptions
	Value string
}

// NewCmdCreatePsem builds `create psem`; runF replaces createPsemRun in tests.
func NewCmdCreatePsem(f *cmdutil.Factory, runF func(*PsemOptions) error) *cobra.Command {
	opts := &PsemOptions{PosixOptions: PosixOptions{IO: f.IOStreams, Factory: f}}
	cmd := posixCommand(&opts.PosixOptions, "psem /NAME [--value V]",
		"Create a POSIX named semaphore",
		fmt.Sprintf(`Create a glibc named semaphore, /dev/shm/sem.NAME as sem_open(3) makes
it, with --value V (0 to SEM_VALUE_MAX, %d; default 0), and print its
name. The semaphore is complete before it gets its name. An existing
name exits 5 and is never reinitialised; --reuse prints it and leaves
its value as it is.`, ipc.SemValueMax),
		`  ipcctl create psem /lock --value 1
  ipcctl create psem /jobs --mode 0660 --reuse`,
		func() error {
			if runF != nil {
				return runF(opts)
			}
			return createPsemRun(opts)
		})
	cmd.Flags().StringVar(&opts.Value, "value", "0", "initial value")
	return cmd
}

func createPsemRun(opts *PsemOptions) error {
	mode, err := opts.parse(ipc.KindPsem)
	if err != nil {
		return err
	}
	v, err := strconv.ParseUint(opts.Value, 10, 32)
	if err != nil || v > ipc.SemValueMax {
		return cmdutil.FlagErrorf("invalid --value %q: want 0 to SEM_VALUE_MAX (%d)", opts.Value, ipc.SemValueMax)
	}
	_, err = opts.Factory.IPC().PsemCreate(opts.Name, ipc.PsemCreateOptions{Value: uint32(v), Mode: mode, Reuse: opts.Reuse})
	return opts.finish(ipc.KindPsem, err)
}

// MqOptions are the parsed arguments of `ipcctl create mq`.
type MqOptions struct {
	PosixOptions
	MaxMsg  string
	MsgSize string
}

// NewCmdCreateMq builds `create mq`; runF replaces createMqRun in tests.
func NewCmdCreateMq(f *cmdutil.Factory, runF func(*MqOptions) error) *cobra.Command {
	opts := &MqOptions{PosixOptions: PosixOptions{IO: f.IOStreams, Factory: f}}
	cmd := posixCommand(&opts.PosixOptions, "mq /NAME [--maxmsg N --msgsize N]",
		"Create a POSIX message queue",
		`Create a POSIX message queue with mq_open(3) and print its name. It holds
--maxmsg messages of up to --msgsize bytes each (both or neither: the
defaults are /proc/sys/fs/mqueue/msg_default and msgsize_default), at
most msg_max and msgsize_max. An existing name exits 5; --reuse prints
it and leaves it as it is.`,
		`  ipcctl create mq /events --maxmsg 10 --msgsize 8K
  ipcctl create mq /events --mode 0620 --reuse`,
		func() error {
			if runF != nil {
				return runF(opts)
			}
			return createMqRun(opts)
		})
	cmd.Flags().StringVar(&opts.MaxMsg, "maxmsg", "", "most messages in the queue")
	cmd.Flags().StringVar(&opts.MsgSize, "msgsize", "", "largest message in bytes, or with K, M...")
	cmd.MarkFlagsRequiredTogether("maxmsg", "msgsize")
	return cmd
}

func createMqRun(opts *MqOptions) error {
	mode, err := opts.parse(ipc.KindMq)
	if err != nil {
		return err
	}
	o := ipc.MqCreateOptions{Mode: mode, Reuse: opts.Reuse}
	if (opts.MaxMsg == "") != (opts.MsgSize == "") {
		return cmdutil.FlagErrorf("create mq: --maxmsg and --msgsize go together")
	}
	if opts.MaxMsg != "" {
		maxmsg, err := strconv.ParseUint(opts.MaxMsg, 10, 63)
		if err != nil || maxmsg == 0 {
			return cmdutil.FlagErrorf("invalid --maxmsg %q: want a whole number from 1", opts.MaxMsg)
		}
		msgsize, err := cmdutil.ParsePositiveSize("--msgsize", opts.MsgSize)
		if err != nil {
			return err
		}
		if lim, err := opts.Factory.FS.MqueueLimits(); err == nil {
			if maxmsg > lim.MsgMax {
				return cmdutil.FlagErrorf("--maxmsg %d is over the kernel's msg_max of %d messages (/proc/sys/fs/mqueue/msg_max)", maxmsg, lim.MsgMax)
			}
			if msgsize > lim.MsgSizeMax {
				return cmdutil.FlagErrorf("--msgsize %d is over the kernel's msgsize_max of %d bytes (/proc/sys/fs/mqueue/msgsize_max)", msgsize, lim.MsgSizeMax)
			}
		}
		o.MaxMsg, o.MsgSize = int64(maxmsg), int64(msgsize)
	}
	_, err = opts.Factory.IPC().MqCreate(opts.Name, o)
	if errors.Is(err, unix.EMFILE) {
		err = fmt.Errorf("%w: the queue would exceed RLIMIT_MSGQUEUE (ulimit -q), the bytes all of this user's queues may take", err)
	}
	return opts.finish(ipc.KindMq, err)
}

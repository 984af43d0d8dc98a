// Package create implements `ipcctl create KIND`: make an IPC object and
// print its id (or name) alone on stdout.
//
// Each kind is a subcommand in its own file that registers itself in
// init, so new kinds (POSIX ones) are added without touching the others.
package create

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/cli/key"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// subcommands maps each kind to the constructor of its subcommand.
var subcommands = map[ipc.Kind]func(f *cmdutil.Factory) *cobra.Command{}

// NewCmdCreate builds `create` with one subcommand per registered kind.
func NewCmdCreate(f *cmdutil.Factory) *cobra.Command {
	var kinds []string
	for k := range subcommands {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	cmd := &cobra.Command{
		Use:   "create KIND",
		Short: "Create an IPC object and print its id or name",
		Long: `Create an IPC object and print its id (System V) or name (POSIX) alone
on stdout, so that id=$(ipcctl create shm --size 1M) works. Replaces ipcmk.

A System V object gets a key from --key, from --path and --proj (ftok), or
none (IPC_PRIVATE, reachable by id only). If the key is taken, create
exits 5 rather than hand back somebody else's object; --reuse prints the
existing object's id instead.

A POSIX object (pshm, psem, mq) is named /NAME. If the name is taken,
create exits 5 and leaves the existing object untouched; --reuse prints
the name instead.`,
		Example: `  ipcctl create shm --size 1M
  ipcctl create sem --nsems 4 --values 1,1,0,0 --key 0x1234
  ipcctl create msg --path /srv/app --proj 1 --mode 0660
  ipcctl create pshm /cache --size 64M
  ipcctl create mq /events --maxmsg 10 --msgsize 8K`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("create: want a kind: %s", strings.Join(kinds, ", "))
			}
			return cmdutil.FlagErrorf("create: unknown kind %q (valid: %s)", args[0], strings.Join(kinds, ", "))
		},
		RunE: func(cmd *cobra.Command, args []string) error { return nil },
	}
	for _, k := range kinds {
		cmd.AddCommand(subcommands[ipc.Kind(k)](f))
	}
	return cmd
}

// SysvOptions are the flags every System V kind shares.
type SysvOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Key       string // --key
	Path      string // --path (ftok)
	Proj      string // --proj (ftok)
	Mode      string
	Exclusive bool
	Reuse     bool
}

func addSysvFlags(cmd *cobra.Command, o *SysvOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Key, "key", "", "System V `KEY` (default IPC_PRIVATE: reachable by id only)")
	fl.StringVar(&o.Path, "path", "", "make the key with ftok(3) from `PATH` and --proj")
	fl.StringVar(&o.Proj, "proj", "", "ftok project id, 0..255 or one character (with --path)")
	fl.StringVar(&o.Mode, "mode", "0600", "permissions, octal")
	fl.BoolVar(&o.Exclusive, "exclusive", false, "fail if the key is taken (the default; refuses --reuse)")
	fl.BoolVar(&o.Reuse, "reuse", false, "if the key is taken by an object of this kind, print its id")
	cmd.MarkFlagsMutuallyExclusive("key", "path")
	cmd.MarkFlagsMutuallyExclusive("exclusive", "reuse")
}

// parsedSysv is SysvOptions checked.
type parsedSysv struct {
	key  int32
	mode uint32
}

func (o *SysvOptions) parse() (parsedSysv, error) {
	var p parsedSysv
	var err error
	if p.mode, err = cmdutil.ParseMode(o.Mode, 0o777); err != nil {
		return p, err
	}
	switch {
	case o.Key != "":
		if o.Proj != "" {
			return p, cmdutil.FlagErrorf("--proj goes with --path, not --key")
		}
		if p.key, err = cmdutil.ParseKey(o.Key); err != nil {
			return p, err
		}
	case o.Path != "":
		if o.Proj == "" {
			return p, cmdutil.FlagErrorf("--path needs --proj")
		}
		proj, err := key.ParseProj(o.Proj)
		if err != nil {
			return p, err
		}
		if p.key, err = ipc.Ftok(o.Path, proj); err != nil {
			return p, fmt.Errorf("ftok: %w", err)
		}
	case o.Proj != "":
		return p, cmdutil.FlagErrorf("--proj needs --path")
	}
	if o.Reuse && p.key == 0 {
		return p, cmdutil.FlagErrorf("--reuse needs --key or --path: a private object is always new")
	}
	return p, nil
}

// finish prints the new id, or handles a taken key: with --reuse, get
// the existing object's id (the get call is per kind, so the kind
// matches); otherwise exit 5 naming it.
func (o *SysvOptions) finish(kind ipc.Kind, id int, err error, reuse func() (int, error)) error {
	var exists *ipc.ExistsError
	if errors.As(err, &exists) {
		if o.Reuse {
			id, err = reuse()
			if err != nil {
				return fmt.Errorf("create %s: reuse key 0x%08x: %w", kind, uint32(exists.Key), err)
			}
			fmt.Fprintln(o.IO.Out, id)
			return nil
		}
		if o.Exclusive {
			return fmt.Errorf("create %s: key 0x%08x: %w", kind, uint32(exists.Key), err)
		}
		return fmt.Errorf("create %s: key 0x%08x: %w; use --reuse to use it", kind, uint32(exists.Key), err)
	}
	if errors.Is(err, unix.ENOSPC) {
		return fmt.Errorf("create %s: %w: a kernel limit on the number or total size of %s objects is reached (see ipcctl limits)", kind, err, kind)
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", kind, err)
	}
	fmt.Fprintln(o.IO.Out, id)
	return nil
}

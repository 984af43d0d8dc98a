// Package create implements `ipcctl create KIND`: make an IPC object and
// print its id (or name) alone on stdout. The kinds and their own flags
// come from the table of kinds; this verb adds what every kind of a
// family shares (a key or a /NAME, the mode, --reuse).
package create

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// Options are the parsed arguments of `ipcctl create KIND`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Kind *kinds.Kind
	Name string // POSIX: the object's /NAME

	Key      string // System V: --key
	KeyGiven bool
	Path     string // System V: --path (ftok)
	Proj     string // System V: --proj (ftok)

	Mode      string
	ModeGiven bool
	Exclusive bool
	Reuse     bool

	// Make makes the object from the kind's own flags.
	Make kinds.Maker
}

// NewCmdCreate builds `create` with one subcommand per kind that can be
// created; runF replaces createRun in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	var creatable []*kinds.Kind
	for _, k := range kinds.All() {
		if k.Create != nil {
			creatable = append(creatable, k)
		}
	}
	cmd := &cobra.Command{
		Use:   "create KIND",
		Short: "Create an IPC object and print its id or name",
		Long: `Create an IPC object and print its id (System V) or name (POSIX) alone
on stdout, so that id=$(ipcctl create shm --size 1M) works. Replaces ipcmk.

A System V object gets a key from --key (0x hex, 0 octal or decimal),
from --path and --proj (ftok), or none (IPC_PRIVATE, reachable by id
only). If the key is taken, create exits 5 rather than hand back somebody
else's object; --reuse prints the existing object's id instead, and says
on stderr where it differs from what was asked.
A POSIX object (pshm, psem, mq) is named /NAME. If the name is taken,
create exits 5 and leaves the existing object untouched; --reuse prints
the name instead.

If the id of a new private object cannot be written out (stdout on
/dev/full, or closed), the object is removed again and create exits 1:
nobody could ever name it. A keyed or named object stays, and stderr
says what exists.`,
		Example: `  ipcctl create shm --size 1M
  ipcctl create sem --nsems 4 --values 1,1,0,0 --key 0x1234
  ipcctl create msg --path /srv/app --proj 1 --mode 0660
  ipcctl create pshm /cache --size 64M
  ipcctl create mq /events --maxmsg 10 --msgsize 8K`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return kinds.CompleteKinds(creatable), cobra.ShellCompDirectiveNoFileComp
		},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("create: want a kind: %s", kinds.Valid(creatable))
			}
			return cmdutil.FlagErrorf("create: unknown kind %q (valid: %s)", args[0], kinds.Valid(creatable))
		},
		RunE: func(cmd *cobra.Command, args []string) error { return nil },
	}
	for _, k := range creatable {
		cmd.AddCommand(newKindCmd(f, k, runF))
	}
	return cmd
}

// newKindCmd builds `create KIND`.
func newKindCmd(f *cmdutil.Factory, k *kinds.Kind, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f, Kind: k}
	c := k.Create
	cmd := &cobra.Command{
		Use:     c.Use,
		Short:   c.Short,
		Long:    c.Long,
		Example: c.Example,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if k.Family == kinds.POSIX {
				opts.Name = args[0]
			}
			opts.KeyGiven = cmd.Flags().Changed("key")
			opts.ModeGiven = cmd.Flags().Changed("mode")
			if runF != nil {
				return runF(opts)
			}
			return createRun(opts)
		},
	}
	fl := cmd.Flags()
	if k.Family == kinds.POSIX {
		cmd.Args = cmdutil.ExactArgs(1, "a /NAME")
		fl.StringVar(&opts.Mode, "mode", "0600", "permissions, octal (exact: the umask does not apply)")
		fl.BoolVar(&opts.Exclusive, "exclusive", false, "fail if the name is taken (the default; refuses --reuse)")
		fl.BoolVar(&opts.Reuse, "reuse", false, "if the name is taken by an object of this kind, print it and change nothing")
	} else {
		fl.StringVar(&opts.Key, "key", "", "System V `KEY` (default IPC_PRIVATE: reachable by id only)")
		fl.StringVar(&opts.Path, "path", "", "make the key with ftok(3) from `PATH` and --proj")
		fl.StringVar(&opts.Proj, "proj", "", "ftok project id, 0..255 or one character (with --path)")
		fl.StringVar(&opts.Mode, "mode", "0600", "permissions, octal")
		fl.BoolVar(&opts.Exclusive, "exclusive", false, "fail if the key is taken (the default; refuses --reuse)")
		fl.BoolVar(&opts.Reuse, "reuse", false, "if the key is taken by an object of this kind, print its id")
		cmd.MarkFlagsMutuallyExclusive("key", "path")
	}
	cmd.MarkFlagsMutuallyExclusive("exclusive", "reuse")
	cmdutil.AddNSFlag(cmd, f)
	opts.Make = c.Flags(cmd, f)
	return cmd
}

// request checks the flags every kind of the family shares; it changes nothing.
func (o *Options) request() (kinds.Request, error) {
	r := kinds.Request{Name: o.Name, ModeGiven: o.ModeGiven, Reuse: o.Reuse}
	m, err := cmdutil.ParseMode(o.Mode, 0o777)
	if err != nil {
		return r, err
	}
	r.Mode = m
	if o.Kind.Family == kinds.POSIX {
		if _, err := o.Kind.ParseTarget(o.Name); err != nil {
			return r, err
		}
		return r, nil
	}
	switch {
	case o.KeyGiven || o.Key != "":
		if o.Proj != "" {
			return r, cmdutil.FlagErrorf("--proj goes with --path, not --key")
		}
		if r.Key, err = cmdutil.ParseKey(o.Key); err != nil {
			return r, err
		}
	case o.Path != "":
		if o.Proj == "" {
			return r, cmdutil.FlagErrorf("--path needs --proj")
		}
		proj, err := cmdutil.ParseProj(o.Proj)
		if err != nil {
			return r, err
		}
		if r.Key, err = ipc.Ftok(o.Path, proj); err != nil {
			return r, fmt.Errorf("ftok: %w", err)
		}
	case o.Proj != "":
		return r, cmdutil.FlagErrorf("--proj needs --path")
	}
	if o.Reuse && r.Key == 0 {
		return r, cmdutil.FlagErrorf("--reuse needs --key or --path: a private object is always new")
	}
	return r, nil
}

// private reports whether the object r makes could only ever be named by
// the id create prints.
func (o *Options) private(r kinds.Request) bool {
	return o.Kind.Family == kinds.SysV && r.Key == 0
}

func createRun(opts *Options) error {
	k := opts.Kind
	r, err := opts.request()
	if err != nil {
		return err
	}
	what := "create " + string(k.Name)
	if k.Family == kinds.POSIX {
		what += " " + r.Name
	}
	if opts.private(r) && opts.IO.StdoutDiscards() {
		return fmt.Errorf("%s: stdout is /dev/null or was closed: the id of a private %s would be lost, so nothing was made (give --key or --path, or keep stdout)", what, strings.ToLower(k.Object))
	}
	made, err := opts.Make(opts.Factory, r)
	if err != nil {
		return explain(what, k, r, opts, err)
	}
	if made.Reused {
		for _, d := range made.Differs {
			fmt.Fprintf(opts.IO.ErrOut, "ipcctl: %s: reused %s %s: its %s\n", what, k.Name, table.Safe(made.Label), d)
		}
	}
	if _, err := fmt.Fprintln(opts.IO.Out, made.Label); err != nil {
		return lost(opts, what, r, made, err)
	}
	return nil
}

// lost handles an id or name that could not be written out. A private
// object is ours and nobody can name it: it is removed again. A keyed or
// named one can be found again, so it stays and stderr says what exists.
func lost(opts *Options, what string, r kinds.Request, made kinds.Made, werr error) error {
	k := opts.Kind
	switch {
	case made.Reused:
		return fmt.Errorf("%s: write the id: %w", what, werr)
	case opts.private(r):
		if _, err := k.Remove(opts.Factory, made.Target); err != nil {
			return fmt.Errorf("%s: write the id: %v; removing %s %s again failed too: %w", what, werr, k.Name, made.Label, err)
		}
		return fmt.Errorf("%s: write the id: %w (the new %s %s was removed again)", what, werr, k.Name, made.Label)
	case k.Family == kinds.SysV:
		return fmt.Errorf("%s: write the id: %w (%s %s exists, with key 0x%08x)", what, werr, k.Name, made.Label, uint32(r.Key))
	}
	return fmt.Errorf("%s: write the name: %w (%s %s exists)", what, werr, k.Name, made.Label)
}

// explain words a failed create: a taken key or name (exit 5, naming the
// object), a full table (the limit to look at).
func explain(what string, k *kinds.Kind, r kinds.Request, opts *Options, err error) error {
	var exists *ipc.ExistsError
	switch {
	case errors.As(err, &exists):
		what += fmt.Sprintf(": key 0x%08x", uint32(exists.Key))
		fallthrough
	case errors.Is(err, unix.EEXIST):
		if opts.Exclusive {
			return fmt.Errorf("%s: %w", what, err)
		}
		return fmt.Errorf("%s: %w; use --reuse to use it", what, err)
	case errors.Is(err, unix.ENOSPC):
		return fmt.Errorf("%s: %w: a kernel limit on the number or total size of %s objects is reached (see ipcctl limits)", what, err, k.Name)
	}
	return fmt.Errorf("%s: %w", what, err)
}

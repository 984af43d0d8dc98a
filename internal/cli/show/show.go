// Package show implements `ipcctl show`: every field of one IPC object.
package show

import (
	"context"
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/internal/watch"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl show`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Kind   *kinds.Kind
	Target kinds.Target // by id or /NAME; unset with --key
	Key    *int32       // --key instead of an id
	Output cmdutil.OutputOptions
	Watch  string // --watch[=INTERVAL]
}

// NewCmdShow builds the command; runF replaces showRun in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	var key string
	cmd := &cobra.Command{
		Use:   "show KIND {ID | --key KEY | /NAME}",
		Short: "Show every field of one IPC object",
		Long: fmt.Sprintf(`Show every field of one IPC object (kinds: %s): a System V object
named by id or by --key, a POSIX object by /NAME. A message queue shows
the process registered with mq_notify and its signal (notify_pid,
notify, signo).

Replaces ipcs -i and lsipc -i. A semaphore set is followed by a table of
its semaphores (value, waiters, last pid); reading them needs read
permission on the set, and without it they show as "-" (JSON null). -o
picks fields (default: all of them). Times are shown in full
(2006-01-02 15:04:05) unless --time-format says otherwise.`, kinds.Valid(kinds.All())),
		Example: `  ipcctl show shm 5
  ipcctl show sem --key 0x1234abcd --json
  ipcctl show msg 3 -o qbytes,messages --raw -n
  ipcctl show mq /events --json`,
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
			if len(args) == 0 {
				return cmdutil.FlagErrorf("show: want KIND (%s)", kinds.Valid(kinds.All()))
			}
			k, err := kinds.Lookup(args[0])
			if err != nil {
				return err
			}
			opts.Kind, opts.Key = k, nil
			switch {
			case opts.Output.ListColumns:
				if err := cmdutil.ExactArgs(1, "KIND")(cmd, args); err != nil {
					return err
				}
			case key != "":
				if k.Family != kinds.SysV {
					return cmdutil.FlagErrorf("show %s: POSIX objects have no keys; name it /NAME", k.Name)
				}
				if err := cmdutil.ExactArgs(1, "KIND with --key, not an id as well")(cmd, args); err != nil {
					return err
				}
				v, err := cmdutil.ParseKey(key)
				if err != nil {
					return err
				}
				if v == 0 {
					return cmdutil.FlagErrorf("invalid key %q: IPC_PRIVATE names no single object", key)
				}
				opts.Key = &v
			default:
				want := "KIND and ID (or --key KEY)"
				if k.Family == kinds.POSIX {
					want = "KIND and /NAME"
				}
				if err := cmdutil.ExactArgs(2, want)(cmd, args); err != nil {
					return err
				}
				if opts.Target, err = k.ParseTarget(args[1]); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmd.Flags().StringVar(&key, "key", "", "the object with this System V `KEY` instead of an id")
	cmdutil.AddWatchFlag(cmd, &opts.Watch)
	cmdutil.AddNSFlag(cmd, f)
	kinds.CompleteColumnFlags(cmd, func(args []string) []*kinds.Kind {
		if ks, err := kinds.Parse(args[:min(len(args), 1)]); err == nil && len(ks) == 1 {
			return ks
		}
		return kinds.All()
	})
	return cmd
}

func showRun(opts *Options) error {
	f, k := opts.Factory, opts.Kind
	sets := k.RecordSets()
	if opts.Output.ListColumns {
		out, err := opts.Output.Resolve(f, sets...)
		if err != nil {
			return err
		}
		return out.PrintCatalogs(f)
	}
	// -o picks fields of the record; the tables that follow it (a set's
	// semaphores, the holders) come whole.
	out, err := opts.Output.Resolve(f, sets[0])
	if err != nil {
		return err
	}
	t := opts.Target
	what := fmt.Sprintf("show %s %s", k.Name, t.Label)
	if opts.Key != nil {
		what = fmt.Sprintf("show %s --key 0x%08x", k.Name, uint32(*opts.Key))
		if t, err = k.ByKey(f, *opts.Key); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	interval, err := cmdutil.ParseWatch(opts.Watch)
	if err != nil {
		return err
	}
	look := func() ([]*table.Table, error) {
		rec, err := k.Show(f, t, out.Columns[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return []*table.Table{rec}, nil
	}
	if interval > 0 {
		return watch.Run(context.Background(), watch.Options{IO: opts.IO, Render: out.Render, Interval: interval,
			Title: fmt.Sprintf("Every %s: ipcctl %s", interval, what), Now: f.Now}, look)
	}
	tables, err := look()
	if err != nil {
		return err
	}
	return table.Render(opts.IO.Out, out.Render, tables...)
}

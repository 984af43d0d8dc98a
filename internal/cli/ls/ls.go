// Package ls implements `ipcctl ls`: list IPC objects of one or more kinds.
package ls

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/internal/watch"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl ls`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Kinds  []*kinds.Kind // as named; empty: every kind
	Output cmdutil.OutputOptions
	Filter kinds.FilterFlags

	Mount         bool   // mount the mqueue filesystem first if it is not mounted
	Watch         string // --watch[=INTERVAL]
	AllNamespaces bool   // -A: every IPC namespace on the host
}

// NewCmdLs builds the command; runF replaces lsRun in tests.
func NewCmdLs(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "ls [KIND...]",
		Short: "List IPC objects",
		Long: fmt.Sprintf(`List IPC objects of the given kinds (%s), or of every kind.
Replaces ipcs and lsipc. System V objects are read from /proc/sysvipc,
which shows every object whatever its permissions; without it ipcctl
falls back to the *_STAT_ANY system calls.

System V objects are listed by id, POSIX objects by name; --sort COL
orders by columns instead (numbers as numbers, times as times), -r
reverses. --view creators, pids or times picks the columns ipcs -c, -p
and -t show; -o +COL adds a column to every kind that has it, -o all
shows every column.

A filter that cannot apply to a kind named (--creator-pid of sem) is a
usage error; with no kind named, only the kinds it applies to are listed.`, kinds.Valid(kinds.All())),
		Example: `  ipcctl ls
  ipcctl ls shm --owner postgres
  ipcctl ls shm -o +rss,swap --bytes
  ipcctl ls sem msg --json
  ipcctl ls --sort size -r
  ipcctl ls --view creators
  ipcctl ls shm --watch=1s
  ipcctl ls shm --list-columns`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return kinds.CompleteKinds(kinds.All()), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := kinds.Parse(args)
			if err != nil {
				return err
			}
			opts.Kinds = ks
			if runF != nil {
				return runF(opts)
			}
			return lsRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmdutil.AddListingFlags(cmd, &opts.Output)
	fl := cmd.Flags()
	fl.BoolVar(&opts.Mount, "mount", false, "mount the mqueue filesystem on /dev/mqueue first if it is not mounted (root)")
	fl.StringVar(&opts.Filter.Owner, "owner", "", "only objects owned by `USER` (name or uid)")
	fl.StringVar(&opts.Filter.Key, "key", "", "only System V objects with this `KEY`")
	fl.StringVar(&opts.Filter.CreatorPID, "creator-pid", "", "only shared memory segments created by `PID`")
	fl.StringVar(&opts.Filter.OlderThan, "older-than", "", "only objects last changed longer ago than `DURATION` (24h, 7d)")
	cmdutil.AddWatchFlag(cmd, &opts.Watch)
	cmdutil.AddNSFlag(cmd, f)
	fl.BoolVarP(&opts.AllNamespaces, "all-namespaces", "A", false, "list the objects of every IPC namespace on the host, with ns and container columns")
	cmd.MarkFlagsMutuallyExclusive("all-namespaces", "ns")
	kinds.CompleteColumnFlags(cmd, func(args []string) []*kinds.Kind { return kindsOf(args) })
	return cmd
}

// kindsOf is what the kind arguments name, or every kind.
func kindsOf(args []string) []*kinds.Kind {
	ks, err := kinds.Parse(args)
	if err != nil || len(ks) == 0 {
		return kinds.All()
	}
	return ks
}

func lsRun(opts *Options) error {
	f := opts.Factory
	flt, err := opts.Filter.Parse(f.Now())
	if err != nil {
		return err
	}
	named := len(opts.Kinds) > 0
	ks, err := kinds.Narrow(kindsOf(kinds.Names(opts.Kinds)), named, flt.Uses())
	if err != nil {
		return err
	}
	sets := kinds.Sets(ks)
	if opts.AllNamespaces {
		sets = namespaceSets(ks)
	}
	out, err := opts.Output.Resolve(f, sets...)
	if err != nil {
		return err
	}
	if opts.Output.ListColumns {
		return out.PrintCatalogs(f)
	}
	if opts.Mount && containsKind(ks, ipc.KindMq) {
		mounted, err := f.IPC().MqueueEnsureMounted()
		if err != nil {
			return fmt.Errorf("ls --mount: %w", err)
		}
		if mounted {
			fmt.Fprintln(opts.IO.ErrOut, "ipcctl: mounted the mqueue filesystem on /dev/mqueue")
		}
	}
	interval, err := cmdutil.ParseWatch(opts.Watch)
	if err != nil {
		return err
	}
	out.Render.Kinds = len(ks) > 1
	skipped := make([]error, len(ks))
	var denied []error
	look := func() ([]*table.Table, error) {
		if opts.AllNamespaces {
			var tables []*table.Table
			tables, denied, err = lookAllNamespaces(f, ks, out, flt, opts.Output.Reverse)
			return tables, err
		}
		tables := make([]*table.Table, len(ks))
		for i, k := range ks {
			q := kinds.Query{Filter: flt, Columns: out.Columns[i], Sort: out.Sort, Reverse: opts.Output.Reverse}
			tables[i] = table.Later(func() (*table.Table, error) {
				t, err := k.List(f, q)
				// Listing every kind skips what this system lacks; a named kind does not.
				if err != nil && !named && errors.Is(err, errors.ErrUnsupported) {
					skipped[i] = err
					return nil, nil
				}
				if err != nil {
					return nil, fmt.Errorf("ls %s: %w", k.Name, err)
				}
				return t, nil
			})
		}
		return tables, nil
	}
	if interval > 0 {
		return watch.Run(context.Background(), watch.Options{IO: opts.IO, Render: out.Render, Interval: interval,
			Title: fmt.Sprintf("Every %s: ipcctl ls %s", interval, strings.Join(kinds.Names(ks), " ")), Now: f.Now},
			func() ([]*table.Table, error) {
				tables, err := look()
				if err != nil {
					return nil, err
				}
				return table.Build(tables...)
			})
	}
	// The kinds are listed as they are written (see table.Render).
	tables, err := look()
	if err != nil {
		return err
	}
	if err := table.Render(opts.IO.Out, out.Render, tables...); err != nil {
		return err
	}
	var lacking []string
	for i, err := range skipped {
		if err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "ipcctl: ls %s: %s (skipped)\n", ks[i].Name, cmdutil.Message(err))
			lacking = append(lacking, string(ks[i].Name))
		}
	}
	if len(lacking) == len(ks) && len(ks) > 0 {
		return fmt.Errorf("ls %s: %w", strings.Join(lacking, " "), ipc.ErrUnsupported)
	}
	for _, err := range denied {
		fmt.Fprintf(opts.IO.ErrOut, "ipcctl: ls -A: %s\n", cmdutil.Message(err))
	}
	if len(denied) > 0 {
		return &cmdutil.SilentExit{Code: cmdutil.ExitPartial}
	}
	return nil
}

func containsKind(ks []*kinds.Kind, name ipc.Kind) bool {
	for _, k := range ks {
		if k.Name == name {
			return true
		}
	}
	return false
}

// Package show implements `ipcctl show`: every field of one System V object.
package show

import (
	"fmt"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl show`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Kind   ipc.Kind
	ID     int
	Key    *int32 // --key instead of ID
	Output cmdutil.OutputOptions
}

var kinds = []string{string(ipc.KindShm), string(ipc.KindSem), string(ipc.KindMsg)}

// NewCmdShow builds the command; runF replaces showRun in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	var key string
	cmd := &cobra.Command{
		Use:   "show KIND {ID | --key KEY}",
		Short: "Show every field of one System V object",
		Long: `Show every field of one System V shared memory segment (shm), semaphore
set (sem) or message queue (msg), named by id or by --key.

Replaces ipcs -i and lsipc -i. A semaphore set is followed by a table of
its semaphores (value, waiters, last pid); reading them needs read
permission on the set. -o picks fields (default: all of them). Times are
shown in full (2006-01-02 15:04:05) unless --time-format says otherwise.`,
		Example: `  ipcctl show shm 5
  ipcctl show sem --key 0x1234abcd --json
  ipcctl show msg 3 -o qbytes,messages --raw -n`,
		ValidArgs: kinds,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("show: want KIND (shm, sem or msg)")
			}
			switch ipc.Kind(args[0]) {
			case ipc.KindShm, ipc.KindSem, ipc.KindMsg:
			default:
				return cmdutil.FlagErrorf("show: unknown kind %q (valid: shm, sem, msg)", args[0])
			}
			switch {
			case opts.Output.ListColumns:
				return cmdutil.ExactArgs(1, "KIND")(cmd, args)
			case key != "":
				return cmdutil.ExactArgs(1, "KIND with --key, not an id as well")(cmd, args)
			}
			return cmdutil.ExactArgs(2, "KIND and ID (or --key KEY)")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Kind = ipc.Kind(args[0])
			opts.Key = nil
			if key != "" {
				k, err := cmdutil.ParseKey(key)
				if err != nil {
					return err
				}
				if k == 0 {
					return cmdutil.FlagErrorf("invalid key %q: IPC_PRIVATE names no single object", key)
				}
				opts.Key = &k
			}
			if len(args) == 2 {
				id, err := cmdutil.ParseID(args[1])
				if err != nil {
					return err
				}
				opts.ID = id
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmd.Flags().StringVar(&key, "key", "", "the object with this System V `KEY` instead of an id")
	return cmd
}

func showRun(opts *Options) error {
	ropts, err := opts.Output.RenderOptions(opts.Factory)
	if err != nil {
		return err
	}
	names := columns.NewNames()
	if opts.Output.ListColumns {
		var tables []*table.Table
		switch opts.Kind {
		case ipc.KindShm:
			tables = append(tables, columns.Shm(names).Catalog(string(opts.Kind)))
		case ipc.KindSem:
			tables = append(tables, columns.Sem(names).Catalog(string(opts.Kind)), columns.Semaphore().Catalog("semaphores"))
		case ipc.KindMsg:
			tables = append(tables, columns.Msg(names).Catalog(string(opts.Kind)))
		}
		return table.Render(opts.IO.Out, ropts, tables...)
	}
	c := opts.Factory.IPC()
	target := fmt.Sprintf("show %s %d", opts.Kind, opts.ID)
	if opts.Key != nil {
		target = fmt.Sprintf("show %s --key 0x%08x", opts.Kind, uint32(*opts.Key))
		id, err := c.SysvIDByKey(opts.Kind, *opts.Key)
		if err != nil {
			return fmt.Errorf("%s: %w", target, err)
		}
		opts.ID = id
	}
	var rec *table.Record
	switch opts.Kind {
	case ipc.KindShm:
		rec, err = record(c.ShmStat, columns.Shm(names), opts, "Shared Memory Segment")
	case ipc.KindSem:
		rec, err = record(c.SemStat, columns.Sem(names), opts, "Semaphore Array")
	case ipc.KindMsg:
		rec, err = record(c.MsgStat, columns.Msg(names), opts, "Message Queue")
	}
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	return table.RenderRecord(opts.IO.Out, ropts, rec)
}

// record stats the object and evaluates the selected columns over it; a
// semaphore set gets its semaphores as a nested table.
func record[T any](stat func(int) (T, error), cols table.Columns[T], opts *Options, title string) (*table.Record, error) {
	sel, err := cmdutil.SelectColumns(all(cols), opts.Output.Columns)
	if err != nil {
		return nil, err
	}
	obj, err := stat(opts.ID)
	if err != nil {
		return nil, err
	}
	rec := sel.Record(string(opts.Kind), fmt.Sprintf("%s %d", title, opts.ID), obj)
	if sem, ok := any(obj).(ipc.Sem); ok {
		t := columns.Semaphore().Build("semaphores", "Semaphores", sem.Sems)
		t.Absent = sem.Sems == nil && sem.NSems > 0
		rec.Nested = append(rec.Nested, t)
	}
	return rec, nil
}

// all makes every column a default: show's fields are all of them unless -o says otherwise.
func all[T any](cols table.Columns[T]) table.Columns[T] {
	out := make(table.Columns[T], len(cols))
	for i, c := range cols {
		c.Default = true
		out[i] = c
	}
	return out
}

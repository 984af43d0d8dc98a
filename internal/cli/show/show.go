// Package show implements `ipcctl show`: every field of one IPC object.
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
	Name   string // a POSIX kind's /NAME instead of ID
	Key    *int32 // --key instead of ID
	Output cmdutil.OutputOptions
}

var kinds = []string{string(ipc.KindShm), string(ipc.KindSem), string(ipc.KindMsg),
	string(ipc.KindPshm), string(ipc.KindPsem), string(ipc.KindMq)}

// NewCmdShow builds the command; runF replaces showRun in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	var key string
	cmd := &cobra.Command{
		Use:   "show KIND {ID | --key KEY | /NAME}",
		Short: "Show every field of one IPC object",
		Long: `Show every field of one System V shared memory segment (shm), semaphore
set (sem) or message queue (msg), named by id or by --key, or of one
POSIX shared memory object (pshm), named semaphore (psem) or message
queue (mq), named by /NAME. A message queue shows the process registered
with mq_notify and its signal (notify_pid, notify, signo).

Replaces ipcs -i and lsipc -i. A semaphore set is followed by a table of
its semaphores (value, waiters, last pid); reading them needs read
permission on the set. -o picks fields (default: all of them). Times are
shown in full (2006-01-02 15:04:05) unless --time-format says otherwise.`,
		Example: `  ipcctl show shm 5
  ipcctl show sem --key 0x1234abcd --json
  ipcctl show msg 3 -o qbytes,messages --raw -n
  ipcctl show mq /events --json`,
		ValidArgs: kinds,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("show: want KIND (shm, sem, msg, pshm, psem or mq)")
			}
			k := ipc.Kind(args[0])
			if !k.SysV() && !k.Posix() {
				return cmdutil.FlagErrorf("show: unknown kind %q (valid: shm, sem, msg, pshm, psem, mq)", args[0])
			}
			switch {
			case opts.Output.ListColumns:
				return cmdutil.ExactArgs(1, "KIND")(cmd, args)
			case k.Posix() && key != "":
				return cmdutil.FlagErrorf("show %s: POSIX objects have no keys; name it /NAME", k)
			case k.Posix():
				return cmdutil.ExactArgs(2, "KIND and /NAME")(cmd, args)
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
			if len(args) == 2 && opts.Kind.Posix() {
				name, err := cmdutil.ParsePosixName(opts.Kind, args[1])
				if err != nil {
					return err
				}
				opts.Name = name
			} else if len(args) == 2 {
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
		case ipc.KindPshm:
			tables = append(tables, columns.Pshm(names).Catalog(string(opts.Kind)))
		case ipc.KindPsem:
			tables = append(tables, columns.Psem(names).Catalog(string(opts.Kind)))
		case ipc.KindMq:
			tables = append(tables, columns.Mq(names).Catalog(string(opts.Kind)))
		}
		return table.Render(opts.IO.Out, ropts, tables...)
	}
	c := opts.Factory.IPC()
	if opts.Kind.Posix() {
		rec, err := posixRecord(c, names, opts)
		if err != nil {
			return fmt.Errorf("show %s %s: %w", opts.Kind, opts.Name, err)
		}
		return table.RenderRecord(opts.IO.Out, ropts, rec)
	}
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
	title := func(what string) string { return fmt.Sprintf("%s %d", what, opts.ID) }
	switch opts.Kind {
	case ipc.KindShm:
		rec, err = record(func() (ipc.Shm, error) { return c.ShmStat(opts.ID) }, columns.Shm(names), opts, title("Shared Memory Segment"))
	case ipc.KindSem:
		rec, err = record(func() (ipc.Sem, error) { return c.SemStat(opts.ID) }, columns.Sem(names), opts, title("Semaphore Array"))
	case ipc.KindMsg:
		rec, err = record(func() (ipc.Msg, error) { return c.MsgStat(opts.ID) }, columns.Msg(names), opts, title("Message Queue"))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	return table.RenderRecord(opts.IO.Out, ropts, rec)
}

// posixRecord is the record of the POSIX object opts names.
func posixRecord(c *ipc.Client, names *columns.Names, opts *Options) (*table.Record, error) {
	title := func(what string) string { return what + " " + opts.Name }
	switch opts.Kind {
	case ipc.KindPshm:
		return record(func() (ipc.Pshm, error) { return c.PshmStat(opts.Name) }, columns.Pshm(names), opts, title("POSIX Shared Memory"))
	case ipc.KindPsem:
		return record(func() (ipc.Psem, error) { return c.PsemStat(opts.Name) }, columns.Psem(names), opts, title("POSIX Named Semaphore"))
	}
	return record(func() (ipc.Mq, error) { return c.MqStat(opts.Name) }, columns.Mq(names), opts, title("POSIX Message Queue"))
}

// record stats the object and evaluates the selected columns over it; a
// semaphore set gets its semaphores as a nested table.
func record[T any](stat func() (T, error), cols table.Columns[T], opts *Options, title string) (*table.Record, error) {
	sel, err := cmdutil.SelectColumns(all(cols), opts.Output.Columns)
	if err != nil {
		return nil, err
	}
	obj, err := stat()
	if err != nil {
		return nil, err
	}
	rec := sel.Record(string(opts.Kind), title, obj)
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

// Package prune implements `ipcctl prune`: remove orphaned IPC objects
// by explicit rules, each removal re-checked, asking on a terminal.
package prune

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl prune`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Kinds            []string // shm pshm psem mq; none for all four
	OlderThan        string   // --older-than: 7d, 36h, 1w2d, 90m
	Owner            string
	DryRun           bool
	Yes              bool
	Verbose          bool
	IgnoreUnreadable bool
	Output           cmdutil.OutputOptions

	outputChanged bool   // an output flag was given
	beforeRemove  func() // tests: runs between the plan and the removals
}

// NewCmdPrune builds the command; runF replaces pruneRun in tests.
func NewCmdPrune(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "prune [KIND...]",
		Short: "Remove orphaned IPC objects, re-checking each",
		Long: `Remove the IPC objects nobody uses any more (kinds: shm, pshm, psem, mq;
all four when none is given):

  shm   a System V segment that no process has attached (nattch 0) and
        whose creator and last attaching process are both gone. A pid
        of 0 is a process outside this pid namespace: not gone. A
        segment never attached has no last process.
  pshm, psem, mq
        a POSIX shared memory object, named semaphore or message queue
        that no process maps or holds a descriptor on (read from
        /proc/PID/maps and /proc/PID/fd, matched by device and inode).

System V semaphore sets and message queues have no attach count and
are never pruned. --older-than keeps what was used more recently (the
used column: a segment's newest of ctime, attach and detach; a queue's
mtime, set by sends and receives; a POSIX shared memory object's or
semaphore's mtime or ctime, not its atime, which listing them moves);
--owner keeps other users' objects.

--dry-run lists what would go and why (the reason column), in any
output format, and changes nothing. On a terminal prune shows the list
and asks; without one it needs --yes. With --yes, an output flag prints
the objects removed.

Right before each removal prune checks the object is still the one it
listed and still an orphan: a System V segment by IPC_STAT of its id
(key, ctime, creator, last pid, nattch) just before IPC_RMID, a POSIX
object by fstatat in its directory (device, inode, ctime) just before
unlinkat there. An id or name taken by a new object in between, or an
object attached, mapped or opened since, is kept and named on stderr.

When some processes cannot be read (another user's, without root),
any of them might hold a POSIX object: those are then kept, unless
--ignore-unreadable.`,
		Example: `  ipcctl prune --dry-run
  ipcctl prune shm --older-than 7d --owner postgres --dry-run --json
  ipcctl prune --older-than 1d --yes -v
  ipcctl prune pshm psem --yes --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Kinds = args
			opts.outputChanged = cmdutil.OutputFlagChanged(cmd)
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.OlderThan, "older-than", "", "only objects unused for longer than `AGE` (7d, 36h, 1w2d, 90m)")
	fl.StringVar(&opts.Owner, "owner", "", "only objects owned by `USER` (name or uid)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "list what would be removed and why, and change nothing")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation (needed without a terminal)")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "name each removal on stderr")
	fl.BoolVar(&opts.IgnoreUnreadable, "ignore-unreadable", false, "prune POSIX objects even if some processes cannot be read")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmdutil.AddNSFlag(cmd, f)
	return cmd
}

func pruneRun(opts *Options) error {
	// Everything the command line says is checked before any work.
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "prune", Columns(columns.NewNames()))
	if done || err != nil {
		return err
	}
	popts, err := parseOptions(opts)
	if err != nil {
		return err
	}
	interactive := !opts.DryRun && !opts.Yes
	if interactive && !cmdutil.CanPrompt(opts.IO) {
		return cmdutil.FlagErrorf("prune needs --yes when not run from a terminal (--dry-run shows what would go)")
	}
	c := opts.Factory.IPC()
	plan, err := c.PrunePlan(popts)
	if err != nil {
		return fmt.Errorf("prune: %w", err)
	}
	if plan.POSIXHeldBack {
		fmt.Fprintf(opts.IO.ErrOut, "ipcctl: prune: %s: POSIX objects are kept, since any of "+
			"them might hold one (run as root, or --ignore-unreadable)\n", unreadable(plan.Unreadable))
	}
	render := func(cands []ipc.PruneCandidate, title string) error {
		return table.Render(opts.IO.Out, ropts, cols.Build("prune", title, cands))
	}
	if opts.DryRun {
		return render(plan.Candidates, "Would remove")
	}
	if len(plan.Candidates) == 0 {
		if interactive {
			fmt.Fprintln(opts.IO.ErrOut, "Nothing to prune.")
		}
		return nil
	}
	if interactive {
		if err := render(plan.Candidates, "Orphans"); err != nil {
			return err
		}
		ok, err := cmdutil.Confirm(opts.IO, fmt.Sprintf("Remove %s?", cmdutil.Plural(len(plan.Candidates), "object")))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(opts.IO.ErrOut, "Nothing removed.")
			return cmdutil.ErrSilent
		}
	}
	if opts.beforeRemove != nil {
		opts.beforeRemove()
	}
	var removed []ipc.PruneCandidate
	var failed []error
	err = c.Prune(plan, func(p ipc.PruneCandidate, err error) {
		label := fmt.Sprintf("%s %s", p.Kind, table.Safe(p.Object()))
		switch {
		case err == nil:
			removed = append(removed, p)
			if opts.Verbose {
				fmt.Fprintf(opts.IO.ErrOut, "removed %s\n", label)
			}
		case errors.Is(err, ipc.ErrChanged):
			// Not an orphan any more, or not the same object: kept, as asked.
			fmt.Fprintf(opts.IO.ErrOut, "kept %s: %s\n", label, cmdutil.Message(err))
		default:
			err = fmt.Errorf("prune %s: %w", label, err)
			failed = append(failed, err)
			fmt.Fprintf(opts.IO.ErrOut, "ipcctl: %s\n", cmdutil.Message(err))
		}
	})
	if err != nil {
		return fmt.Errorf("prune: %w", err)
	}
	if opts.outputChanged {
		if err := render(removed, "Removed"); err != nil {
			return err
		}
	}
	return outcome(failed, len(plan.Candidates))
}

// outcome is the exit status of the removals: failures were named on
// stderr as they came; one reason for all gives that reason's code.
func outcome(failed []error, total int) error {
	switch {
	case len(failed) == 0:
		return nil
	case len(failed) < total:
		return &cmdutil.PartialError{Failed: len(failed), Total: total}
	}
	code := cmdutil.ExitCode(failed[0])
	for _, err := range failed[1:] {
		if cmdutil.ExitCode(err) != code {
			return &cmdutil.SilentExit{Code: cmdutil.ExitError}
		}
	}
	return &cmdutil.SilentExit{Code: code}
}

// unreadable says which processes could not be read, the first few by pid.
func unreadable(pids []int) string {
	var s []string
	for i, p := range pids {
		if i == 5 {
			s = append(s, "...")
			break
		}
		s = append(s, strconv.Itoa(p))
	}
	if len(pids) == 1 {
		return "process " + s[0] + " could not be read"
	}
	return fmt.Sprintf("%d processes could not be read (pid %s)", len(pids), strings.Join(s, ", "))
}

// parseOptions checks kinds, --older-than and --owner.
func parseOptions(opts *Options) (ipc.PruneOptions, error) {
	var o ipc.PruneOptions
	for _, a := range opts.Kinds {
		k := ipc.Kind(a)
		switch {
		case k == ipc.KindSem || k == ipc.KindMsg:
			return o, cmdutil.FlagErrorf("prune %s: System V %s objects have no attach count, so no orphan can be told; use rm", a, a)
		case !slices.Contains(ipc.PruneKinds, k):
			return o, cmdutil.FlagErrorf("unknown kind %q (valid: shm, pshm, psem, mq)", a)
		case !slices.Contains(o.Kinds, k):
			o.Kinds = append(o.Kinds, k)
		}
	}
	if opts.OlderThan != "" {
		d, err := cmdutil.ParseAge(opts.OlderThan)
		if err != nil {
			return o, err
		}
		o.OlderThan = d
	}
	if opts.Owner != "" {
		uid, err := cmdutil.ParseUID(opts.Owner)
		if err != nil {
			return o, err
		}
		o.Owner = &uid
	}
	o.Now = opts.Factory.Now()
	o.IgnoreUnreadable = opts.IgnoreUnreadable
	return o, nil
}

package semop

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

const posixHelp = `For POSIX named semaphore /NAME (glibc's /dev/shm/sem.NAME, shared
with C programs that use sem_open) give one verb:

  wait      decrement, blocking while the value is 0 (sem_wait); --timeout
            bounds it (exit 6); SIGINT or SIGTERM ends it with exit 130 or
            143, and the semaphore's count of waiters is as it was
  trywait   decrement, or exit 6 at once when the value is 0 (sem_trywait)
  post      increment and wake a waiter (sem_post); --count N posts N
            times, refused whole if it would pass SEM_VALUE_MAX (2147483647)
  get       print the value and the number of waiters, with the output flags

A file of the wrong size or layout is refused, never mapped.`

const posixExample = `  ipcctl sem-op /jobs wait --timeout 30s
  ipcctl sem-op /jobs post --count 3
  ipcctl sem-op /jobs get --json`

// posixOnlyFlags are flags that name nothing on a System V set.
var posixOnlyFlags = []string{"count"}

// sysvOnlyFlags are flags that name nothing on a POSIX semaphore.
var sysvOnlyFlags = []string{"undo", "nowait", "set", "set-all", "get"}

func addPosixFlags(cmd *cobra.Command, opts *Options) {
	cmd.Flags().IntVar(&opts.Count, "count", 1, "POSIX post: post `N` times")
}

// refusePosixFlags fails on a POSIX-only flag given for a System V set.
func refusePosixFlags(cmd *cobra.Command) error {
	for _, name := range posixOnlyFlags {
		if cmd.Flags().Changed(name) {
			return cmdutil.FlagErrorf("sem-op: --%s is for POSIX semaphores (sem-op /NAME post --count N)", name)
		}
	}
	return nil
}

// parsePosix fills opts for `sem-op /NAME VERB` and checks its flags.
func (o *Options) parsePosix(cmd *cobra.Command, name string) error {
	if _, err := cmdutil.ParsePosixName(ipc.KindPsem, name); err != nil {
		return err
	}
	o.Name = name
	if len(o.Args) != 1 {
		return cmdutil.FlagErrorf("sem-op %s: want one of wait, trywait, post, get; got %d argument(s)", name, len(o.Args))
	}
	o.Verb = o.Args[0]
	switch o.Verb {
	case "wait", "trywait", "post", "get":
	default:
		return cmdutil.FlagErrorf("sem-op %s: unknown operation %q: want wait, trywait, post or get", name, o.Verb)
	}
	for _, f := range sysvOnlyFlags {
		if cmd.Flags().Changed(f) {
			return cmdutil.FlagErrorf("sem-op: --%s is for System V semaphore sets; a POSIX semaphore takes wait, trywait, post or get", f)
		}
	}
	fl := cmd.Flags()
	switch {
	case fl.Changed("timeout") && o.Verb != "wait":
		return cmdutil.FlagErrorf("sem-op: --timeout goes with wait")
	case fl.Changed("timeout") && o.Timeout <= 0:
		return cmdutil.FlagErrorf("sem-op: --timeout must be positive")
	case fl.Changed("count") && o.Verb != "post":
		return cmdutil.FlagErrorf("sem-op: --count goes with post")
	case o.Count < 1 || o.Count > ipc.SemValueMax:
		return cmdutil.FlagErrorf("sem-op: invalid --count %d: want 1 to %d", o.Count, ipc.SemValueMax)
	}
	if o.Verb != "get" {
		return refuseOutputFlags(cmd, "get")
	}
	return nil
}

func posixRun(opts *Options) error {
	var err error
	if opts.Verb == "get" {
		err = posixGet(opts)
	} else {
		err = posixOp(opts)
	}
	if err != nil {
		// pkg/ipc's errors name the operation and the semaphore already.
		return fmt.Errorf("sem-op: %w", err)
	}
	return nil
}

// posixOp does wait, trywait or post on the mapped semaphore.
func posixOp(opts *Options) error {
	s, err := opts.Factory.IPC().PsemOpen(opts.Name)
	if err != nil {
		return err
	}
	defer s.Close()
	switch opts.Verb {
	case "wait":
		timeout := ipc.Forever
		if opts.Timeout > 0 {
			timeout = opts.Timeout
		}
		return waitInterruptible(s, timeout)
	case "trywait":
		return s.TryWait()
	}
	// One atomic add: refused whole, never half done, even when another
	// process posts at the same time.
	return s.PostN(uint32(opts.Count))
}

// waitInterruptible waits until the semaphore is taken, the timeout
// passes, or SIGINT or SIGTERM comes. A signal ends the wait cleanly
// (this process leaves the semaphore's waiter count) and the exit status
// is 128 plus its number, as a shell reports a process a signal ended.
func waitInterruptible(s *ipc.PosixSem, timeout time.Duration) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	go func() {
		select {
		case sig := <-sigs:
			cancel(&interrupted{sig.(syscall.Signal)})
		case <-ctx.Done():
		}
	}()
	err := s.WaitContext(ctx, timeout)
	var intr *interrupted
	if errors.As(err, &intr) {
		return &cmdutil.SilentExit{Code: 128 + int(intr.sig)}
	}
	return err
}

// interrupted is the cause of a wait a signal ended.
type interrupted struct{ sig syscall.Signal }

func (e *interrupted) Error() string { return "interrupted by " + unix.SignalName(e.sig) }

// posixGet prints the semaphore's row through the psem columns of ls.
func posixGet(opts *Options) error {
	ropts, err := opts.Output.RenderOptions(opts.Factory)
	if err != nil {
		return err
	}
	cols, err := cmdutil.SelectColumns(columns.Psem(columns.NewNames()), opts.Output.Columns)
	if err != nil {
		return err
	}
	if opts.Output.ListColumns {
		return table.Render(opts.IO.Out, ropts, cols.Catalog("semaphores"))
	}
	p, err := opts.Factory.IPC().PsemStat(opts.Name)
	if err != nil {
		return err
	}
	switch p.Status {
	case ipc.PsemInvalid:
		return fmt.Errorf("semaphore %s is invalid: %s", opts.Name, p.Reason)
	case ipc.PsemUnreadable:
		return fmt.Errorf("cannot read the semaphore (%s): %w", p.Reason, fs.ErrPermission)
	}
	return table.Render(opts.IO.Out, ropts, cols.Build("semaphores", "POSIX Named Semaphore "+opts.Name, []ipc.Psem{p}))
}

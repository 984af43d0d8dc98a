// Package semop implements `ipcctl sem-op`: operate on a System V
// semaphore set by id (semop, SETVAL, SETALL, GETALL). A first argument
// starting with "/" names a POSIX named semaphore (posix.go).
package semop

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl sem-op`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	ID   int    // System V set id
	Name string // POSIX semaphore name ("/NAME"); empty for System V
	Args []string

	Ops     []ipc.SemBuf
	Undo    bool
	NoWait  bool
	Timeout time.Duration
	Set     []SemValue // --set N=V, in order
	SetAll  []int      // --set-all
	Get     bool
	Output  cmdutil.OutputOptions

	// POSIX only.
	Verb  string // wait, trywait, post or get
	Count int    // post --count
}

// SemValue is one --set N=V.
type SemValue struct{ Num, Value int }

// NewCmdSemOp builds the command; runF replaces semOpRun in tests.
func NewCmdSemOp(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	var set []string
	var setAll string
	cmd := &cobra.Command{
		Use:   "sem-op ID [OP...] | /NAME wait|trywait|post|get",
		Short: "Operate on a semaphore: System V semop, set and get values; POSIX wait and post",
		Long: `Operate on System V semaphore set ID, or on POSIX named semaphore /NAME.

Each OP is N:+K (add K to semaphore N), N:-K (wait until K can be
subtracted, then subtract it) or N:0 (wait until semaphore N is zero);
all OPs are applied atomically in one semop(2): all of them or none.
K is 1 to 32767.

--set N=V sets one semaphore (SETVAL; repeat for several), --set-all
sets every one at once (SETALL), --get prints each semaphore's value,
waiters and last pid after any change. Semaphore numbers and values are
checked against the set before anything is applied.

A signal that interrupts a wait does not end it; --timeout bounds it.

` + posixHelp,
		Example: `  ipcctl sem-op 7 0:-1            # P / wait
  ipcctl sem-op 7 0:+1            # V / post
  ipcctl sem-op 7 0:-1 1:+1 --undo
  ipcctl sem-op 7 0:-1 --timeout 5s
  ipcctl sem-op 7 --set 0=1 --set 1=0
  ipcctl sem-op 7 --set-all 1,0,3 --get --json
` + posixExample,
		Args: cmdutil.MinimumArgs(1, "a semaphore set id or a POSIX semaphore name"),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return complete(f, args, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args[1:]
			if strings.HasPrefix(args[0], "/") {
				if err := opts.parsePosix(cmd, args[0]); err != nil {
					return err
				}
			} else {
				id, err := cmdutil.ParseID(args[0])
				if err != nil {
					return err
				}
				opts.ID = id
				if opts.Ops, err = ParseOps(args[1:]); err != nil {
					return err
				}
				if opts.Set, err = parseSet(set); err != nil {
					return err
				}
				if setAll != "" {
					if opts.SetAll, err = parseSetAll(setAll); err != nil {
						return err
					}
				}
				if err := opts.validate(cmd); err != nil {
					return err
				}
				if err := refusePosixFlags(cmd); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return semOpRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Undo, "undo", false, "undo the operations when ipcctl exits (SEM_UNDO)")
	fl.BoolVar(&opts.NoWait, "nowait", false, "fail with exit 6 instead of waiting (IPC_NOWAIT)")
	cmdutil.DurationVar(fl, &opts.Timeout, "timeout", 0, "give up waiting after `DURATION` (semtimedop, POSIX wait), exit 6")
	fl.StringArrayVar(&set, "set", nil, "set semaphore N to V (SETVAL), `N=V`; repeatable")
	fl.StringVar(&setAll, "set-all", "", "set every semaphore (SETALL), `V1,V2,...`")
	fl.BoolVar(&opts.Get, "get", false, "print every semaphore: value, ncnt, zcnt, pid")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmd.MarkFlagsMutuallyExclusive("nowait", "timeout")
	cmd.MarkFlagsMutuallyExclusive("set", "set-all")
	addPosixFlags(cmd, opts)
	_ = cmd.RegisterFlagCompletionFunc("set", func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return semaphoreNumbers(f, args, "=")
	})
	cmdutil.AddNSFlag(cmd, f)
	return cmd
}

// validate checks what can be checked without the set.
func (o *Options) validate(cmd *cobra.Command) error {
	changes := 0
	for _, b := range []bool{len(o.Ops) > 0, len(o.Set) > 0, len(o.SetAll) > 0} {
		if b {
			changes++
		}
	}
	switch {
	case changes == 0 && !o.Get:
		return cmdutil.FlagErrorf("sem-op: nothing to do: give operations, --set, --set-all or --get")
	case changes > 1:
		return cmdutil.FlagErrorf("sem-op: give operations, --set or --set-all, one at a time")
	case cmd.Flags().Changed("timeout") && o.Timeout <= 0:
		return cmdutil.FlagErrorf("sem-op: --timeout must be positive")
	case len(o.Ops) == 0 && (o.Undo || o.NoWait || o.Timeout > 0):
		return cmdutil.FlagErrorf("sem-op: --undo, --nowait and --timeout go with operations")
	}
	if !o.Get {
		return refuseOutputFlags(cmd, "--get")
	}
	return nil
}

// outputFlags are the flags of cmdutil.AddOutputFlags.
var outputFlags = []string{"output", "json", "raw", "export", "noheadings", "bytes", "numeric-perms", "time-format", "list-columns"}

// refuseOutputFlags fails when an output flag is given without what prints.
func refuseOutputFlags(cmd *cobra.Command, printer string) error {
	for _, name := range outputFlags {
		if cmd.Flags().Changed(name) {
			return cmdutil.FlagErrorf("sem-op: --%s goes with %s", name, printer)
		}
	}
	return nil
}

// ParseOps parses N:+K, N:-K and N:0.
func ParseOps(args []string) ([]ipc.SemBuf, error) {
	var ops []ipc.SemBuf
	for _, a := range args {
		n, k, ok := strings.Cut(a, ":")
		num, err := strconv.ParseUint(n, 10, 16)
		if !ok || err != nil {
			return nil, cmdutil.FlagErrorf("invalid operation %q: want N:+K, N:-K or N:0 with N a semaphore number", a)
		}
		var op int64
		if k != "0" {
			if len(k) < 2 || (k[0] != '+' && k[0] != '-') {
				return nil, cmdutil.FlagErrorf("invalid operation %q: want N:+K, N:-K or N:0", a)
			}
			v, err := strconv.ParseUint(k[1:], 10, 64)
			if err != nil || v == 0 || v > ipc.SemVMX {
				return nil, cmdutil.FlagErrorf("invalid operation %q: K must be 1 to %d", a, ipc.SemVMX)
			}
			op = int64(v)
			if k[0] == '-' {
				op = -op
			}
		}
		ops = append(ops, ipc.SemBuf{Num: uint16(num), Op: int16(op)})
	}
	return ops, nil
}

func parseValue(s, what string) (int, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || v > ipc.SemVMX {
		return 0, cmdutil.FlagErrorf("invalid %s %q: want 0 to %d (SEMVMX)", what, s, ipc.SemVMX)
	}
	return int(v), nil
}

func parseSet(specs []string) ([]SemValue, error) {
	var out []SemValue
	for _, s := range specs {
		n, v, ok := strings.Cut(s, "=")
		num, err := strconv.ParseUint(n, 10, 16)
		if !ok || err != nil {
			return nil, cmdutil.FlagErrorf("invalid --set %q: want N=V", s)
		}
		val, err := parseValue(v, "value in --set "+s)
		if err != nil {
			return nil, err
		}
		out = append(out, SemValue{Num: int(num), Value: val})
	}
	return out, nil
}

func parseSetAll(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := parseValue(f, "value in --set-all")
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func semOpRun(opts *Options) error {
	if opts.Name != "" {
		return posixRun(opts)
	}
	if err := sysvRun(opts); err != nil {
		if errors.Is(err, errclass.Usage) {
			// Refused for what was asked (too many operations), before any change.
			err = cmdutil.FlagErrorWrap(err)
		}
		return fmt.Errorf("sem-op sem %d: %w", opts.ID, err)
	}
	return nil
}

func sysvRun(opts *Options) error {
	c := opts.Factory.IPC()
	var ropts table.Options
	var cols table.Columns[ipc.Semaphore]
	if opts.Get {
		var err error
		if ropts, err = opts.Output.RenderOptions(opts.Factory); err != nil {
			return err
		}
		if cols, err = cmdutil.SelectColumns(columns.Semaphore(), opts.Output.Columns); err != nil {
			return err
		}
		if opts.Output.ListColumns {
			return table.Render(opts.IO.Out, ropts, cols.Catalog("semaphores"))
		}
	}
	nsems, err := c.SemNsems(opts.ID)
	if err != nil {
		return err
	}
	inRange := func(num int) error {
		if num >= nsems {
			return cmdutil.FlagErrorf("semaphore %d out of range: the set has %s (0..%d); nothing applied", num, cmdutil.Plural(nsems, "semaphore"), nsems-1)
		}
		return nil
	}
	switch {
	case len(opts.Ops) > 0:
		for _, op := range opts.Ops {
			if err := inRange(int(op.Num)); err != nil {
				return err
			}
		}
		var flags ipc.SemOpFlags
		if opts.Undo {
			flags |= ipc.SemUndo
		}
		if opts.NoWait {
			flags |= ipc.SemNoWait
		}
		if err := c.SemOp(opts.ID, opts.Ops, flags, opts.Timeout); err != nil {
			return err
		}
	case len(opts.Set) > 0:
		for _, s := range opts.Set {
			if err := inRange(s.Num); err != nil {
				return err
			}
		}
		for _, s := range opts.Set {
			if err := c.SemSetVal(opts.ID, s.Num, s.Value); err != nil {
				return fmt.Errorf("set semaphore %d: %w", s.Num, err)
			}
		}
	case len(opts.SetAll) > 0:
		if len(opts.SetAll) != nsems {
			return cmdutil.FlagErrorf("--set-all has %s for a set of %s; nothing applied", cmdutil.Plural(len(opts.SetAll), "value"), cmdutil.Plural(nsems, "semaphore"))
		}
		if err := c.SemSetAll(opts.ID, opts.SetAll); err != nil {
			return err
		}
	}
	if !opts.Get {
		return nil
	}
	sems, err := ipc.SemValues(opts.ID, nsems)
	if err != nil {
		return err
	}
	return table.Render(opts.IO.Out, ropts, cols.Build("semaphores", fmt.Sprintf("Semaphores of set %d", opts.ID), sems))
}

// complete offers what sem-op takes at each place: the live semaphore
// sets (and, after "/", the POSIX semaphores); then the set's semaphore
// numbers as N: with each one's value, or a POSIX semaphore's verbs.
func complete(f *cmdutil.Factory, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		k := kinds.MustGet(ipc.KindSem)
		if strings.HasPrefix(toComplete, "/") {
			k = kinds.MustGet(ipc.KindPsem)
		}
		return kinds.CompleteTargets(f, k, toComplete)
	}
	if strings.HasPrefix(args[0], "/") {
		if len(args) > 1 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return []cobra.Completion{"wait", "trywait", "post", "get"}, cobra.ShellCompDirectiveNoFileComp
	}
	return semaphoreNumbers(f, args, ":")
}

// semaphoreNumbers offers N<sep> for each semaphore of the set args[0],
// with its value and waiters.
func semaphoreNumbers(f *cmdutil.Factory, args []string, sep string) ([]cobra.Completion, cobra.ShellCompDirective) {
	none := cobra.ShellCompDirectiveNoFileComp
	if len(args) == 0 {
		return nil, none
	}
	id, err := cmdutil.ParseID(args[0])
	if err != nil {
		return nil, none
	}
	s, err := f.IPC().SemStat(id)
	if err != nil {
		return nil, none
	}
	var out []cobra.Completion
	for n := 0; n < int(s.NSems); n++ {
		desc := "semaphore " + strconv.Itoa(n)
		if n < len(s.Sems) {
			desc = fmt.Sprintf("value %d, %d waiting to decrease, %d for zero", s.Sems[n].Value, s.Sems[n].NCnt, s.Sems[n].ZCnt)
		}
		out = append(out, cobra.CompletionWithDesc(strconv.Itoa(n)+sep, desc))
	}
	return out, none | cobra.ShellCompDirectiveNoSpace
}

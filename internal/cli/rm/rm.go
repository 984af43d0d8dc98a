// Package rm implements `ipcctl rm`: remove IPC objects named by id, key
// or name, or every object of some kinds that passes filters.
//
// Removal never reaches beyond what was named: `rm --all` with no kind
// means the System V kinds only, and each object is re-checked right
// before it goes (see kinds.Kind.Remove), or, with --yes, read and
// matched right before it goes (kinds.Kind.RemoveSelected).
package rm

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl rm`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Args   []string // KIND ID... or, with --all or a filter, KIND...
	Keys   []string // --key, with one kind
	All    bool
	Filter kinds.FilterFlags // --owner, --older-than, --orphaned

	DryRun  bool
	Force   bool
	Verbose bool
	Yes     bool
	Output  cmdutil.OutputOptions

	outputChanged bool   // an output flag was given (only --dry-run prints a table)
	beforeRemove  func() // tests: runs between the plan and the removals
	// tests: runs after each selected object's removal (or its failure),
	// before the next object is read
	afterEach func(k *kinds.Kind, t kinds.Target)
}

// NewCmdRm builds the command; runF replaces rmRun in tests.
func NewCmdRm(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "rm KIND ID|NAME... | rm KIND --key KEY... | rm --all [KIND...]",
		Short: "Remove IPC objects",
		Long: fmt.Sprintf(`Remove IPC objects (kinds: %s). Replaces ipcrm.

Objects are named by id, by --key, or by /NAME for the POSIX kinds; or
selected with --all and the filters --owner, --orphaned and --older-than
(7d, 24h), which imply --all. --all with no kind means the System V kinds
(shm, sem, msg) only. --all pshm, psem or mq removes only objects of that
kind: never a directory, a symlink or a file of another kind.

Safety: every argument is checked before anything is removed. Each object
is checked again right before it goes: one named by key must still have
that key, one selected from the listing must still be the object listed
(ids and names are reused), and a segment marked for removal is left to
go by itself. A selection (--all or a filter) shows what it would remove
and asks on a terminal unless --yes; without a terminal it needs --yes
or --dry-run. With --yes nothing is listed first: each System V object
is read right before it goes, and removed only if it passes the filters
then, index by index as ipcrm -a does (so one made while rm runs goes
too if it passes them). Objects named one by one are removed without
asking.
A shared memory segment still attached is marked for removal (it goes
at the last detach): rm says so.

With several targets, each failure is named on stderr and the rest are
still removed; the exit status is 8 when some failed and some did not,
and the failures' own status when all failed for one reason. --dry-run
prints what would go (with the columns and output flags of ls) and
changes nothing.`, kinds.Valid(kinds.All())),
		Example: `  ipcctl rm shm 32769 32770
  ipcctl rm sem --key 0x1234
  ipcctl rm shm --orphaned --dry-run
  ipcctl rm pshm /cache /scratch
  ipcctl rm --all mq --owner build --dry-run
  ipcctl rm --all --owner build --older-than 7d --yes`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 0 || opts.All {
				return kinds.CompleteKinds(kinds.All()), cobra.ShellCompDirectiveNoFileComp
			}
			k, err := kinds.Lookup(args[0])
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return kinds.CompleteTargets(f, k, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			opts.outputChanged = cmdutil.OutputFlagChanged(cmd)
			if runF != nil {
				return runF(opts)
			}
			return rmRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Keys, "key", nil, "remove the object with this `KEY` (repeatable)")
	fl.BoolVarP(&opts.All, "all", "a", false, "remove every object of the kinds given (default shm, sem, msg)")
	fl.StringVar(&opts.Filter.Owner, "owner", "", "only objects owned by `USER` (name or uid); implies --all")
	fl.BoolVar(&opts.Filter.Orphaned, "orphaned", false, "only shm segments nobody has attached whose creator and last user are gone; implies --all")
	fl.StringVar(&opts.Filter.OlderThan, "older-than", "", "only objects last changed longer ago than `DURATION` (24h, 7d); implies --all")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print what would be removed and change nothing")
	fl.BoolVarP(&opts.Force, "force", "f", false, "an object that does not exist is not an error")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "name each removal on stderr")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmdutil.AddListingFlags(cmd, &opts.Output)
	cmdutil.AddNSFlag(cmd, f)
	kinds.CompleteColumnFlags(cmd, func(args []string) []*kinds.Kind {
		if ks, err := kinds.Parse(args); err == nil && len(ks) > 0 {
			return ks
		}
		return kinds.Of(kinds.SysV)
	})
	return cmd
}

// plan is everything rm will do, worked out before it changes anything.
type plan struct {
	kinds   []*kinds.Kind
	targets [][]kinds.Target // per kind
	total   int
	out     *cmdutil.Output
	// inOnePass: a selection nobody is shown (--yes, no --dry-run) is not
	// listed beforehand: each object is read, matched against flt and
	// removed in one step (see removeInOnePass); targets stay empty.
	inOnePass bool
	flt       kinds.Filter
}

func rmRun(opts *Options) error {
	p, err := makePlan(opts)
	if err != nil || p == nil {
		return err
	}
	if opts.DryRun {
		if err := show(opts.IO.Out, opts, p, p.out.Render); err != nil {
			return err
		}
		fmt.Fprintf(opts.IO.ErrOut, "ipcctl: dry run: %s would be removed; nothing was changed\n", cmdutil.Plural(p.total, "object"))
		return nil
	}
	if p.inOnePass {
		return removeInOnePass(opts, p)
	}
	if p.total == 0 {
		return nil
	}
	if ok, err := confirm(opts, p); err != nil || !ok {
		return err
	}
	if opts.beforeRemove != nil {
		opts.beforeRemove()
	}
	return finish(opts, p.kinds, eachKind(p.kinds, func(i int, k *kinds.Kind, res *kindResult) {
		for _, t := range p.targets[i] {
			note, err := k.Remove(opts.Factory, t)
			res.add(opts, k, t, note, err)
		}
	}))
}

// eachKind runs remove for every kind at once, one goroutine each, and
// returns what each did, in kind order: the kinds' kernel id tables have
// locks of their own, so removing thousands of objects uses every core.
func eachKind(ks []*kinds.Kind, remove func(i int, k *kinds.Kind, res *kindResult)) []kindResult {
	results := make([]kindResult, len(ks))
	var wg sync.WaitGroup
	for i, k := range ks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			remove(i, k, &results[i])
		}()
	}
	wg.Wait()
	return results
}

// removeInOnePass removes a selection nobody is shown (--yes) as `ipcrm
// -a` does: each object is read right before its removal and removed only
// if what was read passes the filters (kinds.Kind.RemoveSelected), so the
// read is the listing and the identity check at once, and the check comes
// as close to the removal as RemoveIfSame's. A kind without such a pass
// here is listed, then each object removed with the usual re-check.
func removeInOnePass(opts *Options, p *plan) error {
	f := opts.Factory
	return finish(opts, p.kinds, eachKind(p.kinds, func(_ int, k *kinds.Kind, res *kindResult) {
		handled, err := k.RemoveSelected(f, &p.flt, func(t kinds.Target, note string, err error) {
			res.add(opts, k, t, note, err)
		})
		if handled || err != nil {
			res.err = err
			return
		}
		ts, err := k.Targets(f, &p.flt, false)
		if err != nil {
			res.err = err
			return
		}
		for _, t := range ts {
			note, err := k.Remove(f, t)
			res.add(opts, k, t, note, err)
		}
	}))
}

// finish prints what the removals of each kind said, in kind order, and
// returns the command's outcome.
func finish(opts *Options, ks []*kinds.Kind, results []kindResult) error {
	total := 0
	for _, r := range results {
		total += r.selected
	}
	var failed []error
	var listErr error
	for i, r := range results {
		opts.IO.ErrOut.Write(r.log(opts, ks[i], total))
		failed = append(failed, r.failed...)
		if r.err != nil && listErr == nil {
			listErr = fmt.Errorf("rm %s: %w", ks[i].Name, r.err)
		}
	}
	if listErr != nil {
		return listErr
	}
	return outcome(failed, total)
}

// outcome is the exit of a removal of total objects of which failed
// failed: the error itself for one object; for several, 8 (partial) when
// some went, else the failures' own status when they agree, else 1. The
// failures are already on stderr.
func outcome(failed []error, total int) error {
	switch {
	case len(failed) == 0:
		return nil
	case total == 1:
		return failed[0]
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

// kindResult is what removing one kind's targets did.
type kindResult struct {
	selected int     // targets tried: removed, kept, gone or failed
	events   []event // what is said on stderr, in order
	failed   []error // the failures, as said
	err      error   // listing the kind failed (what was tried is above)
}

// event is one target's line(s) on stderr: a removal (-v) and its note, a
// target kept because it changed, or a failure.
type event struct {
	t    kinds.Target
	note string
	err  error // a failure, or ErrChanged when kept
}

// add records what removing t did. Failures are said once the number of
// targets is known, which decides whether they are named one by one.
func (r *kindResult) add(opts *Options, k *kinds.Kind, t kinds.Target, note string, err error) {
	r.selected++
	switch {
	case err == nil:
		if opts.Verbose || note != "" {
			r.events = append(r.events, event{t: t, note: note})
		}
	case errors.Is(err, ipc.ErrChanged) && selecting(opts):
		// Its id or name now names another object (or it changed
		// owner since): not the one selected. Kept, and said so, as
		// prune says it.
		r.events = append(r.events, event{t: t, err: err})
	case isNotFound(err) && (opts.Force || selecting(opts)):
		// Gone already: --force asked for that, and a selection
		// only covers objects that still exist.
	default:
		err = fmt.Errorf("rm %s %s: %w", k.Name, t.Label, err)
		r.failed = append(r.failed, err)
		r.events = append(r.events, event{t: t, err: err})
	}
	if opts.afterEach != nil {
		opts.afterEach(k, t)
	}
}

// log is what the removals of kind k say on stderr; total is the number of
// targets of the whole command: with one, its failure is the exit's message.
func (r *kindResult) log(opts *Options, k *kinds.Kind, total int) []byte {
	var b []byte
	for _, e := range r.events {
		switch {
		case e.err == nil:
			if opts.Verbose {
				b = fmt.Appendf(b, "removed %s %s%s\n", k.Name, table.Safe(e.t.Label), keySuffix(e.t))
			}
			if e.note != "" {
				b = fmt.Appendf(b, "ipcctl: %s %s: %s\n", k.Name, table.Safe(e.t.Label), e.note)
			}
		case errors.Is(e.err, ipc.ErrChanged) && selecting(opts):
			b = fmt.Appendf(b, "kept %s %s: %s\n", k.Name, table.Safe(e.t.Label), cmdutil.Message(e.err))
		case total > 1:
			b = fmt.Appendf(b, "ipcctl: %s\n", cmdutil.Message(e.err))
		}
	}
	return b
}

func isNotFound(err error) bool { return cmdutil.ExitCode(err) == cmdutil.ExitNotFound }

func keySuffix(t kinds.Target) string {
	if t.Key == nil {
		return ""
	}
	return " (" + kinds.KeyLabel(*t.Key) + ")"
}

// selecting reports whether objects are selected (--all or a filter) rather than named.
func selecting(opts *Options) bool {
	return opts.All || opts.Filter.Owner != "" || opts.Filter.Orphaned || opts.Filter.OlderThan != ""
}

// makePlan checks every argument and resolves the targets. It changes
// nothing. A nil plan means there is nothing more to do (--list-columns).
func makePlan(opts *Options) (*plan, error) {
	if opts.outputChanged && !opts.DryRun && !opts.Output.ListColumns {
		return nil, cmdutil.FlagErrorf("output flags only apply with --dry-run")
	}
	if selecting(opts) {
		return selectPlan(opts)
	}
	return namedPlan(opts)
}

// namedPlan handles `rm KIND ID...` and `rm KIND --key KEY...`.
func namedPlan(opts *Options) (*plan, error) {
	f := opts.Factory
	if len(opts.Args) == 0 {
		return nil, cmdutil.FlagErrorf("rm: want KIND ID..., KIND --key KEY... or --all")
	}
	k, err := kinds.Lookup(opts.Args[0])
	if err != nil {
		return nil, err
	}
	p := &plan{kinds: []*kinds.Kind{k}}
	if p.out, err = opts.Output.Resolve(f, k.Set()); err != nil {
		return nil, err
	}
	if opts.Output.ListColumns {
		return nil, p.out.PrintCatalogs(f)
	}
	ids := opts.Args[1:]
	if len(ids) == 0 && len(opts.Keys) == 0 {
		return nil, cmdutil.FlagErrorf("rm %s: want ids, --key or --all", k.Name)
	}
	if len(opts.Keys) > 0 && k.Family != kinds.SysV {
		return nil, cmdutil.FlagErrorf("rm %s: %s objects have no keys", k.Name, k.Name)
	}
	var ts []kinds.Target
	for _, a := range ids {
		t, err := k.ParseTarget(a)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	keys := make([]int32, len(opts.Keys))
	for i, s := range opts.Keys {
		if keys[i], err = cmdutil.ParseKey(s); err != nil {
			return nil, err
		}
		if keys[i] == 0 {
			return nil, cmdutil.FlagErrorf("rm %s --key 0: IPC_PRIVATE names no single object; use ids", k.Name)
		}
	}
	for _, key := range keys {
		t, err := k.ByKey(f, key)
		if err != nil {
			// Fails like a missing id: at its turn, while the rest still go.
			t = kinds.Target{Label: kinds.KeyLabel(key), Err: err}
		}
		ts = append(ts, t)
	}
	if opts.DryRun {
		// Show the listed objects; a missing one fails like a removal would.
		all, err := k.Targets(f, &kinds.Filter{}, true)
		if err != nil {
			return nil, fmt.Errorf("rm %s: %w", k.Name, err)
		}
		byLabel := map[string]kinds.Target{}
		for _, t := range all {
			byLabel[t.Label] = t
		}
		var found []kinds.Target
		for _, t := range ts {
			lt, ok := byLabel[t.Label]
			if t.Err != nil || !ok {
				if opts.Force {
					continue
				}
				return nil, fmt.Errorf("rm %s %s: %w", k.Name, t.Label, ipc.ErrNotFound)
			}
			found = append(found, lt)
		}
		ts = found
	}
	p.targets = [][]kinds.Target{dedupe(ts)}
	p.total = len(p.targets[0])
	return p, nil
}

func dedupe(ts []kinds.Target) []kinds.Target {
	seen := map[string]bool{}
	out := ts[:0]
	for _, t := range ts {
		if !seen[t.Label] {
			seen[t.Label] = true
			out = append(out, t)
		}
	}
	return out
}

// selectPlan handles --all and the filters.
func selectPlan(opts *Options) (*plan, error) {
	f := opts.Factory
	if len(opts.Keys) > 0 {
		return nil, cmdutil.FlagErrorf("--key names objects; it does not go with --all or filters")
	}
	var named []*kinds.Kind
	for _, a := range opts.Args {
		k, err := kinds.Lookup(a)
		if err != nil {
			if _, idErr := cmdutil.ParseID(a); idErr == nil || strings.HasPrefix(a, "/") {
				return nil, cmdutil.FlagErrorf("rm --all takes kinds, not ids or names (%q)", a)
			}
			return nil, err
		}
		if !contains(named, k) {
			named = append(named, k)
		}
	}
	flt, err := opts.Filter.Parse(f.Now())
	if err != nil {
		return nil, err
	}
	ks := kinds.InOrder(named)
	if len(ks) == 0 {
		ks = kinds.Of(kinds.SysV) // --all alone never reaches /dev/shm
	}
	if ks, err = kinds.Narrow(ks, len(named) > 0, flt.Uses()); err != nil {
		return nil, err
	}
	p := &plan{kinds: ks}
	if p.out, err = opts.Output.Resolve(f, kinds.Sets(ks)...); err != nil {
		return nil, err
	}
	if opts.Output.ListColumns {
		return nil, p.out.PrintCatalogs(f)
	}
	if !opts.Yes && !opts.DryRun && !cmdutil.CanPrompt(opts.IO) {
		return nil, cmdutil.FlagErrorf("rm selecting by --all or a filter needs --yes (or --dry-run) when not run from a terminal")
	}
	flt.Removable = true
	flt.Gone = processGone(f)
	p.flt = flt
	if opts.Yes && !opts.DryRun {
		// Nothing is shown or asked: no listing beforehand.
		p.inOnePass = true
		return p, nil
	}
	// Each kind is listed in its own goroutine, as it is removed.
	p.targets = make([][]kinds.Target, len(ks))
	errs := make([]error, len(ks))
	var wg sync.WaitGroup
	for i, k := range ks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The listed rows are kept for what is shown: --dry-run, and
			// the question on a terminal.
			p.targets[i], errs[i] = k.Targets(f, &p.flt, true)
		}()
	}
	wg.Wait()
	for i, k := range ks {
		if errs[i] != nil {
			return nil, fmt.Errorf("rm %s: %w", k.Name, errs[i])
		}
		p.total += len(p.targets[i])
	}
	return p, nil
}

func contains(ks []*kinds.Kind, k *kinds.Kind) bool {
	for _, o := range ks {
		if o == k {
			return true
		}
	}
	return false
}

// processGone reports whether process pid no longer exists in our view
// of /proc (procfs.FS.PidGone: pid 0, not visible from here, never is).
func processGone(f *cmdutil.Factory) func(pid int) bool { return f.FS.PidGone }

// confirm shows what a selection would remove and asks, on a terminal,
// unless --yes. Objects named one by one are removed without asking.
func confirm(opts *Options, p *plan) (bool, error) {
	if opts.Yes || !selecting(opts) {
		return true, nil
	}
	ropts := p.out.Render
	ropts.TTY, ropts.Width = opts.IO.IsStderrTTY(), 0
	if err := show(opts.IO.ErrOut, opts, p, ropts); err != nil {
		return false, err
	}
	var parts []string
	for i, k := range p.kinds {
		if n := len(p.targets[i]); n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k.Name, n))
		}
	}
	ok, err := cmdutil.Confirm(opts.IO, fmt.Sprintf("Remove %s (%s)?", cmdutil.Plural(p.total, "object"), strings.Join(parts, ", ")))
	if err == nil && !ok {
		fmt.Fprintln(opts.IO.ErrOut, "Nothing removed.")
		return false, cmdutil.ErrSilent
	}
	return ok, err
}

// show prints the plan's objects, a table per kind, as ls would.
func show(w interface{ Write([]byte) (int, error) }, opts *Options, p *plan, ropts table.Options) error {
	tables := make([]*table.Table, len(p.kinds))
	for i, k := range p.kinds {
		tables[i] = k.TargetTable(opts.Factory, p.targets[i],
			kinds.Query{Columns: p.out.Columns[i], Sort: p.out.Sort, Reverse: opts.Output.Reverse})
	}
	ropts.Kinds = len(p.kinds) > 1
	return table.Render(w, ropts, tables...)
}

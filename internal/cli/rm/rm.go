// Package rm implements `ipcctl rm`: remove IPC objects named by id, key
// or name, or every object of some kinds that passes filters.
//
// Each kind registers a remover in removers (System V kinds in sysv.go);
// POSIX kinds add their own file. Removal never reaches beyond the kinds
// named: `rm --all` with no kind means the System V kinds only.
package rm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl rm`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Args []string // KIND ID... or, with --all or a filter, KIND...
	Keys []string // --key, with one kind

	All       bool
	Owner     string
	Orphaned  bool
	OlderThan time.Duration
	DryRun    bool
	Force     bool
	Verbose   bool
	Yes       bool
	Output    cmdutil.OutputOptions

	outputChanged bool // an output flag was given (only --dry-run prints a table)
}

// remover is one kind's part of rm.
type remover struct {
	// Keyed says --key works for this kind.
	Keyed bool
	// ParseTarget checks one positional argument (an id or a name); it changes nothing.
	ParseTarget func(arg string) (target, error)
	// ResolveKey finds the object a key names; it changes nothing.
	ResolveKey func(opts *Options, key int32) (target, error)
	// List returns the objects of the kind that pass flt.
	List func(opts *Options, flt *filter) ([]target, error)
	// Table renders targets for --dry-run with the kind's columns.
	Table func(ts []target, spec string, names *columns.Names) (*table.Table, error)
	// Catalog lists those columns for --list-columns.
	Catalog func(names *columns.Names) *table.Table
	// Remove removes one target.
	Remove func(opts *Options, t target) error
}

// target is one object to remove.
type target struct {
	label string // how messages name it: "5", "/name"
	id    int
	key   *int32 // named by key: removal re-checks the key still names id
	row   any    // the listed object, for --dry-run
	err   error  // resolving the target failed (a key naming nothing)
}

// filter selects objects for --all; zero fields match everything.
type filter struct {
	uid      *uint32
	orphaned bool      // shm only: nattch 0 and creator gone
	before   time.Time // changed (ctime) before this
	procGone func(pid int) bool
}

// matchOwnerAge applies --owner and --older-than, the filters every kind
// has: the owner's uid, and the creation (System V) or status-change
// (POSIX file) time.
func (f *filter) matchOwnerAge(uid uint32, ctime time.Time) bool {
	return (f.uid == nil || uid == *f.uid) && (f.before.IsZero() || ctime.Before(f.before))
}

var (
	removers = map[ipc.Kind]remover{}
	// order is the order kinds are removed and shown in.
	order = []ipc.Kind{ipc.KindShm, ipc.KindSem, ipc.KindMsg, ipc.KindPshm, ipc.KindPsem, ipc.KindMq}
	// allKinds is what --all means with no kind: System V only.
	allKinds = []ipc.Kind{ipc.KindShm, ipc.KindSem, ipc.KindMsg}
)

func kindNames() []string {
	var out []string
	for _, k := range order {
		if _, ok := removers[k]; ok {
			out = append(out, string(k))
		}
	}
	return out
}

// NewCmdRm builds the command; runF replaces rmRun in tests.
func NewCmdRm(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "rm KIND ID|NAME... | rm KIND --key KEY... | rm --all [KIND...]",
		Short: "Remove IPC objects",
		Long: fmt.Sprintf(`Remove IPC objects (kinds: %s). Replaces ipcrm.

Objects are named by id, by --key (the key is checked to still name the
same object right before removal), by /NAME for the POSIX kinds, or
selected with --all and the filters --owner, --orphaned and --older-than,
which imply --all. --all with no kind means the System V kinds (shm, sem,
msg) only. --all pshm, psem or mq removes only objects of that kind:
never a directory, a symlink or a file of another kind (rm --all pshm
leaves the sem.* files of semaphores alone).

Every argument is checked before anything is removed. With several
targets, each failure is named on stderr, the rest are still removed,
and the exit status is 8. --dry-run prints what would go (with the
listing columns and output flags of ls) and changes nothing.

On a terminal, --all with no kind asks first unless --yes. Without a
terminal, --all with no filter needs --yes.`, strings.Join(kindNames(), ", ")),
		Example: `  ipcctl rm shm 32769 32770
  ipcctl rm sem --key 0x1234
  ipcctl rm shm --orphaned --dry-run
  ipcctl rm pshm /cache /scratch
  ipcctl rm --all mq --owner build --dry-run
  ipcctl rm --all --owner build --older-than 24h --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			fl := cmd.Flags()
			for _, name := range []string{"output", "json", "raw", "export", "noheadings", "bytes", "numeric-perms", "time-format"} {
				opts.outputChanged = opts.outputChanged || fl.Changed(name)
			}
			if runF != nil {
				return runF(opts)
			}
			return rmRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Keys, "key", nil, "remove the object with this `KEY` (repeatable)")
	fl.BoolVarP(&opts.All, "all", "a", false, "remove every object of the kinds given (default shm, sem, msg)")
	fl.StringVar(&opts.Owner, "owner", "", "only objects owned by `USER` (name or uid); implies --all")
	fl.BoolVar(&opts.Orphaned, "orphaned", false, "only shm segments nobody has attached whose creator is gone; implies --all")
	fl.DurationVar(&opts.OlderThan, "older-than", 0, "only objects last changed longer ago than `DURATION` (e.g. 24h); implies --all")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print what would be removed and change nothing")
	fl.BoolVarP(&opts.Force, "force", "f", false, "an object that does not exist is not an error")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "name each removal on stderr")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

// plan is everything rm will do, worked out before it changes anything.
type plan struct {
	kinds   []ipc.Kind
	targets map[ipc.Kind][]target
	total   int
}

func rmRun(opts *Options) error {
	if opts.Output.ListColumns {
		return listColumns(opts)
	}
	p, err := makePlan(opts)
	if err != nil {
		return err
	}
	if opts.DryRun {
		return dryRun(opts, p)
	}
	if p.total == 0 {
		return nil
	}
	if ok, err := confirm(opts, p); err != nil || !ok {
		return err
	}
	// The kinds go at once, one goroutine each: their kernel id tables
	// have locks of their own, so removing thousands of objects uses every
	// core. What each says is printed afterwards, in kind order.
	results := make([]kindResult, len(p.kinds))
	var wg sync.WaitGroup
	for i, k := range p.kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = removeKind(opts, k, p.targets[k], p.total)
		}()
	}
	wg.Wait()
	var failed int
	var last error
	for _, r := range results {
		opts.IO.ErrOut.Write(r.log)
		failed += r.failed
		if r.last != nil {
			last = r.last
		}
	}
	switch {
	case failed == 0:
		return nil
	case p.total == 1:
		return last
	}
	return &cmdutil.PartialError{Failed: failed, Total: p.total}
}

// kindResult is what removing one kind's targets did.
type kindResult struct {
	log    []byte // the lines for stderr: removals (-v) and failures
	failed int
	last   error
}

// removeKind removes targets of kind k; total is the number of targets of
// the whole command, which decides whether failures are named one by one.
func removeKind(opts *Options, k ipc.Kind, targets []target, total int) kindResult {
	var res kindResult
	r := removers[k]
	for _, t := range targets {
		err := t.err
		if err == nil {
			err = r.Remove(opts, t)
		}
		if err == nil {
			if opts.Verbose {
				res.log = fmt.Appendf(res.log, "removed %s %s%s\n", k, t.label, keySuffix(t))
			}
			continue
		}
		if errors.Is(err, ipc.ErrNotFound) && (opts.Force || selecting(opts)) {
			// Gone already: --force asked for that, and a selection
			// only covers objects that still exist.
			continue
		}
		res.failed++
		res.last = fmt.Errorf("rm %s %s: %w", k, t.label, err)
		if total > 1 {
			res.log = fmt.Appendf(res.log, "ipcctl: %s\n", cmdutil.Message(res.last))
		}
	}
	return res
}

func keySuffix(t target) string {
	if t.key == nil {
		return ""
	}
	return fmt.Sprintf(" (key 0x%08x)", uint32(*t.key))
}

// selecting reports whether objects are selected (--all or a filter) rather than named.
func selecting(opts *Options) bool {
	return opts.All || opts.Owner != "" || opts.Orphaned || opts.OlderThan != 0
}

func hasFilter(opts *Options) bool {
	return opts.Owner != "" || opts.Orphaned || opts.OlderThan != 0
}

// makePlan checks every argument and resolves the targets. It changes nothing.
func makePlan(opts *Options) (*plan, error) {
	if opts.outputChanged && !opts.DryRun {
		return nil, cmdutil.FlagErrorf("output flags only apply with --dry-run")
	}
	if opts.OlderThan < 0 {
		return nil, cmdutil.FlagErrorf("invalid --older-than %s: want a positive duration", opts.OlderThan)
	}
	if selecting(opts) {
		return selectPlan(opts)
	}
	return namedPlan(opts)
}

func parseKind(s string) (ipc.Kind, error) {
	k := ipc.Kind(s)
	if _, ok := removers[k]; !ok {
		return "", cmdutil.FlagErrorf("unknown kind %q (valid: %s)", s, strings.Join(kindNames(), ", "))
	}
	return k, nil
}

// namedPlan handles `rm KIND ID...` and `rm KIND --key KEY...`.
func namedPlan(opts *Options) (*plan, error) {
	if len(opts.Args) == 0 {
		return nil, cmdutil.FlagErrorf("rm: want KIND ID..., KIND --key KEY... or --all")
	}
	k, err := parseKind(opts.Args[0])
	if err != nil {
		return nil, err
	}
	r := removers[k]
	ids := opts.Args[1:]
	if len(ids) == 0 && len(opts.Keys) == 0 {
		return nil, cmdutil.FlagErrorf("rm %s: want ids, --key or --all", k)
	}
	if len(opts.Keys) > 0 && !r.Keyed {
		return nil, cmdutil.FlagErrorf("rm %s: %s objects have no keys", k, k)
	}
	var ts []target
	for _, a := range ids {
		t, err := r.ParseTarget(a)
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
			return nil, cmdutil.FlagErrorf("rm %s --key 0: IPC_PRIVATE names no single object; use ids", k)
		}
	}
	p := &plan{kinds: []ipc.Kind{k}, targets: map[ipc.Kind][]target{}}
	for _, key := range keys {
		t, err := r.ResolveKey(opts, key)
		if err != nil {
			// Fails like a missing id: at its turn, while the rest still go.
			t = target{label: fmt.Sprintf("key 0x%08x", uint32(key)), err: err}
		}
		ts = append(ts, t)
	}
	if opts.DryRun {
		// Show the listed objects; a missing one fails like a removal would.
		all, err := r.List(opts, &filter{})
		if err != nil {
			return nil, fmt.Errorf("rm %s: %w", k, err)
		}
		byLabel := map[string]target{}
		for _, t := range all {
			byLabel[t.label] = t
		}
		var found []target
		for _, t := range ts {
			lt, ok := byLabel[t.label]
			if t.err != nil || !ok {
				if opts.Force {
					continue
				}
				return nil, fmt.Errorf("rm %s %s: %w", k, t.label, ipc.ErrNotFound)
			}
			found = append(found, lt)
		}
		ts = found
	}
	p.targets[k] = dedupe(ts)
	p.total = len(p.targets[k])
	return p, nil
}

func dedupe(ts []target) []target {
	seen := map[string]bool{}
	out := ts[:0]
	for _, t := range ts {
		if !seen[t.label] {
			seen[t.label] = true
			out = append(out, t)
		}
	}
	return out
}

// selectPlan handles --all and the filters.
func selectPlan(opts *Options) (*plan, error) {
	if len(opts.Keys) > 0 {
		return nil, cmdutil.FlagErrorf("--key names objects; it does not go with --all or filters")
	}
	var kinds []ipc.Kind
	seen := map[ipc.Kind]bool{}
	for _, a := range opts.Args {
		k, err := parseKind(a)
		if err != nil {
			if _, idErr := cmdutil.ParseID(a); idErr == nil {
				return nil, cmdutil.FlagErrorf("rm --all takes kinds, not ids (%q)", a)
			}
			return nil, err
		}
		if !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		kinds = allKinds
		if opts.Orphaned {
			kinds = []ipc.Kind{ipc.KindShm}
		}
	}
	sort.SliceStable(kinds, func(i, j int) bool { return indexOf(kinds[i]) < indexOf(kinds[j]) })
	flt := &filter{orphaned: opts.Orphaned, procGone: procGone(opts.Factory)}
	if opts.Orphaned {
		for _, k := range kinds {
			if k != ipc.KindShm {
				return nil, cmdutil.FlagErrorf("--orphaned applies to shm only, not %s", k)
			}
		}
	}
	if opts.Owner != "" {
		uid, err := cmdutil.ParseUID(opts.Owner)
		if err != nil {
			return nil, err
		}
		flt.uid = &uid
	}
	if opts.OlderThan > 0 {
		flt.before = opts.Factory.Now().Add(-opts.OlderThan)
	}
	if !opts.Yes && !opts.DryRun && !cmdutil.CanPrompt(opts.IO) && !hasFilter(opts) {
		return nil, cmdutil.FlagErrorf("rm --all with no filter needs --yes when not run from a terminal")
	}
	// Each kind is listed in its own goroutine, as it is removed.
	lists := make([][]target, len(kinds))
	errs := make([]error, len(kinds))
	var wg sync.WaitGroup
	for i, k := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lists[i], errs[i] = removers[k].List(opts, flt)
		}()
	}
	wg.Wait()
	p := &plan{kinds: kinds, targets: map[ipc.Kind][]target{}}
	for i, k := range kinds {
		if errs[i] != nil {
			return nil, fmt.Errorf("rm %s: %w", k, errs[i])
		}
		p.targets[k] = lists[i]
		p.total += len(lists[i])
	}
	return p, nil
}

func indexOf(k ipc.Kind) int {
	for i, o := range order {
		if o == k {
			return i
		}
	}
	return len(order)
}

// procGone reports whether process pid no longer exists, by looking for
// /proc/PID in the factory's filesystem.
func procGone(f *cmdutil.Factory) func(pid int) bool {
	return func(pid int) bool {
		if pid <= 0 {
			return true
		}
		_, err := os.Stat(f.FS.Path("proc", fmt.Sprint(pid)))
		return errors.Is(err, fs.ErrNotExist)
	}
}

// confirm asks before `rm --all` with no kind on a terminal.
func confirm(opts *Options, p *plan) (bool, error) {
	if opts.Yes || !selecting(opts) || len(opts.Args) > 0 || !cmdutil.CanPrompt(opts.IO) {
		return true, nil
	}
	var parts []string
	for _, k := range p.kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, len(p.targets[k])))
	}
	ok, err := cmdutil.Confirm(opts.IO, fmt.Sprintf("Remove %s (%s)?", cmdutil.Plural(p.total, "object"), strings.Join(parts, ", ")))
	if err == nil && !ok {
		fmt.Fprintln(opts.IO.ErrOut, "Nothing removed.")
		return false, cmdutil.ErrSilent
	}
	return ok, err
}

// listColumns prints the --dry-run columns of the kinds named (or of the
// System V kinds) and removes nothing.
func listColumns(opts *Options) error {
	kinds := allKinds
	if len(opts.Args) > 0 {
		kinds = nil
		for _, a := range opts.Args {
			k, err := parseKind(a)
			if err != nil {
				return err
			}
			kinds = append(kinds, k)
		}
	}
	ropts, err := opts.Output.RenderOptions(opts.Factory)
	if err != nil {
		return err
	}
	names := columns.NewNames()
	var tables []*table.Table
	for _, k := range kinds {
		tables = append(tables, removers[k].Catalog(names))
	}
	return table.Render(opts.IO.Out, ropts, tables...)
}

func dryRun(opts *Options, p *plan) error {
	ropts, err := opts.Output.RenderOptions(opts.Factory)
	if err != nil {
		return err
	}
	names := columns.NewNames()
	var tables []*table.Table
	for _, k := range p.kinds {
		t, err := removers[k].Table(p.targets[k], opts.Output.Columns, names)
		if err != nil {
			return err
		}
		tables = append(tables, t)
	}
	return table.Render(opts.IO.Out, ropts, tables...)
}

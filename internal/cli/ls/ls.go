// Package ls implements `ipcctl ls`: list IPC objects of one or more kinds.
package ls

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl ls`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Kinds  []ipc.Kind // empty: every kind this build lists
	Output cmdutil.OutputOptions

	Mount bool // mount the mqueue filesystem first if it is not mounted

	Owner      string // user name or uid
	Key        string
	CreatorPID string
}

// Filter selects objects; nil fields match everything.
type Filter struct {
	UID        *uint32
	Key        *int32
	CreatorPID *int
}

// MatchPerm reports whether a System V object passes the owner and key filters.
func (f *Filter) MatchPerm(p ipc.Perm) bool {
	return (f.UID == nil || p.UID == *f.UID) && (f.Key == nil || p.Key == *f.Key)
}

// MatchCreator reports whether a creator pid passes the --creator-pid filter.
func (f *Filter) MatchCreator(pid int) bool {
	return f.CreatorPID == nil || pid == *f.CreatorPID
}

// order is the display order of kinds; listers registers what this build has.
var (
	order   = []ipc.Kind{ipc.KindShm, ipc.KindSem, ipc.KindMsg, ipc.KindPshm, ipc.KindPsem, ipc.KindMq}
	listers = map[ipc.Kind]func(opts *Options, flt *Filter, names *columns.Names) kindLister{}
)

// kindLister is one kind's part of a listing.
type kindLister struct {
	Catalog func() *table.Table
	// Build selects columns (spec is --output) and lists the objects.
	Build func(spec string) (*table.Table, error)
}

// listingCost ranks kinds by what listing many of them costs, costliest
// first; kinds not named cost little (a directory read).
var listingCost = map[ipc.Kind]int{ipc.KindShm: 0, ipc.KindMsg: 1, ipc.KindSem: 2}

// byListingCost returns the indexes of kinds, costliest listing first.
func byListingCost(kinds []ipc.Kind) []int {
	rank := func(k ipc.Kind) int {
		if r, ok := listingCost[k]; ok {
			return r
		}
		return len(listingCost)
	}
	idx := make([]int, len(kinds))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return rank(kinds[a]) - rank(kinds[b]) })
	return idx
}

// Kinds returns the kinds this build lists, in display order.
func Kinds() []ipc.Kind {
	var out []ipc.Kind
	for _, k := range order {
		if _, ok := listers[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

// NewCmdLs builds the command; runF replaces lsRun in tests.
func NewCmdLs(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	kinds := Kinds()
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	cmd := &cobra.Command{
		Use:   "ls [KIND...]",
		Short: "List IPC objects",
		Long: fmt.Sprintf(`List IPC objects of the given kinds (%s), or of every kind.

Replaces ipcs and lsipc. Objects are read from /proc/sysvipc, which shows
every object whatever its permissions; without it ipcctl falls back to the
*_STAT_ANY system calls.`, strings.Join(names, ", ")),
		Example: `  ipcctl ls
  ipcctl ls shm --owner postgres
  ipcctl ls shm -o +rss,swap --bytes
  ipcctl ls sem msg --json
  ipcctl ls shm --list-columns`,
		ValidArgs: names,
		Args: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				if _, ok := listers[ipc.Kind(a)]; !ok {
					return cmdutil.FlagErrorf("unknown kind %q (valid: %s)", a, strings.Join(names, ", "))
				}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Kinds = nil
			seen := map[ipc.Kind]bool{}
			for _, a := range args {
				if k := ipc.Kind(a); !seen[k] {
					seen[k] = true
					opts.Kinds = append(opts.Kinds, k)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return lsRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmd.Flags().BoolVar(&opts.Mount, "mount", false, "mount the mqueue filesystem on /dev/mqueue first if it is not mounted (root)")
	cmd.Flags().StringVar(&opts.Owner, "owner", "", "only objects owned by `USER` (name or uid)")
	cmd.Flags().StringVar(&opts.Key, "key", "", "only System V objects with this `KEY`")
	cmd.Flags().StringVar(&opts.CreatorPID, "creator-pid", "", "only shared memory segments created by `PID`")
	return cmd
}

// ParseFilter turns the filter flags into a Filter.
func ParseFilter(owner, key, creatorPID string) (*Filter, error) {
	flt := &Filter{}
	if owner != "" {
		uid, err := cmdutil.ParseUID(owner)
		if err != nil {
			return nil, err
		}
		flt.UID = &uid
	}
	if key != "" {
		k, err := cmdutil.ParseKey(key)
		if err != nil {
			return nil, err
		}
		flt.Key = &k
	}
	if creatorPID != "" {
		v, err := strconv.ParseUint(creatorPID, 10, 64)
		if err != nil || v == 0 || v > math.MaxInt32 {
			return nil, cmdutil.FlagErrorf("invalid pid %q: want a whole number from 1 to %d", creatorPID, math.MaxInt32)
		}
		pid := int(v)
		flt.CreatorPID = &pid
	}
	return flt, nil
}

func lsRun(opts *Options) error {
	flt, err := ParseFilter(opts.Owner, opts.Key, opts.CreatorPID)
	if err != nil {
		return err
	}
	ropts, err := opts.Output.RenderOptions(opts.Factory)
	if err != nil {
		return err
	}
	kinds, named := opts.Kinds, true
	if len(kinds) == 0 {
		kinds, named = Kinds(), false
	}
	if opts.Mount && slices.Contains(kinds, ipc.KindMq) {
		mounted, err := opts.Factory.IPC().MqueueEnsureMounted()
		if err != nil {
			return fmt.Errorf("ls --mount: %w", err)
		}
		if mounted {
			fmt.Fprintln(opts.IO.ErrOut, "ipcctl: mounted the mqueue filesystem on /dev/mqueue")
		}
	}
	names := columns.NewNames()
	// Each kind is listed and rendered as soon as a core is free, so the
	// kernel's cost of writing out one /proc/sysvipc file (most of a large
	// listing's time) overlaps with reading and rendering the others. The
	// costliest listings are handed out first: left to the scheduler,
	// shm (the kernel sums rss and swap for each segment) could start
	// last and finish alone.
	type listing struct {
		kl   kindLister
		part table.Part
		err  error
	}
	listings := make([]listing, len(kinds))
	queue := make(chan int, len(kinds))
	for i, k := range kinds {
		listings[i].kl = listers[k](opts, flt, names)
	}
	for _, i := range byListingCost(kinds) {
		queue <- i
	}
	close(queue)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(kinds)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				l := &listings[i]
				var t *table.Table
				if opts.Output.ListColumns {
					t = l.kl.Catalog()
				} else if t, l.err = l.kl.Build(opts.Output.Columns); l.err != nil {
					continue
				}
				l.part, l.err = table.RenderPart(t, ropts)
			}
		}()
	}
	wg.Wait()
	var parts []table.Part
	for i, k := range kinds {
		if err := listings[i].err; err != nil {
			// Listing every kind skips what this system lacks; a named kind does not.
			if !named && errors.Is(err, errors.ErrUnsupported) {
				fmt.Fprintf(opts.IO.ErrOut, "ipcctl: ls %s: %v (skipped)\n", k, err)
				continue
			}
			return fmt.Errorf("ls %s: %w", k, err)
		}
		parts = append(parts, listings[i].part)
	}
	if len(parts) == 0 && !opts.Output.ListColumns {
		return fmt.Errorf("ls: %w", ipc.ErrUnsupported)
	}
	return table.WriteParts(opts.IO.Out, ropts, parts...)
}

package thp

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	thppkg "github.com/ipcctl/ipcctl/pkg/thp"
	"github.com/spf13/cobra"
)

// StatsOptions are the parsed arguments of `ipcctl thp stats`.
type StatsOptions struct {
	IO       *iostreams.IOStreams
	Factory  *cmdutil.Factory
	Output   cmdutil.OutputOptions
	Interval time.Duration // 0: print the counters once
	Count    uint64        // samples after the first; 0: until interrupted
	All      bool          // every counter, not only those that moved
}

// NewCmdStats builds `thp stats`.
func NewCmdStats(f *cmdutil.Factory, runF func(*StatsOptions) error) *cobra.Command {
	opts := &StatsOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "stats [--interval D [--count N]] [--all]",
		Short: "Show THP counters that moved, or their rates",
		Long: `Show the thp_* counters of /proc/vmstat and each multi-size THP size's
stats/* counters. Only counters that moved are shown — not 0 since boot,
or, with --interval, changed since the previous sample — unless --all.

With --interval, sample every D (500ms, 10s, 5m, 1d) and print each
counter with its rate (increase per second) until interrupted, or N
times with --count.

With --json each sample is one JSON document on one line:
{"time":"...","counters":[{"size":null,"counter":"thp_fault_alloc",...}]},
so a script can read the stream line by line.`,
		Example: `  ipcctl thp stats
  ipcctl thp stats --all --json
  ipcctl thp stats --interval 1s --count 5`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("interval") && opts.Interval == 0 {
				return cmdutil.FlagErrorf("invalid --interval 0: want a positive duration such as 1s")
			}
			if cmd.Flags().Changed("count") && opts.Interval == 0 {
				return cmdutil.FlagErrorf("--count needs --interval")
			}
			if runF != nil {
				return runF(opts)
			}
			return statsRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	cmdutil.DurationVar(cmd.Flags(), &opts.Interval, "interval", 0, "sample every `D` (500ms, 10s, 5m, 1d) and print rates")
	cmd.Flags().Uint64Var(&opts.Count, "count", 0, "stop after `N` rate samples (0: until interrupted)")
	cmd.Flags().BoolVar(&opts.All, "all", false, "show every counter, not only those that moved")
	return cmd
}

// rows turns one sample into table rows: the counters that moved since
// prev (since boot when prev is nil), or all of them; with rates when
// the sample has a predecessor.
func rows(prev, cur []thppkg.Counter, elapsed time.Duration, all bool) []columns.THPCounter {
	moved := thppkg.Moved(prev, cur)
	var rates []uint64
	if prev != nil {
		rates = thppkg.Rates(prev, cur, elapsed)
	}
	out := make([]columns.THPCounter, 0, len(cur))
	for i, c := range cur {
		if !all && !moved[i] {
			continue
		}
		r := columns.THPCounter{Size: c.Size, Name: c.Name, Value: c.Value}
		if rates != nil {
			r.Rate = &rates[i]
		}
		out = append(out, r)
	}
	return out
}

func statsRun(opts *StatsOptions) error {
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "counters", columns.THPCounters())
	if done || err != nil {
		return err
	}
	c := client(opts.Factory)
	now := opts.Factory.Now
	if now == nil {
		now = time.Now
	}
	// emit prints one sample: a table for people, one line of JSON (with
	// its time) for scripts.
	emit := func(title string, at time.Time, rs []columns.THPCounter) error {
		o := ropts
		o.Line, o.Stamp = true, at
		return table.Render(opts.IO.Out, o, cols.Build("counters", title, rs))
	}

	prev, err := c.Counters()
	if err != nil {
		return fmt.Errorf("thp stats: %w", err)
	}
	last := now()
	if opts.Interval == 0 {
		return emit("THP Counters", last, rows(nil, prev, 0, opts.All))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	tick := time.NewTicker(opts.Interval)
	defer tick.Stop()
	for n := uint64(0); opts.Count == 0 || n < opts.Count; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		cur, err := c.Counters()
		if err != nil {
			return fmt.Errorf("thp stats: %w", err)
		}
		at := now()
		if err := emit("THP Counters at "+at.Format(time.TimeOnly), at, rows(prev, cur, at.Sub(last), opts.All)); err != nil {
			return err
		}
		prev, last = cur, at
	}
	return nil
}

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
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"github.com/spf13/cobra"
)

// StatsOptions are the parsed arguments of `ipcctl thp stats`.
type StatsOptions struct {
	IO       *iostreams.IOStreams
	Factory  *cmdutil.Factory
	Output   cmdutil.OutputOptions
	Interval time.Duration // 0: print the counters once
	Count    uint64        // samples after the first; 0: until interrupted
}

// NewCmdStats builds `thp stats`.
func NewCmdStats(f *cmdutil.Factory, runF func(*StatsOptions) error) *cobra.Command {
	opts := &StatsOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "stats [--interval D [--count N]]",
		Short: "Show THP counters, or their rates",
		Long: `Show the thp_* counters of /proc/vmstat and each multi-size THP size's
stats/* counters. With --interval, sample every D and print each counter
with its rate (increase per second) until interrupted, or N times with
--count; with --json each sample is one JSON object.`,
		Example: `  ipcctl thp stats
  ipcctl thp stats --interval 1s --count 5`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Interval < 0 || (cmd.Flags().Changed("interval") && opts.Interval == 0) {
				return cmdutil.FlagErrorf("invalid --interval %s: want a positive duration such as 1s", opts.Interval)
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
	cmd.Flags().DurationVar(&opts.Interval, "interval", 0, "sample every `D` (1s, 500ms) and print rates")
	cmd.Flags().Uint64Var(&opts.Count, "count", 0, "stop after `N` rate samples (0: until interrupted)")
	return cmd
}

// sampleCounters reads the thp_* and per-size mTHP counters.
func sampleCounters(fs procfs.FS) ([]columns.THPCounter, error) {
	vm, err := fs.Vmstat("thp_")
	if err != nil {
		return nil, err
	}
	t, err := fs.THP()
	if err != nil {
		return nil, err
	}
	out := make([]columns.THPCounter, 0, len(vm)+16*len(t.Sizes))
	for _, c := range vm {
		out = append(out, columns.THPCounter{Name: c.Name, Value: c.Value})
	}
	for _, m := range t.Sizes {
		for _, c := range m.Stats {
			out = append(out, columns.THPCounter{Size: m.Size, Name: c.Name, Value: c.Value})
		}
	}
	return out, nil
}

// setRates fills cur's rates from prev over elapsed; a counter that went
// down (or is new) rates 0.
func setRates(prev, cur []columns.THPCounter, elapsed time.Duration) {
	type key struct {
		size uint64
		name string
	}
	old := make(map[key]uint64, len(prev))
	for _, c := range prev {
		old[key{c.Size, c.Name}] = c.Value
	}
	for i := range cur {
		var rate uint64
		if v, ok := old[key{cur[i].Size, cur[i].Name}]; ok && cur[i].Value >= v && elapsed > 0 {
			rate = uint64(float64(cur[i].Value-v) / elapsed.Seconds())
		}
		cur[i].Rate = &rate
	}
}

func statsRun(opts *StatsOptions) error {
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "counters", columns.THPCounters())
	if done || err != nil {
		return err
	}
	fs := opts.Factory.FS
	prev, err := sampleCounters(fs)
	if err != nil {
		return fmt.Errorf("thp stats: %w", err)
	}
	if opts.Interval == 0 {
		return table.Render(opts.IO.Out, ropts, cols.Build("counters", "THP Counters", prev))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	tick := time.NewTicker(opts.Interval)
	defer tick.Stop()
	last := time.Now()
	for n := uint64(0); opts.Count == 0 || n < opts.Count; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		cur, err := sampleCounters(fs)
		if err != nil {
			return fmt.Errorf("thp stats: %w", err)
		}
		now := time.Now()
		setRates(prev, cur, now.Sub(last))
		if err := table.Render(opts.IO.Out, ropts, cols.Build("counters", "THP Counters at "+now.Format(time.TimeOnly), cur)); err != nil {
			return err
		}
		prev, last = cur, now
	}
	return nil
}

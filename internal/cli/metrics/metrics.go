// Package metrics implements `ipcctl metrics`: the Prometheus text
// exposition of IPC objects, limits, huge pages and THP, for
// node_exporter's textfile collector or a one-off look.
package metrics

import (
	"fmt"
	"sync"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/metrics"
	"github.com/ipcctl/ipcctl/internal/outfile"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl metrics`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Out       string // --out FILE: write atomically there instead of stdout
	Collector metrics.Options
	flags     metrics.Flags
}

// NewCmdMetrics builds the command; runF replaces metricsRun in tests.
func NewCmdMetrics(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Print Prometheus metrics for IPC objects, limits, huge pages and THP",
		Long: `Print the Prometheus text exposition format: System V and POSIX IPC objects
of this IPC namespace with the kernel limit beside each figure, /dev/shm,
huge page pools per size and NUMA node, THP modes and the vmstat thp_*
counters. Every family has HELP and TYPE; names start with ipcctl_, use
base units (bytes, seconds) and end in _total only for counters.

--out FILE writes the same text atomically (a temporary file in the same
directory, then a rename) for node_exporter's textfile collector: name
the file *.prom in its --collector.textfile.directory and run this from
cron or a timer. (In ipcctl, -o/--output selects table columns; --out
names an output file, as in attach and mq-recv.)

The collector is split into areas (limits shm sem msg pshm psem mq devshm
hugepages thp meminfo vmstat). Each reports
ipcctl_scrape_collector_success and _duration_seconds{collector=AREA}; an
area that fails is named on stderr, the rest is still written, and the
exit status is 8. An area this system lacks (no mqueue mount, no hugetlb,
no THP) exports nothing and counts as a success.

--ns PID reads another IPC namespace (a container's): its objects and its
own limits. -A reads every IPC namespace on the host, found again at each
collect: each IPC series gets an ns label (the namespace inode, as ls -A
shows it); the host's huge page, THP, meminfo and vmstat series come once,
with ns="" (no label, to Prometheus). A namespace that cannot be entered
is named on stderr and left out (exit 8).

--per-object adds series per object (System V: id, key and owner labels;
POSIX: name and owner), the largest objects of each kind first. Every
object is a series, so this multiplies what Prometheus stores: at most
--per-object-limit objects of each kind get series (default 200, 0 for
no cap), and ipcctl_per_object_omitted{kind} counts the rest.

Semaphore waiters, message queue capacities and POSIX queue contents need
read permission on each object: run as root to count them all.`,
		Example: `  ipcctl metrics
  ipcctl metrics --out /var/lib/prometheus/node-exporter/ipcctl.prom
  ipcctl metrics --per-object --per-object-limit 50
  ipcctl metrics -A --out /var/lib/prometheus/node-exporter/ipcctl.prom`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Collector, err = opts.flags.Options(); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if runF != nil {
				return runF(opts)
			}
			return metricsRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Out, "out", "", "write atomically to `FILE` (temporary file and rename) instead of stdout")
	opts.flags.AddFlags(fl)
	cmdutil.AddNSFlag(cmd, f)
	cmd.MarkFlagsMutuallyExclusive("all-namespaces", "ns")
	return cmd
}

// writeOut writes the textfile through outfile: a reader (node_exporter's
// textfile collector, which reads only *.prom, never the temporary file)
// sees the old content or the new, a failure leaves the old, a symlink is
// followed, and a device such as /dev/null is written, not replaced. The
// file is 0644 whatever the umask: the collector reads it as another user.
func writeOut(path string, g prometheus.Gatherer) error {
	out, err := outfile.CreateMode(path, 0o644)
	if err != nil {
		return err
	}
	defer out.Abort()
	if err := metrics.WriteText(out, g); err != nil {
		return fmt.Errorf("--out %s: %w", path, err)
	}
	return out.Commit()
}

func metricsRun(opts *Options) error {
	var (
		mu     sync.Mutex
		failed []string
	)
	copts := opts.Collector
	copts.OnError = func(area string, err error) {
		mu.Lock()
		defer mu.Unlock()
		failed = append(failed, fmt.Sprintf("ipcctl: metrics: %s: %s", area, cmdutil.Message(err)))
	}
	g := metrics.Gatherer(opts.Factory.IPC(), copts)
	if opts.Out == "" {
		if err := metrics.WriteText(opts.IO.Out, g); err != nil {
			return err
		}
	} else if err := writeOut(opts.Out, g); err != nil {
		// %v: a file that cannot be written is not a missing IPC
		// object (exit 3) nor a permission on one (exit 4).
		return fmt.Errorf("metrics: %v", err)
	}
	if len(failed) > 0 {
		for _, line := range failed {
			fmt.Fprintln(opts.IO.ErrOut, line)
		}
		return &cmdutil.PartialError{Failed: len(failed), Total: len(metrics.Areas())}
	}
	return nil
}

// Package serve implements `ipcctl serve`: the metrics of `ipcctl
// metrics` behind an HTTP /metrics endpoint for Prometheus to scrape.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/metrics"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
)

// DefaultListen is where serve listens unless told otherwise: loopback
// only, since serve has no TLS or authentication of its own. Port 19121
// lies outside 9100-9999, the range of Prometheus' exporter port list
// (every port there is taken by some exporter), is in no /etc/services
// entry, and sits below Linux's ephemeral range (32768-60999), so the
// kernel never hands it out as a client's source port.
const DefaultListen = "127.0.0.1:19121"

// Options are the parsed arguments of `ipcctl serve`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Listen    string
	Collector metrics.Options
	flags     metrics.Flags

	// signals end the server; tests replace them to stop it.
	signals []os.Signal
	// ready, when set, hears the address the server listens on.
	ready func(addr net.Addr)
}

// NewCmdServe builds the command; runF replaces serveRun in tests.
func NewCmdServe(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f, signals: []os.Signal{syscall.SIGINT, syscall.SIGTERM}}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the Prometheus metrics of `ipcctl metrics` over HTTP",
		Long: `Serve on /metrics what ipcctl metrics prints, read afresh at every scrape,
plus the go_* and process_* metrics of the server itself. / links to it.
With -A, every IPC namespace on the host, labelled ns (see ipcctl metrics).

It listens on ` + DefaultListen + ` by default: loopback only, as serve has no
TLS or authentication of its own. To be scraped from another host, put it
behind a TLS proxy that authenticates, or use the textfile route instead
(ipcctl metrics --out FILE read by node_exporter, which has both); listen on
another address with --listen only on a network you trust. Port 19121 is
outside the exporter range 9100-9999 (all of it allocated) and below the
kernel's ephemeral ports; --listen HOST:0 picks a free port.

The address it listens on is printed on stderr. SIGTERM or SIGINT stop it
gracefully: it stops accepting, lets scrapes in progress finish (at most
5 seconds) and exits 0. A failing area is logged on stderr and exported
as ipcctl_scrape_collector_success{collector=AREA} 0; the scrape still
succeeds.`,
		Example: `  ipcctl serve
  ipcctl serve --listen 127.0.0.1:0
  ipcctl serve --listen [::1]:19121 --per-object`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Collector, err = opts.flags.Options(); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
				return cmdutil.FlagErrorf("invalid --listen %q: want HOST:PORT", opts.Listen)
			}
			if runF != nil {
				return runF(opts)
			}
			return serveRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", DefaultListen, "listen on `ADDR` (HOST:PORT; port 0 picks a free one)")
	opts.flags.AddFlags(fl)
	cmdutil.AddNSFlag(cmd, f)
	cmd.MarkFlagsMutuallyExclusive("all-namespaces", "ns")
	return cmd
}

// shutdownGrace bounds how long scrapes in progress may run after a signal.
const shutdownGrace = 5 * time.Second

func serveRun(opts *Options) error {
	ctx, stop := signal.NotifyContext(context.Background(), opts.signals...)
	defer stop()

	copts := opts.Collector
	copts.OnError = func(area string, err error) {
		fmt.Fprintf(opts.IO.ErrOut, "ipcctl: serve: %s: %s\n", area, cmdutil.Message(err))
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	g := prometheus.Gatherers{metrics.Gatherer(opts.Factory.IPC(), copts), reg}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		// A gather that fails as a whole (-A cannot list namespaces)
		// still serves the rest; say why on stderr, as areas do.
		ErrorLog: errorLog{opts.IO.ErrOut},
		// Each scrape reads every object: do not let a flood of
		// requests read them all at once.
		MaxRequestsInFlight: 4,
		Timeout:             30 * time.Second,
	}))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>ipcctl</title></head><body><h1>ipcctl</h1><p><a href="/metrics">Metrics</a></p></body></html>`+"\n")
	})
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}

	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		// Not a missing object or a permission on one: exit 1, whatever errno.
		return fmt.Errorf("serve: %v", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "ipcctl serve: listening on http://%s/metrics\n", ln.Addr())
	if opts.ready != nil {
		opts.ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %v", err)
	case <-ctx.Done():
	}
	stop() // a second signal ends the process at once
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); errors.Is(err, context.DeadlineExceeded) {
		srv.Close() // scrapes still running after the grace period are cut
	} else if err != nil {
		return fmt.Errorf("serve: shutdown: %v", err)
	}
	<-served // http.ErrServerClosed
	fmt.Fprintln(opts.IO.ErrOut, "ipcctl serve: stopped")
	return nil
}

// errorLog is promhttp's error log on stderr, one escaped line each.
type errorLog struct{ w io.Writer }

func (l errorLog) Println(v ...any) {
	fmt.Fprintf(l.w, "ipcctl: serve: %s\n", table.Safe(strings.TrimSpace(fmt.Sprintln(v...))))
}

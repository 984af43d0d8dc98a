package serve

import (
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/metrics"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

func TestNewCmdServe(t *testing.T) {
	for _, tc := range []struct {
		argv, listen string
		perObject    bool
		wantErr      string
	}{
		{argv: "", listen: DefaultListen},
		{argv: "--listen 127.0.0.1:0", listen: "127.0.0.1:0"},
		{argv: "--listen [::1]:9999 --per-object", listen: "[::1]:9999", perObject: true},
		{argv: "--listen 9999", wantErr: `invalid --listen "9999"`},
		{argv: "--per-object-limit 3", wantErr: "needs --per-object"},
		{argv: "now", wantErr: `unexpected argument "now"`},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			got, _, err := testutil.ParseArgs(NewCmdServe, tc.argv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Listen != tc.listen || got.Collector.PerObject != tc.perObject {
				t.Errorf("options = %+v", *got)
			}
		})
	}
	if !strings.HasPrefix(DefaultListen, "127.0.0.1:") {
		t.Errorf("default %s is not loopback", DefaultListen)
	}
}

// TestServeRun serves the fixture tree, scrapes it over HTTP and stops
// the server with a signal, as SIGTERM would.
func TestServeRun(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	addrs := make(chan net.Addr, 1)
	opts := &Options{
		IO:      ios,
		Factory: &cmdutil.Factory{IOStreams: ios, FS: procfs.FS("../../metrics/testdata/fs"), Now: time.Now},
		Listen:  "127.0.0.1:0",
		signals: []os.Signal{syscall.SIGUSR2},
		ready:   func(a net.Addr) { addrs <- a },
	}
	done := make(chan error, 1)
	go func() { done <- serveRun(opts) }()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("serve ended: %v", err)
	}
	resp, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"\nipcctl_shm_segments 5\n", "\nipcctl_mq_queues 2\n", "\ngo_goroutines ", "# TYPE process_start_time_seconds gauge\n"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if resp, err := http.Get("http://" + addr.String() + "/nothing"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/nothing: %v, %v", resp, err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on its signal")
	}
	if !strings.Contains(errOut.String(), "listening on http://"+addr.String()+"/metrics\n") || !strings.HasSuffix(errOut.String(), "stopped\n") {
		t.Errorf("stderr = %q", errOut.String())
	}
	if c, err := net.Dial("tcp", addr.String()); err == nil {
		c.Close()
		t.Error("still listening after the signal")
	}
}

func TestServeListenFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ios, _, _, _ := iostreams.Test()
	opts := &Options{IO: ios, Factory: &cmdutil.Factory{IOStreams: ios, FS: "../../metrics/testdata/fs"}, Listen: ln.Addr().String()}
	err = serveRun(opts)
	if err == nil || !strings.Contains(err.Error(), "address already in use") || cmdutil.ExitCode(err) != cmdutil.ExitError {
		t.Errorf("listening on a taken port: %v", err)
	}
}

// A gather that fails as a whole (here -A, which cannot list namespaces
// under a fixture tree) still answers with the rest, and says why on
// stderr.
func TestServeGatherFailureIsSaid(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	addrs := make(chan net.Addr, 1)
	opts := &Options{
		IO:        ios,
		Factory:   &cmdutil.Factory{IOStreams: ios, FS: procfs.FS("../../metrics/testdata/fs"), Now: time.Now},
		Listen:    "127.0.0.1:0",
		Collector: metrics.Options{AllNamespaces: true},
		signals:   []os.Signal{syscall.SIGUSR2},
		ready:     func(a net.Addr) { addrs <- a },
	}
	done := make(chan error, 1)
	go func() { done <- serveRun(opts) }()
	addr := <-addrs
	resp, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	syscall.Kill(os.Getpid(), syscall.SIGUSR2)
	<-done
	if !strings.Contains(string(body), "\ngo_goroutines ") {
		t.Errorf("the rest of the scrape is missing:\n%s", body)
	}
	if !strings.Contains(errOut.String(), "\nipcctl: serve: error gathering metrics: ") || !strings.Contains(errOut.String(), "list IPC namespaces") {
		t.Errorf("stderr does not say the gather failed: %q", errOut.String())
	}
}

package metrics

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// TestServeStopsOnSignal: SIGINT and SIGTERM each stop serve gracefully,
// exit 0, and the port is free again.
func TestServeStopsOnSignal(t *testing.T) {
	nstest.Require(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(testutil.Binary(t), "serve", "--listen", "127.0.0.1:0")
			cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := bufio.NewScanner(stderr)
			lines.Scan()
			addr := strings.TrimSuffix(strings.TrimPrefix(lines.Text(), "ipcctl serve: listening on http://"), "/metrics")
			resp, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				t.Fatalf("scrape %s: %v (stderr %q)", addr, err, lines.Text())
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), "\nipcctl_scrape_collector_success{collector=\"shm\"} 1\n") {
				t.Errorf("scrape:\n%s", body)
			}
			cmd.Process.Signal(sig)
			rest, _ := io.ReadAll(stderr)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil || string(rest) != "ipcctl serve: stopped\n" {
					t.Errorf("after %v: %v, stderr %q", sig, err, rest)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("serve did not stop on %v", sig)
			}
			if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
				t.Errorf("%s still answers after %v", addr, sig)
			}
		})
	}
}

// TestMetricsAsOrdinaryUser: a user who may not read a semaphore set
// still gets every other figure, exit 0, and the set counted as
// unreadable instead of as "no waiters" silently.
func TestMetricsAsOrdinaryUser(t *testing.T) {
	nstest.Require(t)
	if !nstest.CanSwitchUser() {
		t.Skip("the namespace maps no ordinary uids (not started by real root)")
	}
	if _, err := exec.LookPath("ipcmk"); err != nil {
		t.Skip("util-linux ipcmk not installed")
	}
	private := ipcmk(t, "-S", "1", "-p", "0600")
	t.Cleanup(func() { exec.Command("ipcrm", "-s", strconv.Itoa(private)).Run() })
	open := ipcmk(t, "-S", "1", "-p", "0644")
	t.Cleanup(func() { exec.Command("ipcrm", "-s", strconv.Itoa(open)).Run() })

	cmd := exec.Command(testutil.Binary(t), "metrics")
	nstest.AsUser(cmd, 1000, 1000)
	r := testutil.RunCmd(t, cmd)
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("metrics as uid 1000: exit %d, stderr %q", r.Code, r.Stderr)
	}
	m := parseText(t, r.Stdout)
	sets := parseText(t, ipcctl(t, "metrics"))["ipcctl_sem_sets"]
	for series, want := range map[string]float64{
		"ipcctl_sem_sets":                 sets, // the listing shows every set to everyone
		"ipcctl_sem_unreadable_sets":      1,    // the 0600 one
		`ipcctl_sem_waiters{wait="zero"}`: 0,
	} {
		if got, ok := m[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
}

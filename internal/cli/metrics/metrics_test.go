package metrics

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/pkg/procfs"
	"golang.org/x/sys/unix"
)

// fixture is the collector's fixture tree.
const fixture = "../../metrics/testdata/fs"

func TestNewCmdMetrics(t *testing.T) {
	for _, tc := range []struct {
		argv      string
		out       string
		perObject bool
		limit     int
		wantErr   string
	}{
		{argv: "", limit: 200},
		{argv: "--out /tmp/x.prom", out: "/tmp/x.prom", limit: 200},
		{argv: "--per-object", perObject: true, limit: 200},
		{argv: "--per-object --per-object-limit 5", perObject: true, limit: 5},
		{argv: "--per-object --per-object-limit 0", perObject: true, limit: -1},
		{argv: "--per-object-limit 5", wantErr: "--per-object-limit needs --per-object"},
		{argv: "--per-object --per-object-limit -1", wantErr: "want 0 (no cap) or more"},
		{argv: "shm", wantErr: `unexpected argument "shm"`},
		{argv: "--output x", wantErr: "unknown flag: --output"},
	} {
		t.Run(tc.argv, func(t *testing.T) {
			got, f, err := testutil.ParseArgs(NewCmdMetrics, tc.argv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Out != tc.out || got.Collector.PerObject != tc.perObject || got.Collector.PerObjectLimit != tc.limit || got.Factory != f {
				t.Errorf("options = %+v", *got)
			}
		})
	}
}

var durationLine = regexp.MustCompile(`(?m)^(ipcctl_scrape_collector_duration_seconds\{[^}]*\}|ipcctl_collect_timestamp_seconds) .*$`)

func run(t *testing.T, fsys procfs.FS, argv string) (stdout, stderr string, err error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, FS: fsys, Now: time.Now}
	err = testutil.Execute(NewCmdMetrics(f, nil), argv)
	return out.String(), errOut.String(), err
}

// TestMetricsOut writes the textfile: the same text as stdout, mode 0644,
// no temporary file left, and an existing file replaced by rename (a
// reader holding the old file still reads it whole).
func TestMetricsOut(t *testing.T) {
	stdout, _, err := run(t, fixture, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ipcctl.prom")
	const old = "# old content\n"
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	reader, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	out, _, err := run(t, fixture, "--out "+path)
	if err != nil || out != "" {
		t.Fatalf("--out: %v, stdout %q", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if durationLine.ReplaceAllString(string(b), "$1") != durationLine.ReplaceAllString(stdout, "$1") {
		t.Errorf("file differs from stdout:\n%s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644 (node_exporter reads it as another user)", fi.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %d entries, want only the file", len(ents))
	}
	prev := make([]byte, 100)
	if n, _ := reader.Read(prev); string(prev[:n]) != old {
		t.Errorf("the old file was rewritten in place: a reader now sees %q", prev[:n])
	}
}

func TestMetricsOutFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "ipcctl.prom")
	_, _, err := run(t, fixture, "--out "+path)
	if err == nil || !strings.Contains(err.Error(), "missing-dir") {
		t.Fatalf("err = %v", err)
	}
	// An output file that cannot be made is not a missing IPC object.
	if code := cmdutil.ExitCode(err); code != cmdutil.ExitError {
		t.Errorf("exit %d, want %d", code, cmdutil.ExitError)
	}
}

// TestMetricsPartial breaks one area: its failure is named on stderr,
// the other areas are still printed, and the exit status is 8.
func TestMetricsPartial(t *testing.T) {
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS(fixture)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "proc/sysvipc/msg"), []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := run(t, procfs.FS(root), "")
	var partial *cmdutil.PartialError
	if !errors.As(err, &partial) || cmdutil.ExitCode(err) != cmdutil.ExitPartial {
		t.Fatalf("err = %v, want a partial failure", err)
	}
	if !strings.HasPrefix(stderr, "ipcctl: metrics: msg: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q", stderr)
	}
	for _, want := range []string{`ipcctl_scrape_collector_success{collector="msg"} 0`, `ipcctl_scrape_collector_success{collector="shm"} 1`, "ipcctl_shm_segments 5"} {
		if !strings.Contains(stdout, want+"\n") {
			t.Errorf("stdout lacks %q", want)
		}
	}
}

// TestMetricsOutLinksAndDevices: --out through a symlink replaces the file
// it points to and keeps the link; --out to a device node (made here, in
// the test's own directory) writes to it and leaves it a device, never a
// regular file in its place.
func TestMetricsOutLinksAndDevices(t *testing.T) {
	dir := t.TempDir()
	real, link := filepath.Join(dir, "real.prom"), filepath.Join(dir, "link.prom")
	if err := os.WriteFile(real, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, fixture, "--out "+link); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(real); !strings.Contains(string(b), "ipcctl_shm_segments ") {
		t.Errorf("the link's target was not written: %q", b)
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o644 {
		t.Errorf("target mode %v, want 0644", fi.Mode().Perm())
	}

	dev := filepath.Join(dir, "null")
	if err := unix.Mknod(dev, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("cannot make a device node here: %v", err)
	}
	if _, _, err := run(t, fixture, "--out "+dev); err != nil {
		t.Fatalf("--out to a device: %v", err)
	}
	if fi, err := os.Lstat(dev); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("the device became %v (%v)", fi.Mode(), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Errorf("directory holds %d entries, want 3 (no temporary file left)", len(ents))
	}
}

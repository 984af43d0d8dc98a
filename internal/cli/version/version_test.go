package version_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/version"
	"github.com/ipcctl/ipcctl/internal/testutil/hptest"
	"github.com/ipcctl/ipcctl/pkg/procfs"
)

func TestFromBuildInfo(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name     string
		settings []debug.BuildSetting
		want     version.Build
		line     string
	}{
		{"unstamped", nil, version.Build{Version: "dev"}, "dev (revision unknown)"},
		{"clean", []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "false"}},
			version.Build{Version: "v1.2.3", Revision: "0123abcd", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Modified: &no}, "v1.2.3 (revision 0123abcd)"},
		{"modified", []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}},
			version.Build{Version: "v1.2.3", Revision: "0123abcd", Modified: &yes}, "v1.2.3 (revision 0123abcd, modified)"},
	} {
		got := version.FromBuildInfo(&debug.BuildInfo{GoVersion: "go1.99", Settings: tc.settings}, tc.want.Version)
		if got.Revision != tc.want.Revision || !got.Time.Equal(tc.want.Time) || (got.Modified == nil) != (tc.want.Modified == nil) ||
			got.Modified != nil && *got.Modified != *tc.want.Modified || got.Go != "go1.99" {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
		if s := got.String(); s != tc.line {
			t.Errorf("%s: String() = %q, want %q", tc.name, s, tc.line)
		}
	}
}

func TestVersionJSON(t *testing.T) {
	r := hptest.Run(t, procfs.FS(hptest.Fixture("numa2")), "version", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &got); r.Code != 0 || err != nil {
		t.Fatalf("exit %d, %v: %s %s", r.Code, err, r.Stdout, r.Stderr)
	}
	// hptest's factory says "test"; a test binary carries no VCS stamp.
	if got["version"] != "test" || got["go"] == nil || len(got) != 6 {
		t.Errorf("version --json = %v", got)
	}
}

// gitOut runs git in dir and returns its trimmed output.
func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		t.Skipf("git %v: %v (not a git checkout?)", args, err)
	}
	return strings.TrimSpace(string(out))
}

// A binary built from a git checkout with -buildvcs=true says which
// commit it is, as git rev-parse HEAD does, and whether the checkout had
// uncommitted changes, as git status does. Go stamps only checkouts whose
// .git is a directory; from a linked worktree (.git is a file) the test
// builds a shared clone of HEAD instead.
func TestVersionFromGitCheckout(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	top := gitOut(t, ".", "rev-parse", "--show-toplevel")
	head := gitOut(t, top, "rev-parse", "HEAD")
	dir, wantModified := top, gitOut(t, top, "status", "--porcelain", "--untracked-files=no") != ""
	if fi, err := os.Stat(filepath.Join(top, ".git")); err != nil || !fi.IsDir() {
		dir = filepath.Join(t.TempDir(), "src")
		for _, args := range [][]string{{"clone", "-q", "--shared", "--no-checkout", top, dir}, {"-C", dir, "checkout", "-q", "--detach", head}} {
			if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
				t.Fatalf("git %v: %v %s", args, err, out)
			}
		}
		wantModified = false
	}
	bin := filepath.Join(t.TempDir(), "ipcctl")
	build := exec.Command("go", "build", "-buildvcs=true", "-trimpath", "-o", bin, "./cmd/ipcctl")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
	}

	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(out))
	if !strings.HasPrefix(line, "ipcctl ") || !strings.Contains(line, "(revision "+head) || strings.Contains(line, "modified") != wantModified {
		t.Errorf("--version = %q; want revision %s, modified %v", line, head, wantModified)
	}

	out, err = exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	commitTime := gitOut(t, top, "show", "-s", "--format=%cI", head)
	ct, _ := time.Parse(time.RFC3339, commitTime)
	gt, _ := time.Parse(time.RFC3339, asString(got["time"]))
	if got["revision"] != head || got["modified"] != wantModified || !gt.Equal(ct) {
		t.Errorf("version --json = %v; want revision %s, modified %v, time %s", got, head, wantModified, commitTime)
	}
	if v := asString(got["version"]); v == "" || v == "dev" || !strings.Contains(v, head[:12]) {
		t.Errorf("version %q: want the pseudo-version Go derives from %s", v, head[:12])
	}
}

func asString(v any) string { s, _ := v.(string); return s }

// The -ldflags overrides still win over the build info, for builds that
// set their own version (a distribution package) or carry no VCS stamp.
func TestVersionLdflagsOverride(t *testing.T) {
	top := gitOut(t, ".", "rev-parse", "--show-toplevel")
	bin := filepath.Join(t.TempDir(), "ipcctl")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "-ldflags",
		"-X github.com/ipcctl/ipcctl/internal/cli.version=v9.8.7 -X github.com/ipcctl/ipcctl/internal/cli/version.revision=feedface", "./cmd/ipcctl")
	build.Dir = top
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "ipcctl v9.8.7 (revision feedface") {
		t.Errorf("--version = %q, %v; want ipcctl v9.8.7 (revision feedface...)", out, err)
	}
}

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// ipcctl key agrees with glibc's ftok(3) (through a C program) and with
// Python's sysv_ipc.ftok, for several files, a symlink and proj bytes.
func TestKeyAgreesWithFtok(t *testing.T) {
	nstest.Require(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	var got, script []string
	type pair struct {
		path string
		proj int
	}
	var pairs []pair
	for _, path := range []string{"/", "/etc/passwd", "/dev/null", dir, file, link} {
		for _, proj := range []int{1, 65, 128, 255} {
			pairs = append(pairs, pair{path, proj})
			got = append(got, strings.TrimSpace(ipcctlOK(t, "key", path, fmt.Sprint(proj)).Stdout))
			script = append(script, fmt.Sprintf("print('0x%%08x' %% (sysv_ipc.ftok(%q, %d, silence_warning=True) & 0xffffffff))", path, proj))
		}
	}
	for i, p := range pairs {
		if c := cHelper(t, "ftok", p.path, fmt.Sprint(p.proj)); got[i] != c {
			t.Errorf("key %s %d = %s, C ftok says %s", p.path, p.proj, got[i], c)
		}
	}
	py := strings.Fields(python(t, strings.Join(script, "\n")))
	for i, p := range pairs {
		if i >= len(py) || got[i] != py[i] {
			t.Errorf("key %s %d = %s, sysv_ipc.ftok says %v", p.path, p.proj, got[i], py)
		}
	}
	// A character names its byte: 'a' is 97.
	if a, n := ipcctlOK(t, "key", file, "a").Stdout, ipcctlOK(t, "key", file, "97").Stdout; a != n {
		t.Errorf("key 'a' = %s, key 97 = %s", a, n)
	}
}

func TestKeyErrors(t *testing.T) {
	nstest.Require(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"key", "/no/such/file", "1"}, 3, "no such file"},
		{[]string{"key", "/", "256"}, 2, "invalid project id"},
		{[]string{"key", "/", "--", "-1"}, 2, "invalid project id"},
		{[]string{"key", "/"}, 2, "want PATH and PROJ"},
	} {
		r := testutil.Run(t, "", tc.args...)
		if r.Code != tc.code || !strings.Contains(r.Stderr, tc.msg) || r.Stdout != "" {
			t.Errorf("ipcctl %v: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, r.Code, r.Stdout, r.Stderr, tc.code, tc.msg)
		}
	}
}

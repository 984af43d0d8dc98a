// Package decoy gives tests a file to point links at that code under test
// must never follow.
package decoy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// File returns a file of the test's own for symlinks that code under test
// must never follow. Kernel tests run as a root that may be the host's
// real root, so a link to a host file such as /etc/passwd would let a bug
// damage the machine; a decoy only fails the test: at cleanup it must
// still exist with its content and mode.
func File(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "decoy")
	content := []byte("decoy: ipcctl must not follow a link here\n")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st, err := os.Stat(path)
		if err != nil {
			t.Errorf("decoy %s: %v (a link to it was followed)", path, err)
			return
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("decoy %s: mode %v, want 0644 (a link to it was followed)", path, st.Mode().Perm())
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, content) {
			t.Errorf("decoy %s: content changed to %q (a link to it was followed)", path, b)
		}
	})
	return path
}

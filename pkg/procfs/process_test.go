package procfs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestProcessExists(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "proc", "42"), 0o755); err != nil {
		t.Fatal(err)
	}
	fsys := FS(root)
	for _, tc := range []struct {
		pid     int
		want    bool
		wantErr bool
	}{
		{42, true, false},
		{43, false, false},
		{0, false, true},
		{-1, false, true},
	} {
		got, err := fsys.ProcessExists(tc.pid)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("ProcessExists(%d) = %v, %v; want %v, error %v", tc.pid, got, err, tc.want, tc.wantErr)
		}
	}
	// The live system: this process exists.
	if ok, err := DefaultFS.ProcessExists(os.Getpid()); !ok || err != nil {
		t.Errorf("ProcessExists(self) = %v, %v", ok, err)
	}
}

package testutil

import (
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/disktest"
)

// DiskTempDir is disktest.TempDir: a temp dir on a disk-backed filesystem.
func DiskTempDir(t testing.TB) string {
	t.Helper()
	return disktest.TempDir(t)
}

// FincoreBytes is disktest.FincoreBytes: fincore's count of cached bytes.
func FincoreBytes(t testing.TB, path string) uint64 {
	t.Helper()
	return disktest.FincoreBytes(t, path)
}

// FincorePages is disktest.FincorePages: fincore's PAGES (resident pages).
func FincorePages(t testing.TB, path string) uint64 {
	t.Helper()
	return disktest.FincorePages(t, path)
}

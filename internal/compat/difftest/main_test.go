// Package difftest compares ipcctl's util-linux front-ends with the
// system's util-linux (2.38.1 on Debian 12) byte for byte: same objects,
// same argv, same environment (LC_ALL=C, a fixed TZ and COLUMNS), same
// kind of stdout, in the private namespaces of nstest. Mutating commands
// run in two fresh IPC namespaces built alike, and what they leave behind
// is compared. Every deliberate difference (docs/compat.md) is checked
// on its own against a second source: the kernel's figures as util-linux
// itself prints them, or the files in /dev/shm.
package difftest

import (
	"os"
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

func TestMain(m *testing.M) {
	// a waiter is started from a child too: it comes first
	if os.Getenv(waiterEnv) != "" {
		os.Exit(waiterMain())
	}
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	nstest.Main(m)
}

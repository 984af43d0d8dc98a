// Package e2e runs the built ipcctl binary end to end inside private
// user + IPC + mount namespaces: real objects, real exit codes, real output.
package e2e

import (
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

func TestMain(m *testing.M) { nschild.Dispatch(); nstest.Main(m) }

package ipc

import (
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nschild"
	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

func TestMain(m *testing.M) {
	nschild.Dispatch() // a child started by nschild runs its part and exits here
	nstest.Main(m)
}

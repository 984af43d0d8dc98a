package create

import (
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

// The run tests expect usage errors before any system call; if one ever
// got through, it must reach a private IPC namespace, never the host's.
func TestMain(m *testing.M) { nstest.Main(m) }

package compat

import (
	"testing"

	"github.com/ipcctl/ipcctl/internal/testutil/nstest"
)

func TestMain(m *testing.M) { nstest.Main(m) }

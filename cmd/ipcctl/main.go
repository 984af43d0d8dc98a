// Command ipcctl inspects and manages Linux IPC objects and the memory
// features beneath them. See `ipcctl --help`.
package main

import (
	"os"

	"github.com/ipcctl/ipcctl/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args))
}

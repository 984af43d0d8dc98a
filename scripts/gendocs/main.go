// Command gendocs regenerates docs/man and docs/reference from the command
// tree: `make docs` (or `go run ./scripts/gendocs docs`).
package main

import (
	"fmt"
	"os"

	"github.com/ipcctl/ipcctl/internal/cli/docgen"
)

func main() {
	dir := "docs"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := docgen.Generate(dir); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}

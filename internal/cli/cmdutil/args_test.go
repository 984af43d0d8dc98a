package cmdutil

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// MinimumArgs names the verb once ("mmap residency: want ..."), and lets
// --list-columns through without the arguments a listing would need.
func TestMinimumArgs(t *testing.T) {
	root := &cobra.Command{Use: "ipcctl"}
	verb := &cobra.Command{Use: "residency"}
	mmap := &cobra.Command{Use: "mmap"}
	root.AddCommand(mmap)
	mmap.AddCommand(verb)
	check := MinimumArgs(1, "at least one FILE")
	err := check(verb, nil)
	if err == nil || err.Error() != "mmap residency: want at least one FILE" || ExitCode(err) != ExitUsage {
		t.Errorf("no argument: %v", err)
	}
	verb.Flags().Bool("list-columns", false, "")
	if err := verb.Flags().Set("list-columns", "true"); err != nil {
		t.Fatal(err)
	}
	if err := check(verb, nil); err != nil {
		t.Errorf("--list-columns without arguments: %v", err)
	}
	if err := NoArgs(verb, []string{"x"}); err == nil || !strings.HasPrefix(err.Error(), "mmap residency: unexpected argument") {
		t.Errorf("NoArgs: %v", err)
	}
}

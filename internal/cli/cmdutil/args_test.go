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

// ReadInput reads stdin for "" and for "-" (--in -), a file otherwise.
func TestReadInputStdin(t *testing.T) {
	for _, path := range []string{"", StdinArg} {
		data, name, err := ReadInput(strings.NewReader("from stdin"), path, 100)
		if err != nil || string(data) != "from stdin" || name != "stdin" {
			t.Errorf("ReadInput(%q) = %q, %q, %v", path, data, name, err)
		}
	}
	if _, _, err := ReadInput(strings.NewReader("x"), "/nonexistent/x", 100); err == nil {
		t.Error("ReadInput of a missing file: no error")
	}
}

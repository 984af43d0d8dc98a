package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/spf13/cobra"
)

// cobra's own errors reach the user as one line and exit 2.
func TestCobraErrorsAreOneLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lss"}, `ipcctl: unknown command "lss" for "ipcctl"; did you mean "ls"?`},
		{[]string{"hugepag", "--json"}, `ipcctl: unknown command "hugepag" for "ipcctl"; did you mean "hugepage"?`},
		{[]string{"zzzzzz"}, `ipcctl: unknown command "zzzzzz" for "ipcctl"`},
		{[]string{"ls", "--bogus"}, `ipcctl: unknown flag: --bogus`},
	} {
		ios, _, out, errOut := iostreams.Test()
		code := Run(&cmdutil.Factory{IOStreams: ios}, tc.args)
		first, rest, _ := strings.Cut(errOut.String(), "\n")
		if code != cmdutil.ExitUsage || first != tc.want || out.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, first line %q; want 2 and %q", tc.args, code, out, first, tc.want)
		}
		if !strings.HasPrefix(rest, "Run 'ipcctl") || strings.Count(rest, "\n") != 1 {
			t.Errorf("%v: after the message: %q", tc.args, rest)
		}
	}
}

func TestRewordCobraError(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"unknown command \"mq\" for \"ipcctl\"\n\nDid you mean this?\n\tmq-send\n\tmq-recv\n\tls\n", `unknown command "mq" for "ipcctl"; did you mean "mq-send", "mq-recv" or "ls"?`},
		{`required flag(s) "size" not set`, `required flag --size not set`},
		{`required flag(s) "size", "mode" not set`, `required flags --size, --mode not set`},
		{`unknown flag: --x`, `unknown flag: --x`},
	} {
		if got := rewordCobraError(errors.New(tc.in)).Error(); got != tc.want {
			t.Errorf("rewordCobraError(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Through cobra itself, so a change of its wording shows here.
	c := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	c.Flags().String("size", "", "")
	c.MarkFlagRequired("size")
	c.SetArgs(nil)
	c.SilenceErrors, c.SilenceUsage = true, true
	if err := c.Execute(); err == nil || rewordCobraError(err).Error() != "required flag --size not set" {
		t.Errorf("cobra's required-flag error %v reworded as %v", err, rewordCobraError(err))
	}
}

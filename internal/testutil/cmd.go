package testutil

import (
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/spf13/cobra"
)

// Execute runs cmd with the space-separated argv, without cobra printing
// errors or usage (the root command does that in real runs).
func Execute(cmd *cobra.Command, argv string) error {
	cmd.SetArgs(strings.Fields(argv))
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.Execute()
}

// ParseArgs builds a verb with newCmd over test streams, runs argv through
// it and returns the options its runF received (for TestNewCmdX tests),
// and the factory they should point at.
func ParseArgs[O any](newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, argv string) (*O, *cmdutil.Factory, error) {
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios}
	var got *O
	cmd := newCmd(f, func(o *O) error { got = o; return nil })
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err := Execute(cmd, argv)
	return got, f, err
}

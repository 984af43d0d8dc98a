package testutil

import (
	"bytes"
	"io"
	"os/exec"
	"testing"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/spf13/cobra"
)

// ExecuteCmd runs a verb's cobra command on args the way the root command
// would (flag errors are usage errors), discarding cobra's own output.
// With a runF that captures the options, it tests argv → Options.
func ExecuteCmd(cmd *cobra.Command, args []string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })
	return cmd.Execute()
}

// RunCmd runs a prepared command (another user, other streams) and
// returns its output and exit code, like Run.
func RunCmd(t testing.TB, cmd *exec.Cmd) Result {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", cmd.Args, err)
	}
	return Result{Stdout: out.String(), Stderr: errOut.String(), Code: code}
}

package testutil

import (
	"bytes"
	"os/exec"
	"testing"
)

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

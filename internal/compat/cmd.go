package compat

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// NewCmdCompat is `ipcctl compat NAME [ARG...]`: the front-ends for
// those who cannot add symlinks. Flags are not parsed by cobra: every
// argument after NAME goes to the front-end, which prints its messages
// as NAME does. exit turns a non-zero status into the error the caller's
// command runner exits with, printing nothing.
func NewCmdCompat(stdin io.Reader, stdout, stderr io.Writer, version string, exit func(code int) error) *cobra.Command {
	return &cobra.Command{
		Use:   "compat {ipcs|ipcrm|ipcmk|lsipc} [ARG...]",
		Short: "Run as util-linux's ipcs, ipcrm, ipcmk or lsipc",
		Long: `Run ipcctl as a drop-in for util-linux's ipcs, ipcrm, ipcmk or lsipc:
the same options, output and exit codes as util-linux 2.38.1 (plus the
POSIX options of 2.43). The binary does the same when called through a
symlink of that name (make install-links). See docs/compat.md.`,
		Example: `  ipcctl compat ipcs -m
  ipcctl compat lsipc -g --json
  ipcctl compat ipcrm -M 0x1234abcd`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
				return cmd.Help()
			}
			if Name(args[0]) != args[0] {
				fmt.Fprintf(stderr, "ipcctl: compat: unknown front-end %q (one of %s)\n", args[0], strings.Join(Names, ", "))
				return exit(2)
			}
			code := Main(args[0], args, Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Version: version})
			if code == 0 {
				return nil
			}
			return exit(code)
		},
	}
}

// Package cli assembles ipcctl's commands and maps their errors to exit
// codes. Each verb lives in its own package below this one.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/attach"
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/cli/create"
	"github.com/ipcctl/ipcctl/internal/cli/hugepage"
	"github.com/ipcctl/ipcctl/internal/cli/key"
	"github.com/ipcctl/ipcctl/internal/cli/limits"
	"github.com/ipcctl/ipcctl/internal/cli/ls"
	"github.com/ipcctl/ipcctl/internal/cli/metrics"
	"github.com/ipcctl/ipcctl/internal/cli/mmap"
	"github.com/ipcctl/ipcctl/internal/cli/mqrecv"
	"github.com/ipcctl/ipcctl/internal/cli/mqsend"
	"github.com/ipcctl/ipcctl/internal/cli/prune"
	"github.com/ipcctl/ipcctl/internal/cli/rm"
	"github.com/ipcctl/ipcctl/internal/cli/semop"
	"github.com/ipcctl/ipcctl/internal/cli/serve"
	"github.com/ipcctl/ipcctl/internal/cli/set"
	"github.com/ipcctl/ipcctl/internal/cli/show"
	"github.com/ipcctl/ipcctl/internal/cli/thp"
	versioncmd "github.com/ipcctl/ipcctl/internal/cli/version"
	"github.com/ipcctl/ipcctl/internal/compat"
	"github.com/spf13/cobra"
)

// version is set with -ldflags "-X github.com/ipcctl/ipcctl/internal/cli.version=v1.2.3".
var version = ""

// Version is the version the binary reports.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// NewCmdRoot builds the whole command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command { return newCmdRoot(f, "") }

// newCmdRoot builds the root with every verb, or only the one named.
func newCmdRoot(f *cmdutil.Factory, only string) *cobra.Command {
	root := &cobra.Command{
		Use:   "ipcctl",
		Short: "Inspect and manage Linux IPC objects, huge pages and mappings",
		Long: `ipcctl inspects and manages every Linux IPC facility: System V shared
memory, semaphores and message queues; POSIX shared memory, named
semaphores and message queues; and the memory features beneath them.
It replaces ipcs, ipcrm, ipcmk and lsipc.

Output of --json, --raw and --export is for scripts and keeps its shape
whatever the terminal; the plain table is for people.`,
		Version:       versioncmd.Current(f.Version).String(),
		SilenceErrors: true,
		SilenceUsage:  true,
		CompletionOptions: cobra.CompletionOptions{
			HiddenDefaultCmd: false,
		},
	}
	root.SetVersionTemplate("ipcctl {{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return cmdutil.FlagErrorWrap(err)
	})
	setUsage(root)
	root.SetOut(&cobraOut{w: f.IOStreams.Out})
	root.SetErr(f.IOStreams.ErrOut)

	for _, v := range verbs {
		if only == "" || v.name == only {
			root.AddCommand(v.build(f))
		}
	}
	return root
}

// verbs are the commands of the tree, each built when it is needed: a run
// builds only the one it invokes (see invoked), which spares start-up the
// flags, help and completion of all the others.
var verbs = []struct {
	name  string
	build func(f *cmdutil.Factory) *cobra.Command
}{
	{"ls", func(f *cmdutil.Factory) *cobra.Command { return ls.NewCmdLs(f, nil) }},
	{"show", func(f *cmdutil.Factory) *cobra.Command { return show.NewCmdShow(f, nil) }},
	{"limits", func(f *cmdutil.Factory) *cobra.Command { return limits.NewCmdLimits(f, nil) }},
	{"create", func(f *cmdutil.Factory) *cobra.Command { return create.NewCmdCreate(f, nil) }},
	{"rm", func(f *cmdutil.Factory) *cobra.Command { return rm.NewCmdRm(f, nil) }},
	{"set", func(f *cmdutil.Factory) *cobra.Command { return set.NewCmdSet(f, nil) }},
	{"key", func(f *cmdutil.Factory) *cobra.Command { return key.NewCmdKey(f, nil) }},
	{"hugepage", func(f *cmdutil.Factory) *cobra.Command { return hugepage.NewCmdHugepage(f, nil) }},
	{"thp", func(f *cmdutil.Factory) *cobra.Command { return thp.NewCmdTHP(f, nil) }},
	{"attach", func(f *cmdutil.Factory) *cobra.Command { return attach.NewCmdAttach(f, nil) }},
	{"sem-op", func(f *cmdutil.Factory) *cobra.Command { return semop.NewCmdSemOp(f, nil) }},
	{"mq-send", func(f *cmdutil.Factory) *cobra.Command { return mqsend.NewCmdMqSend(f, nil) }},
	{"mq-recv", func(f *cmdutil.Factory) *cobra.Command { return mqrecv.NewCmdMqRecv(f, nil) }},
	{"mmap", func(f *cmdutil.Factory) *cobra.Command { return mmap.NewCmdMmap(f, nil) }},
	{"metrics", func(f *cmdutil.Factory) *cobra.Command { return metrics.NewCmdMetrics(f, nil) }},
	{"serve", func(f *cmdutil.Factory) *cobra.Command { return serve.NewCmdServe(f, nil) }},
	{"prune", func(f *cmdutil.Factory) *cobra.Command { return prune.NewCmdPrune(f, nil) }},
	{"compat", func(f *cmdutil.Factory) *cobra.Command {
		return compat.NewCmdCompat(f.IOStreams.In, f.IOStreams.Out, f.IOStreams.ErrOut, f.Version,
			func(code int) error { return &cmdutil.SilentExit{Code: code} })
	}},
	{"version", func(f *cmdutil.Factory) *cobra.Command { return versioncmd.NewCmdVersion(f, nil) }},
}

// noVerb is what invoked says of a run that needs no command of the tree
// (ipcctl --version).
const noVerb = "-"

// invoked names the one verb args run, when that is certain: the first
// word is a verb's name, or the only argument is --version. Anything else
// (help, completion, a typo that deserves a suggestion, a flag first) gets
// the whole tree ("").
func invoked(args []string) string {
	if len(args) == 1 && args[0] == "--version" {
		return noVerb
	}
	if len(args) == 0 {
		return ""
	}
	for _, v := range verbs {
		if v.name == args[0] {
			return v.name
		}
	}
	return ""
}

// oneCore reports whether the verb runs on one P. A listing is one
// sequential job: a second P (measured at 96 000 objects) saved 13% of
// its wall time for 30% more CPU, spent by idle GC workers and by two
// threads faulting in the heap at once. A busy host pays the CPU.
func oneCore(verb string) bool { return verb == "ls" }

// Main runs ipcctl with argv (argv[0] is the program name) and returns
// the exit status. Called as ipcs, ipcrm, ipcmk or lsipc, it is that program.
func Main(argv []string) int {
	if name := compat.Name(argv[0]); name != "" {
		return compat.Main(name, argv, compat.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Version: Version()})
	}
	args := argv[1:]
	// ipcctl runs for milliseconds: collecting the few MB a listing of
	// thousands of objects allocates costs more than it frees. A higher
	// GOGC still bounds long runs (hold, stats --interval). GOGC from the
	// environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMAXPROCS") == "" && oneCore(invoked(args)) {
		runtime.GOMAXPROCS(1)
	}
	f := cmdutil.New(Version())
	return Run(f, args)
}

// Run executes the command tree over f's streams and returns the exit status.
func Run(f *cmdutil.Factory, args []string) int {
	defer f.Close()
	root := newCmdRoot(f, invoked(args))
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		// Help, usage and --version are cobra's writes, whose errors it
		// drops: a help that did not reach its reader is a failure.
		if out, ok := root.OutOrStdout().(*cobraOut); ok {
			err = out.err
		}
	}
	if err == nil {
		return cmdutil.ExitOK
	}
	if isCobraUsageError(err) {
		err = cmdutil.FlagErrorWrap(rewordCobraError(err))
	}
	code := cmdutil.ExitCode(err)
	var silent *cmdutil.SilentExit
	if !errors.Is(err, cmdutil.ErrSilent) && !errors.As(err, &silent) {
		fmt.Fprintf(f.IOStreams.ErrOut, "ipcctl: %s\n", cmdutil.Message(err))
	}
	if code == cmdutil.ExitUsage && cmd != nil {
		fmt.Fprintf(f.IOStreams.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

// isCobraUsageError recognizes the errors cobra makes itself before any
// command runs (it has no error types for them).
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "if any flags in the group", "accepts ", "requires at least", "flag needs an argument", "required flag(s)"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// rewordCobraError turns cobra's multi-line messages into one line:
// "unknown command \"lss\" for \"ipcctl\"\n\nDid you mean this?\n\tls\n"
// becomes `unknown command "lss" for "ipcctl"; did you mean "ls"?`, and
// `required flag(s) "size" not set` becomes `required flag --size not set`.
func rewordCobraError(err error) error {
	msg := err.Error()
	if head, tail, ok := strings.Cut(msg, "\n\nDid you mean this?\n"); ok {
		var quoted []string
		for _, s := range strings.Fields(tail) {
			quoted = append(quoted, strconv.Quote(s))
		}
		if len(quoted) == 0 {
			return errors.New(head)
		}
		alts := quoted[len(quoted)-1]
		if len(quoted) > 1 {
			alts = strings.Join(quoted[:len(quoted)-1], ", ") + " or " + alts
		}
		return fmt.Errorf("%s; did you mean %s?", head, alts)
	}
	if names, ok := strings.CutPrefix(msg, "required flag(s) "); ok {
		names = strings.TrimSuffix(names, " not set")
		var flags []string
		for _, n := range strings.Split(names, ", ") {
			flags = append(flags, "--"+strings.Trim(n, `"`))
		}
		word := "flag"
		if len(flags) > 1 {
			word = "flags"
		}
		return fmt.Errorf("required %s %s not set", word, strings.Join(flags, ", "))
	}
	return err
}

// cobraOut is stdout as cobra writes to it (help, usage, --version),
// keeping the first write error, which cobra ignores.
type cobraOut struct {
	w   io.Writer
	err error
}

func (o *cobraOut) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil && o.err == nil {
		o.err = err
	}
	return n, err
}

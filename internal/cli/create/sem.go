package create

import (
	"strconv"
	"strings"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// semVMX is SEMVMX, the largest semaphore value (include/uapi/linux/sem.h).
const semVMX = 32767

func init() {
	subcommands[ipc.KindSem] = func(f *cmdutil.Factory) *cobra.Command { return NewCmdCreateSem(f, nil) }
}

// SemOptions are the parsed arguments of `ipcctl create sem`.
type SemOptions struct {
	SysvOptions
	NSems  string
	Value  string // every semaphore
	Values string // one per semaphore, comma separated
}

// NewCmdCreateSem builds `create sem`; runF replaces createSemRun in tests.
func NewCmdCreateSem(f *cmdutil.Factory, runF func(*SemOptions) error) *cobra.Command {
	opts := &SemOptions{SysvOptions: SysvOptions{IO: f.IOStreams, Factory: f}}
	cmd := &cobra.Command{
		Use:   "sem --nsems N",
		Short: "Create a System V semaphore set",
		Long: `Create a System V semaphore set of --nsems semaphores and print its id.
--value V sets every semaphore to V, --values v1,v2,... one each (0 to
32767). The values are in before any other user can reach the set: it
is created owner-only, set with SETALL, then given --mode.`,
		Example: `  ipcctl create sem --nsems 1 --value 1
  ipcctl create sem --nsems 3 --values 1,0,5 --key 0x1234 --mode 0660`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return createSemRun(opts)
		},
	}
	addSysvFlags(cmd, &opts.SysvOptions)
	cmd.Flags().StringVar(&opts.NSems, "nsems", "", "number of semaphores in the set (required)")
	cmd.Flags().StringVar(&opts.Value, "value", "", "initial value of every semaphore")
	cmd.Flags().StringVar(&opts.Values, "values", "", "initial values, one per semaphore: v1,v2,...")
	cmd.MarkFlagsMutuallyExclusive("value", "values")
	cmd.MarkFlagsMutuallyExclusive("reuse", "value")
	cmd.MarkFlagsMutuallyExclusive("reuse", "values")
	return cmd
}

func parseSemValue(s string) (uint16, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil || v > semVMX {
		return 0, cmdutil.FlagErrorf("invalid semaphore value %q: want 0 to %d", s, semVMX)
	}
	return uint16(v), nil
}

func createSemRun(opts *SemOptions) error {
	p, err := opts.parse()
	if err != nil {
		return err
	}
	if opts.NSems == "" {
		return cmdutil.FlagErrorf("create sem: --nsems is required")
	}
	n, err := strconv.ParseUint(opts.NSems, 10, 31)
	if err != nil || n == 0 {
		return cmdutil.FlagErrorf("invalid --nsems %q: want a whole number from 1", opts.NSems)
	}
	if lim, err := opts.Factory.FS.SysvLimits(); err == nil && n > lim.SemMsl {
		return cmdutil.FlagErrorf("--nsems %d is over the kernel's semmsl of %d semaphores per set", n, lim.SemMsl)
	}
	o := ipc.SemCreateOptions{Key: p.key, NSems: int(n), Mode: p.mode}
	switch {
	case opts.Value != "":
		v, err := parseSemValue(opts.Value)
		if err != nil {
			return err
		}
		o.Values = make([]uint16, n)
		for i := range o.Values {
			o.Values[i] = v
		}
	case opts.Values != "":
		parts := strings.Split(opts.Values, ",")
		if len(parts) != int(n) {
			return cmdutil.FlagErrorf("--values has %d values for --nsems %d", len(parts), n)
		}
		o.Values = make([]uint16, n)
		for i, s := range parts {
			if o.Values[i], err = parseSemValue(s); err != nil {
				return err
			}
		}
	}
	id, err := opts.Factory.IPC().SemCreate(o)
	return opts.finish(ipc.KindSem, id, err, func() (int, error) { return opts.Factory.IPC().SemGet(p.key, int(n)) })
}

package create

import (
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

func init() {
	subcommands[ipc.KindMsg] = func(f *cmdutil.Factory) *cobra.Command { return NewCmdCreateMsg(f, nil) }
}

// MsgOptions are the parsed arguments of `ipcctl create msg`.
type MsgOptions struct {
	SysvOptions
	QBytes string
}

// NewCmdCreateMsg builds `create msg`; runF replaces createMsgRun in tests.
func NewCmdCreateMsg(f *cmdutil.Factory, runF func(*MsgOptions) error) *cobra.Command {
	opts := &MsgOptions{SysvOptions: SysvOptions{IO: f.IOStreams, Factory: f}}
	cmd := &cobra.Command{
		Use:   "msg",
		Short: "Create a System V message queue",
		Long: `Create a System V message queue and print its id. --qbytes sets its
capacity in bytes (default msgmnb); above msgmnb needs CAP_SYS_RESOURCE.`,
		Example: `  ipcctl create msg
  ipcctl create msg --qbytes 64K --key 0x1234`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return createMsgRun(opts)
		},
	}
	addSysvFlags(cmd, &opts.SysvOptions)
	cmd.Flags().StringVar(&opts.QBytes, "qbytes", "", "queue capacity in bytes, or with K, M...")
	cmd.MarkFlagsMutuallyExclusive("reuse", "qbytes")
	return cmd
}

func createMsgRun(opts *MsgOptions) error {
	p, err := opts.parse()
	if err != nil {
		return err
	}
	o := ipc.MsgCreateOptions{Key: p.key, Mode: p.mode}
	if opts.QBytes != "" {
		if o.QBytes, err = cmdutil.ParsePositiveSize("--qbytes", opts.QBytes); err != nil {
			return err
		}
	}
	id, err := opts.Factory.IPC().MsgCreate(o)
	return opts.finish(ipc.KindMsg, id, err, func() (int, error) { return opts.Factory.IPC().MsgGet(p.key) })
}

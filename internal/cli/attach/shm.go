package attach

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/hexdump"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

func init() {
	kinds = append(kinds, func(f *cmdutil.Factory) *cobra.Command { return NewCmdAttachShm(f, nil) })
}

// ShmOptions are the parsed arguments of `ipcctl attach shm`.
type ShmOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	ID       int
	Read     bool
	Write    bool
	Hexdump  bool
	ReadOnly bool
	Hold     bool
	Offset   uint64
	Length   *uint64 // nil: to the end of the segment
	Data     *string // --write's string argument
	In       string
	Out      string

	// WaitHeld blocks while --hold keeps the segment attached; nil waits
	// for SIGINT or SIGTERM.
	WaitHeld func()
}

// NewCmdAttachShm builds `attach shm`; runF replaces attachShmRun in tests.
func NewCmdAttachShm(f *cmdutil.Factory, runF func(*ShmOptions) error) *cobra.Command {
	opts := &ShmOptions{IO: f.IOStreams, Factory: f}
	var offset, length string
	cmd := &cobra.Command{
		Use:   "shm ID [DATA]",
		Short: "Read, write or dump a System V shared memory segment",
		Long: `Attach System V shared memory segment ID (shmat) and do one thing with it:

  --read      copy its bytes, nothing added, to stdout or --out FILE
  --hexdump   dump them in the format of hexdump -C
  --write     copy DATA, --in FILE or stdin into it
  --hold      stay attached (nattch counts this process) until SIGINT or SIGTERM

--offset and --length choose a part of the segment (sizes like 4096, 4K, 1M).
A write that would run past the end of the segment is refused and nothing
is written. --read and --hexdump attach read-only (SHM_RDONLY), so read
permission is enough; --rdonly makes --hold attach read-only too.`,
		Example: `  ipcctl attach shm 42 --read --out seg.bin
  ipcctl attach shm 42 --hexdump --length 256
  ipcctl attach shm 42 --write 'hello' --offset 128
  ipcctl attach shm 42 --write --in payload.bin
  ipcctl attach shm 42 --hold --rdonly &`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return cmdutil.FlagErrorf("attach shm: want an id and, with --write, optional DATA; got %d argument(s)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := cmdutil.ParseID(args[0])
			if err != nil {
				return err
			}
			opts.ID = id
			if len(args) == 2 {
				opts.Data = &args[1]
			}
			if offset != "" {
				if opts.Offset, err = cmdutil.ParseSize(offset); err != nil {
					return fmt.Errorf("--offset: %w", err)
				}
			}
			if length != "" {
				n, err := cmdutil.ParseSize(length)
				if err != nil {
					return fmt.Errorf("--length: %w", err)
				}
				opts.Length = &n
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return attachShmRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Read, "read", false, "copy the bytes to stdout or --out")
	fl.BoolVar(&opts.Write, "write", false, "write DATA, --in FILE or stdin into the segment")
	fl.BoolVar(&opts.Hexdump, "hexdump", false, "dump the bytes like hexdump -C")
	fl.BoolVar(&opts.ReadOnly, "rdonly", false, "attach read-only (SHM_RDONLY)")
	fl.BoolVar(&opts.Hold, "hold", false, "stay attached until SIGINT or SIGTERM")
	fl.StringVar(&offset, "offset", "", "start at this byte `OFFSET` (default 0)")
	fl.StringVar(&length, "length", "", "read or dump `SIZE` bytes (default: to the end)")
	fl.StringVar(&opts.In, "in", "", "read the data to write from `FILE`")
	fl.StringVar(&opts.Out, "out", "", "write the bytes read to `FILE` instead of stdout")
	cmd.MarkFlagsMutuallyExclusive("read", "write", "hexdump")
	cmd.MarkFlagsMutuallyExclusive("write", "rdonly")
	return cmd
}

// validate refuses flag combinations that make no sense, before anything is attached.
func (o *ShmOptions) validate() error {
	switch {
	case !o.Read && !o.Write && !o.Hexdump && !o.Hold:
		return cmdutil.FlagErrorf("attach shm: nothing to do: give --read, --write, --hexdump or --hold")
	case o.Data != nil && !o.Write:
		return cmdutil.FlagErrorf("attach shm: unexpected argument %q (DATA goes with --write)", *o.Data)
	case o.Data != nil && o.In != "":
		return cmdutil.FlagErrorf("attach shm: give DATA or --in, not both")
	case o.In != "" && !o.Write:
		return cmdutil.FlagErrorf("attach shm: --in goes with --write")
	case o.Out != "" && !o.Read && !o.Hexdump:
		return cmdutil.FlagErrorf("attach shm: --out goes with --read or --hexdump")
	case o.Length != nil && o.Write:
		return cmdutil.FlagErrorf("attach shm: --length goes with --read or --hexdump; a write is as long as its data")
	case (o.Offset != 0 || o.Length != nil) && !o.Read && !o.Write && !o.Hexdump:
		return cmdutil.FlagErrorf("attach shm: --offset and --length go with --read, --write or --hexdump")
	}
	return nil
}

func attachShmRun(opts *ShmOptions) error {
	var out io.Writer = opts.IO.Out
	if opts.Out != "" {
		f, err := os.Create(opts.Out)
		if err != nil {
			return fmt.Errorf("attach shm %d: %w", opts.ID, err)
		}
		defer f.Close()
		out = f
	}
	wait := opts.WaitHeld
	if opts.Hold && wait == nil {
		// Catch the signals before attaching: one that comes between the
		// attach and the wait must still end in a clean detach.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		wait = func() { <-ctx.Done() }
	}
	readOnly := opts.ReadOnly || opts.Read || opts.Hexdump
	a, err := opts.Factory.IPC().ShmAttach(opts.ID, ipc.ShmAttachOptions{ReadOnly: readOnly})
	if err != nil {
		return fmt.Errorf("attach shm %d: %w", opts.ID, err)
	}
	err = useSegment(opts, a, out)
	if err == nil && opts.Out != "" {
		err = out.(*os.File).Close()
	}
	if err == nil && opts.Hold {
		hold(opts, a, readOnly, wait)
	}
	if derr := a.Detach(); err == nil {
		err = derr
	}
	if err != nil {
		return fmt.Errorf("attach shm %d: %w", opts.ID, err)
	}
	return nil
}

// useSegment does the read, dump or write on the attached segment.
func useSegment(opts *ShmOptions, a *ipc.Attachment, out io.Writer) error {
	if !opts.Read && !opts.Write && !opts.Hexdump {
		return nil
	}
	size := uint64(a.Size())
	if opts.Offset > size {
		return cmdutil.FlagErrorf("--offset %d is past the end of the segment (size %d bytes)", opts.Offset, size)
	}
	room := size - opts.Offset
	if opts.Write {
		data, err := writeData(opts, room)
		if err != nil {
			return err
		}
		copy(a.Bytes()[opts.Offset:], data)
		return nil
	}
	n := room
	if opts.Length != nil {
		if *opts.Length > room {
			return cmdutil.FlagErrorf("--length %d from offset %d runs past the end of the segment (size %d bytes)", *opts.Length, opts.Offset, size)
		}
		n = *opts.Length
	}
	region := a.Bytes()[opts.Offset : opts.Offset+n]
	if opts.Hexdump {
		if n == 0 && opts.Length != nil {
			return nil // as hexdump -n 0: not even the offset line
		}
		return hexdump.Write(out, region, opts.Offset)
	}
	_, err := out.Write(region)
	return err
}

// writeData reads what --write writes, refusing more than room bytes
// before anything touches the segment.
func writeData(opts *ShmOptions, room uint64) ([]byte, error) {
	refuse := func(what string) error {
		return cmdutil.FlagErrorf("refused: %s do not fit in the %d bytes from offset %d to the end of the segment (size %d bytes); nothing written",
			what, room, opts.Offset, opts.Offset+room)
	}
	if opts.Data != nil {
		if uint64(len(*opts.Data)) > room {
			return nil, refuse(fmt.Sprintf("%d bytes", len(*opts.Data)))
		}
		return []byte(*opts.Data), nil
	}
	data, name, err := cmdutil.ReadInput(opts.IO.In, opts.In, room)
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) > room {
		return nil, refuse(fmt.Sprintf("more than %d bytes from %s", room, name))
	}
	return data, nil
}

// hold keeps the segment attached until wait returns.
func hold(opts *ShmOptions, a *ipc.Attachment, readOnly bool, wait func()) {
	mode := "read-write"
	if readOnly {
		mode = "read-only"
	}
	fmt.Fprintf(opts.IO.ErrOut, "ipcctl: holding shm %d attached (%d bytes, %s) until SIGINT or SIGTERM\n", opts.ID, a.Size(), mode)
	wait()
}

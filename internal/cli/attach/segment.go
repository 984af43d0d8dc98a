package attach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/hexdump"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/outfile"
	"github.com/ipcctl/ipcctl/pkg/errclass"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl attach shm` and `attach pshm`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	ID       int    // attach shm: the segment id
	Name     string // attach pshm: the object name, with its "/"
	Read     bool
	Write    bool
	Hexdump  bool
	ReadOnly bool
	Hold     bool
	Offset   uint64
	Length   *uint64 // nil: to the end of the object
	Data     *string // --write's string argument
	In       string
	Out      string

	// WaitHeld blocks while --hold keeps the object attached; nil waits
	// for SIGINT or SIGTERM.
	WaitHeld func()

	kind *segmentKind
}

// segmentKind is what differs between the kinds attach works on: how the
// object is named, attached and described. Reading, writing, dumping and
// holding are the same for all of them.
type segmentKind struct {
	name    string // the subcommand: shm, pshm
	use     string
	short   string
	long    string
	example string
	noun    string // in messages: "segment", "object"
	rdonly  string // help of --rdonly
	// parse stores the object argument in opts.
	parse func(arg string, opts *Options) error
	// attach maps the whole object, read-only or not.
	attach func(opts *Options, readOnly bool) (*ipc.Mapping, error)
	// label names the object in messages: "shm 42", "pshm /x".
	label func(opts *Options) string
}

// longHelp is the part of the help every kind shares, after its first paragraph.
func (k *segmentKind) longHelp(intro, hold, readOnly string) string {
	return intro + `

  --read      copy its bytes, nothing added, to stdout or --out FILE
  --hexdump   dump them in the format of hexdump -C
  --write     write DATA into it: --write=DATA, the DATA argument,
              --in FILE, or stdin (--in -)
  --hold      ` + hold + `

--offset and --length choose a part of the ` + k.noun + ` (sizes like 4096, 4K, 1M),
as in mmap: --read and --hexdump copy --length bytes from --offset
(default: to the end), --write writes at --offset. A write that would
run past the end of the ` + k.noun + `, or past --length when given, is
refused and nothing is written. ` + readOnly
}

// newSegmentCmd builds `attach KIND`; runF replaces attachRun in tests.
func newSegmentCmd(f *cmdutil.Factory, k *segmentKind, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f, kind: k}
	var offset, length, inline string
	cmd := &cobra.Command{
		Use:     k.use,
		Short:   k.short,
		Long:    k.long,
		Example: k.example,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return cmdutil.FlagErrorf("attach %s: want %s and, with --write, optional DATA; got %d argument(s)", k.name, argWant(k), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := k.parse(args[0], opts); err != nil {
				return err
			}
			opts.Write = cmd.Flags().Changed("write") || opts.In != ""
			if cmd.Flags().Changed("write") && inline != cmdutil.StdinArg {
				opts.Data = &inline
			}
			if len(args) == 2 {
				if opts.Data != nil {
					return cmdutil.FlagErrorf("attach %s: unexpected argument %q (--write=DATA was given)", k.name, args[1])
				}
				opts.Data = &args[1]
			}
			var err error
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
			return attachRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Read, "read", false, "copy the bytes to stdout or --out")
	fl.StringVar(&inline, "write", "", "write `DATA` at --offset (--write alone: the DATA argument, --in FILE or stdin)")
	fl.Lookup("write").NoOptDefVal = cmdutil.StdinArg
	fl.BoolVar(&opts.Hexdump, "hexdump", false, "dump the bytes like hexdump -C")
	fl.BoolVar(&opts.ReadOnly, "rdonly", false, k.rdonly)
	fl.BoolVar(&opts.Hold, "hold", false, "stay attached until SIGINT or SIGTERM")
	fl.StringVar(&offset, "offset", "", "start at this byte `OFFSET` (default 0)")
	fl.StringVar(&length, "length", "", "read or dump `SIZE` bytes from --offset, or write at most that (default: to the end)")
	fl.StringVar(&opts.In, "in", "", "read the data to write from `FILE` (- for stdin)")
	fl.StringVar(&opts.Out, "out", "", "write the bytes read to `FILE` instead of stdout (replaced only when all is written)")
	cmd.MarkFlagsMutuallyExclusive("read", "write", "hexdump")
	cmd.MarkFlagsMutuallyExclusive("write", "rdonly")
	return cmd
}

// argWant says what the object argument is, for usage errors.
func argWant(k *segmentKind) string {
	if k.name == "shm" {
		return "an id"
	}
	return "a name"
}

// validate refuses flag combinations that make no sense, before anything is attached.
func (o *Options) validate() error {
	k := o.kind.name
	switch {
	case !o.Read && !o.Write && !o.Hexdump && !o.Hold:
		return cmdutil.FlagErrorf("attach %s: nothing to do: give --read, --write, --hexdump or --hold", k)
	case o.Data != nil && !o.Write:
		return cmdutil.FlagErrorf("attach %s: unexpected argument %q (DATA goes with --write)", k, *o.Data)
	case o.Data != nil && o.In != "":
		return cmdutil.FlagErrorf("attach %s: give DATA or --in, not both", k)
	case o.In != "" && (o.Read || o.Hexdump):
		return cmdutil.FlagErrorf("attach %s: --in writes; it does not go with --read or --hexdump", k)
	case o.Out != "" && !o.Read && !o.Hexdump:
		return cmdutil.FlagErrorf("attach %s: --out goes with --read or --hexdump", k)
	case (o.Offset != 0 || o.Length != nil) && !o.Read && !o.Write && !o.Hexdump:
		return cmdutil.FlagErrorf("attach %s: --offset and --length go with --read, --write or --hexdump", k)
	}
	return nil
}

func attachRun(opts *Options) error {
	label := opts.kind.label(opts)
	wait := opts.WaitHeld
	if opts.Hold && wait == nil {
		// Catch the signals before attaching: one that comes between the
		// attach and the wait must still end in a clean detach.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		wait = func() { <-ctx.Done() }
	}
	readOnly := opts.ReadOnly || opts.Read || opts.Hexdump
	m, err := opts.kind.attach(opts, readOnly)
	if err != nil {
		return fmt.Errorf("attach %s: %w", label, err)
	}
	// --out is made only once the object is there, and replaces FILE
	// only once everything was read: a missing object or a failed read
	// leaves an existing FILE as it was.
	var out io.Writer = opts.IO.Out
	var of *outfile.File
	if opts.Out != "" {
		var sources []outfile.Source
		if dev, ino, ok := m.FileID(); ok {
			sources = append(sources, outfile.Source{Dev: dev, Ino: ino, What: label})
		}
		if of, err = outfile.Create(opts.Out, sources...); err != nil {
			m.Close()
			if errors.Is(err, errclass.Usage) {
				err = cmdutil.FlagErrorWrap(err)
			}
			return fmt.Errorf("attach %s: %w", label, err)
		}
		defer of.Abort()
		out = of.File() // a file: the kernel copies straight from the mapping
	}
	err = useSegment(opts, m, out)
	if err == nil && of != nil {
		err = of.Commit()
	}
	if err == nil && opts.Hold {
		hold(opts, label, m, readOnly, wait)
	}
	if derr := m.Close(); err == nil {
		err = derr
	}
	if err != nil {
		return fmt.Errorf("attach %s: %w", label, err)
	}
	return nil
}

// useSegment does the read, dump or write on the mapped object.
func useSegment(opts *Options, m *ipc.Mapping, out io.Writer) error {
	if !opts.Read && !opts.Write && !opts.Hexdump {
		return nil
	}
	noun := opts.kind.noun
	size := m.Size()
	if opts.Offset > size {
		return cmdutil.FlagErrorf("--offset %d is past the end of the %s (size %d bytes)", opts.Offset, noun, size)
	}
	room := size - opts.Offset
	if opts.Write {
		if opts.Length != nil {
			room = min(room, *opts.Length)
		}
		data, err := writeData(opts, room)
		if err != nil {
			return err
		}
		_, err = m.WriteAt(data, int64(opts.Offset))
		return err
	}
	n := room
	if opts.Length != nil {
		if *opts.Length > room {
			return cmdutil.FlagErrorf("--length %d from offset %d runs past the end of the %s (size %d bytes)", *opts.Length, opts.Offset, noun, size)
		}
		n = *opts.Length
	}
	if opts.Hexdump {
		if n == 0 && opts.Length != nil {
			return nil // as hexdump -n 0: not even the offset line
		}
		d := hexdump.NewWriter(out, opts.Offset)
		if _, err := m.CopyTo(d, int64(opts.Offset), int64(n)); err != nil {
			return err
		}
		return d.Close()
	}
	_, err := m.CopyTo(out, int64(opts.Offset), int64(n))
	return err
}

// writeData reads what --write writes, refusing more than room bytes
// before anything touches the object.
func writeData(opts *Options, room uint64) ([]byte, error) {
	refuse := func(what string) error {
		limit := fmt.Sprintf("to the end of the %s (size %d bytes)", opts.kind.noun, opts.Offset+room)
		if opts.Length != nil && *opts.Length == room {
			limit = "of --length"
		}
		return cmdutil.FlagErrorf("refused: %s do not fit in the %d bytes from offset %d %s; nothing written",
			what, room, opts.Offset, limit)
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

// hold keeps the object attached until wait returns.
func hold(opts *Options, label string, m *ipc.Mapping, readOnly bool, wait func()) {
	mode := "read-write"
	if readOnly {
		mode = "read-only"
	}
	fmt.Fprintf(opts.IO.ErrOut, "ipcctl: holding %s attached (%d bytes, %s) until SIGINT or SIGTERM\n", label, m.Size(), mode)
	wait()
}

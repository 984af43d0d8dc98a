// Package mmap implements `ipcctl mmap`: map a file (or anonymous memory)
// and act on the mapping, and report or change page-cache residency.
package mmap

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/ipcctl/ipcctl/pkg/errclass"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/hexdump"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/outfile"
	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// Options are the parsed arguments of `ipcctl mmap FILE`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Path     string
	Private  bool
	Prot     string // r, rw, rx, rwx; "" = r, or rw when writing
	Offset   string
	Length   string
	Grow     bool
	Populate bool

	Read    bool
	Out     string
	Hexdump bool

	Write    string // the data: --write=DATA or the DATA argument
	HasData  bool   // Write holds the data (else it comes from --in or stdin)
	HasWrite bool   // --write (or --in) was given
	In       string // FILE to write, - for stdin
	At       string // hidden, old spelling: added to --offset for the write

	Sync, Async, Invalidate bool
	Advise                  string
	Lock                    bool
	Hold                    bool
}

// advice maps --advise names to madvise(2) advice.
var advice = map[string]int{
	"normal":     unix.MADV_NORMAL,
	"sequential": unix.MADV_SEQUENTIAL,
	"random":     unix.MADV_RANDOM,
	"willneed":   unix.MADV_WILLNEED,
	"dontneed":   unix.MADV_DONTNEED,
	"hugepage":   unix.MADV_HUGEPAGE,
	"nohugepage": unix.MADV_NOHUGEPAGE,
	"collapse":   unix.MADV_COLLAPSE,
}

var adviceNames = []string{"normal", "sequential", "random", "willneed", "dontneed", "hugepage", "nohugepage", "collapse"}

// prots maps --prot to PROT_* bits.
var prots = map[string]int{
	"r":   unix.PROT_READ,
	"rw":  unix.PROT_READ | unix.PROT_WRITE,
	"rx":  unix.PROT_READ | unix.PROT_EXEC,
	"rwx": unix.PROT_READ | unix.PROT_WRITE | unix.PROT_EXEC,
}

// NewCmdMmap builds `mmap` and its subcommands; runF replaces mmapRun in tests.
func NewCmdMmap(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	var shared bool
	cmd := &cobra.Command{
		Use:   "mmap FILE [DATA]",
		Short: "Map a file and read, write, sync, advise or lock it; page-cache residency",
		Long: `Map FILE (shared by default) and act on the mapping, in this order:
--advise, --lock, --write, --sync/--async/--invalidate, --read, --hold.
Without --read, one line describing the mapping is printed.

--offset and --length choose a part of the file, as in attach: --read
and --hexdump copy --length bytes from --offset (default: to the end of
the file), --write writes at --offset. The mapping starts at the page
that holds --offset. --write takes DATA as --write=DATA, as the argument
after FILE, from --in FILE, or from stdin (--in -), and is refused whole
if it does not fit: past the end of the file (touching it would be
SIGBUS) unless --grow extends the file first (to --offset+--length, or
to the end of the write), or past --length when given. Nothing changes
the file unless asked: writes to a --private mapping stay in this
process, and --sync on one does nothing.

Subcommands: anon (anonymous and huge page mappings), residency (like
fincore), touch and evict (like vmtouch -t/-l and -e). To map a file
named like a subcommand, write ./anon.

--lock failing names RLIMIT_MEMLOCK; it exits 1 (ENOMEM), 4 (EPERM) or
6 (EAGAIN) as the kernel said.`,
		Example: `  ipcctl mmap data.bin --read --offset 4K --length 4K | xxd
  ipcctl mmap data.bin --write hello --offset 100 --sync
  ipcctl mmap data.bin --write=hello --private        # the file is unchanged
  ipcctl mmap data.bin --write x --offset 1048575 --grow
  ipcctl mmap data.bin --write --in payload.bin --offset 4K
  ipcctl mmap data.bin --advise willneed --lock --hold`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return cmdutil.FlagErrorf("mmap: want a FILE (or a subcommand) and, with --write, optional DATA; got %d argument(s)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			opts.HasWrite = cmd.Flags().Changed("write") || opts.In != ""
			opts.HasData = opts.HasWrite && opts.Write != cmdutil.StdinArg && cmd.Flags().Changed("write")
			switch {
			case len(args) == 2 && (!opts.HasWrite || opts.HasData || opts.In != ""):
				return cmdutil.FlagErrorf("mmap: unexpected argument %q (DATA goes with --write, given once)", args[1])
			case len(args) == 2:
				opts.Write, opts.HasData = args[1], true
			case opts.HasData && opts.In != "":
				return cmdutil.FlagErrorf("mmap: give --write=DATA or --in, not both")
			}
			if !opts.HasData {
				opts.Write = ""
			}
			if opts.Out != "" || opts.Hexdump {
				opts.Read = true
			}
			if runF != nil {
				return runF(opts)
			}
			return mmapRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&shared, "shared", true, "MAP_SHARED: writes reach the file (the default)")
	fl.BoolVar(&opts.Private, "private", false, "MAP_PRIVATE: writes stay in this process, the file is unchanged")
	fl.StringVar(&opts.Prot, "prot", "", "protection: r, rw, rx or rwx (default r, or rw when writing)")
	fl.StringVar(&opts.Offset, "offset", "0", "start at this byte `OFFSET` of the file")
	fl.StringVar(&opts.Length, "length", "", "read, dump or map `SIZE` bytes from --offset (default: to the end of the file)")
	fl.BoolVar(&opts.Grow, "grow", false, "extend the file (fallocate) to --offset+--length, or to the end of the write")
	fl.BoolVar(&opts.Populate, "populate", false, "MAP_POPULATE: fault every page in at map time")
	fl.BoolVar(&opts.Read, "read", false, "copy the bytes, nothing added, to stdout or --out")
	fl.StringVar(&opts.Out, "out", "", "write the bytes read to `FILE` instead of stdout (replaced only when all is written)")
	fl.BoolVar(&opts.Hexdump, "hexdump", false, "dump the bytes like hexdump -C")
	fl.StringVar(&opts.Write, "write", "", "write `DATA` at --offset (--write alone: the DATA argument, --in FILE or stdin)")
	fl.Lookup("write").NoOptDefVal = cmdutil.StdinArg
	fl.StringVar(&opts.In, "in", "", "read the data to write from `FILE` (- for stdin)")
	fl.StringVar(&opts.At, "at", "0", "old spelling: write at --offset plus `OFFSET`")
	_ = fl.MarkHidden("at")
	fl.BoolVar(&opts.Sync, "sync", false, "msync(MS_SYNC): write changes back and wait")
	fl.BoolVar(&opts.Async, "async", false, "msync(MS_ASYNC): schedule the write-back")
	fl.BoolVar(&opts.Invalidate, "invalidate", false, "msync(MS_INVALIDATE): invalidate other mappings of the file")
	fl.StringVar(&opts.Advise, "advise", "", "madvise: "+strings.Join(adviceNames, ", "))
	fl.BoolVar(&opts.Lock, "lock", false, "mlock the mapping (limited by RLIMIT_MEMLOCK)")
	fl.BoolVar(&opts.Hold, "hold", false, "keep the mapping until SIGINT or SIGTERM")
	cmd.MarkFlagsMutuallyExclusive("shared", "private")
	cmd.MarkFlagsMutuallyExclusive("sync", "async")
	_ = cmd.RegisterFlagCompletionFunc("advise", cobra.FixedCompletions(adviceNames, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("prot", cobra.FixedCompletions([]string{"r", "rw", "rx", "rwx"}, cobra.ShellCompDirectiveNoFileComp))

	cmd.AddCommand(
		NewCmdAnon(f, nil),
		NewCmdResidency(f, nil),
		NewCmdTouch(f, nil),
		NewCmdEvict(f, nil),
	)
	return cmd
}

// parseOffset parses a byte offset or length that must fit an int64.
func parseOffset(flag, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := cmdutil.ParseSize(s)
	if err != nil {
		return 0, fmt.Errorf("--%s: %w", flag, err)
	}
	if v > math.MaxInt64 {
		return 0, cmdutil.FlagErrorf("--%s %s: larger than %d", flag, s, int64(math.MaxInt64))
	}
	return int64(v), nil
}

// usageIfBadInput turns the mapping refusals that are the caller's fault into usage errors.
func usageIfBadInput(err error) error {
	for _, e := range []error{mmaputil.ErrUnaligned, mmaputil.ErrPastEOF, mmaputil.ErrEmpty, mmaputil.ErrNotRegular, mmaputil.ErrHugePageSize} {
		if errors.Is(err, e) {
			return cmdutil.FlagErrorWrap(err)
		}
	}
	return err
}

func mmapRun(opts *Options) (err error) {
	offset, err := parseOffset("offset", opts.Offset)
	if err != nil {
		return err
	}
	length, err := parseOffset("length", opts.Length)
	if err != nil {
		return err
	}
	if opts.Length != "" && length == 0 {
		return cmdutil.FlagErrorf("--length %s: nothing to map (leave --length out to go to the end of the file)", opts.Length)
	}
	at, err := parseOffset("at", opts.At)
	if err != nil {
		return err
	}
	adv, hasAdvice := advice[opts.Advise]
	if opts.Advise != "" && !hasAdvice {
		return cmdutil.FlagErrorf("invalid --advise %q: want one of %s", opts.Advise, strings.Join(adviceNames, ", "))
	}
	writing := opts.HasWrite
	protName := opts.Prot
	if protName == "" {
		protName = "r"
		if writing {
			protName = "rw"
		}
	}
	prot, ok := prots[protName]
	if !ok {
		return cmdutil.FlagErrorf("invalid --prot %q: want r, rw, rx or rwx", opts.Prot)
	}
	if writing && prot&unix.PROT_WRITE == 0 {
		return cmdutil.FlagErrorf("cannot write to a read-only mapping: use --prot rw")
	}
	if opts.Grow && length == 0 && !writing {
		return cmdutil.FlagErrorf("--grow needs --length (the size to grow the file to from --offset) or a write")
	}
	if at > math.MaxInt64-offset {
		return cmdutil.FlagErrorf("--offset %d + --at %d is too large", offset, at)
	}
	pos := offset + at // where a write goes

	// The file must be writable only when writes can reach it (or it grows).
	flag := os.O_RDONLY
	if (!opts.Private && prot&unix.PROT_WRITE != 0) || opts.Grow {
		flag = os.O_RDWR
	}
	// O_NONBLOCK: a FIFO named by mistake is refused, not waited on.
	file, err := os.OpenFile(opts.Path, flag|unix.O_NONBLOCK, 0)
	err = errclass.IfNotExist(err) // the file is the object: missing, exit 3
	if err != nil {
		return fmt.Errorf("mmap: %w", err)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return fmt.Errorf("mmap: %w", err)
	}
	if !fi.Mode().IsRegular() {
		what := ""
		if fi.IsDir() {
			what = " (is a directory)"
		}
		return usageIfBadInput(fmt.Errorf("mmap: %s: %w%s", opts.Path, mmaputil.ErrNotRegular, what))
	}
	size := fi.Size()

	// The part of the file the command works on: [offset, end).
	end := size
	if length > 0 {
		if length > math.MaxInt64-offset {
			return cmdutil.FlagErrorf("--offset %d + --length %d is too large", offset, length)
		}
		end = offset + length
	}
	var data []byte
	if writing {
		// A write that cannot fit is refused before anything (--grow)
		// touches the file, and input is read only as far as it fits:
		// --in /dev/zero must not read for ever.
		limit := end
		if opts.Grow && length == 0 {
			limit = math.MaxInt64 // the write says how far the file grows
		}
		room := uint64(max(limit-pos, 0))
		if data, err = writeData(opts, min(room, 1<<40)); err != nil {
			return err
		}
		if uint64(len(data)) > room || pos > limit {
			return cmdutil.FlagErrorf("mmap %s: writing %s at %d ends past %s; nothing written",
				opts.Path, describe(opts, data, room), pos, pastWhat(opts, length, offset, end))
		}
		if opts.Grow && length == 0 {
			end = max(pos+int64(len(data)), size)
		}
	}
	if end <= offset {
		if size == 0 && !opts.Grow {
			return cmdutil.FlagErrorf("mmap %s: %v: the file is empty", opts.Path, mmaputil.ErrEmpty)
		}
		return cmdutil.FlagErrorf("mmap %s: --offset %d is at or past the end of the file (%d bytes); --grow extends it", opts.Path, offset, size)
	}
	if end > size && !opts.Grow {
		return cmdutil.FlagErrorf("mmap %s: --offset %d + --length %d = %d is %v (%d bytes); --grow extends the file", opts.Path, offset, end-offset, end, mmaputil.ErrPastEOF, size)
	}
	// The mapping starts at the page that holds offset.
	mapStart := offset / int64(mmaputil.PageSize) * int64(mmaputil.PageSize)
	m, err := mmaputil.MapFile(file, mmaputil.FileOptions{
		Offset: mapStart, Length: end - mapStart, Prot: prot, Private: opts.Private, Populate: opts.Populate, Grow: opts.Grow,
	})
	if err != nil {
		return usageIfBadInput(fmt.Errorf("mmap: %w", err))
	}
	defer m.Close()
	// A --grow whose work then fails gives the file its old size back.
	defer func() {
		if err != nil {
			if uerr := m.UndoGrow(); uerr != nil {
				err = fmt.Errorf("%w; restoring the size failed too: %v", err, uerr)
			}
		}
	}()

	if hasAdvice {
		if err := m.Advise(adv); err != nil {
			return fmt.Errorf("mmap %s: --advise %s: %w", opts.Path, opts.Advise, err)
		}
	}
	if opts.Lock {
		if err := m.Lock(); err != nil {
			return fmt.Errorf("mmap %s: %w", opts.Path, err)
		}
	}
	if writing {
		if _, err := m.WriteAt(data, pos-mapStart); err != nil {
			return fmt.Errorf("mmap %s: %w", opts.Path, err)
		}
		if opts.Private {
			fmt.Fprintf(opts.IO.ErrOut, "ipcctl: mmap %s: wrote %d bytes at %d to a private mapping: the change was private, the file is unchanged\n", opts.Path, len(data), pos)
		}
	}
	if opts.Sync || opts.Async || opts.Invalidate {
		if opts.Private {
			fmt.Fprintf(opts.IO.ErrOut, "ipcctl: mmap %s: msync on a private mapping is a no-op: private changes never reach the file\n", opts.Path)
		}
		var flags int
		if opts.Sync {
			flags |= unix.MS_SYNC
		}
		if opts.Async {
			flags |= unix.MS_ASYNC
		}
		if opts.Invalidate {
			flags |= unix.MS_INVALIDATE
		}
		if err := m.Sync(flags); err != nil {
			return fmt.Errorf("mmap %s: %w", opts.Path, err)
		}
	}
	if opts.Read {
		if err := readOut(opts, file, m, offset, offset-mapStart, end-offset); err != nil {
			return err
		}
	} else {
		vec, err := m.Resident()
		if err != nil {
			return fmt.Errorf("mmap %s: %w", opts.Path, err)
		}
		kind := "shared"
		if opts.Private {
			kind = "private"
		}
		if err := cmdutil.WriteLine(opts.IO.Out, "mmap "+opts.Path, "%s: mapped %d bytes at offset %d, %s, prot %s, %d of %d pages resident\n",
			opts.Path, m.Len(), mapStart, kind, protName, vec.Count(), len(vec)); err != nil {
			return err
		}
	}
	if opts.Hold {
		return hold(opts.IO, fmt.Sprintf("mapping of %s at %#x", opts.Path, m.Addr()))
	}
	return nil
}

// pastWhat names the limit a refused write ran past.
func pastWhat(opts *Options, length, offset, end int64) string {
	if length > 0 {
		return fmt.Sprintf("--offset %d + --length %d", offset, length)
	}
	return fmt.Sprintf("the end of the file (%d bytes; --grow extends it)", end)
}

// writeData returns what --write or --in writes, reading --in (a file,
// or stdin for -) no further than room+1 bytes.
func writeData(opts *Options, room uint64) ([]byte, error) {
	if opts.HasData {
		return []byte(opts.Write), nil
	}
	data, _, err := cmdutil.ReadInput(opts.IO.In, opts.In, room)
	if err != nil {
		return nil, fmt.Errorf("mmap: --in: %w", err)
	}
	return data, nil
}

// describe says how much a refused write was.
func describe(opts *Options, data []byte, room uint64) string {
	if opts.HasData {
		return fmt.Sprintf("%d bytes", len(data))
	}
	from := opts.In
	if from == "-" || from == "" {
		from = "stdin"
	}
	return fmt.Sprintf("more than %d bytes from %s", room, from)
}

// readOut writes the mapped bytes: raw, or as a hexdump with file
// offsets. --out FILE is replaced only once everything was written, and
// never by the file being mapped.
// The bytes are n bytes at off in the mapping, offset in the file.
func readOut(opts *Options, file *os.File, m *mmaputil.Mapping, offset, off, n int64) error {
	out := opts.IO.Out
	var of *outfile.File
	if opts.Out != "" {
		src, err := outfile.SourceOf(file, opts.Path)
		if err != nil {
			return fmt.Errorf("mmap: %w", err)
		}
		if of, err = outfile.Create(opts.Out, src); err != nil {
			if errors.Is(err, errclass.Usage) {
				err = cmdutil.FlagErrorWrap(err)
			}
			return fmt.Errorf("mmap: %w", err)
		}
		defer of.Abort()
		out = of.File()
	}
	var err error
	if opts.Hexdump {
		d := hexdump.NewWriter(out, uint64(offset))
		if _, err = m.CopyTo(d, off, n); err == nil {
			err = d.Close()
		}
	} else {
		_, err = m.CopyTo(out, off, n)
	}
	if err == nil && of != nil {
		err = of.Commit()
	}
	if err != nil {
		return fmt.Errorf("mmap: writing output: %w", err)
	}
	return nil
}

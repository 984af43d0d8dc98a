// Package mqrecv implements `ipcctl mq-recv`: take messages from a System
// V message queue by id. A first argument starting with "/" names a
// POSIX message queue (posix.go).
package mqrecv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/outfile"
	"github.com/ipcctl/ipcctl/pkg/ipc"
	"github.com/spf13/cobra"
)

// Options are the parsed arguments of `ipcctl mq-recv`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	ID   int
	Name string // POSIX queue name ("/NAME"); empty for System V

	Type    int64
	Except  bool
	NoError bool
	MaxSize *int // nil: kernel.msgmax
	NoWait  bool
	Timeout time.Duration
	Peek    *int64
	Count   int
	All     bool
	JSON    bool
	Out     string

	// POSIX only.
	WaitNotify bool
}

// NewCmdMqRecv builds the command; runF replaces mqRecvRun in tests.
func NewCmdMqRecv(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	var mtype, maxSize, peek string
	cmd := &cobra.Command{
		Use:   "mq-recv ID|/NAME",
		Short: "Receive messages from a System V or POSIX message queue",
		Long: `Receive messages from System V message queue ID (msgrcv) or POSIX message
queue /NAME (mq_timedreceive) and write their bodies, byte for byte and
back to back, to stdout or --out FILE.

--type 0 takes the first message, --type T > 0 the first of type T (with
--except, the first of any other type), --type -T the first of the lowest
type at most T. Without --nowait mq-recv waits for a message; --timeout
bounds the wait for all the messages asked for. --count N takes N
messages; --all takes every message until the queue is empty. --peek N
copies message N (0 is the oldest) and leaves it in the queue (MSG_COPY,
Linux 3.8+ with CONFIG_CHECKPOINT_RESTORE).

--max-size (default kernel.msgmax) is the longest body accepted; a longer
message stays in the queue and mq-recv fails, unless --noerror, which
truncates it.

--json prints one object per line and message:
  {"type":1,"size":5,"encoding":"text","body":"hello"}
"encoding" is "text" when the body is valid UTF-8, else "base64" and
"body" is its standard base64.

A received message is never dropped: if it cannot be written out, it is
put back at the end of the queue and mq-recv exits 1 naming its type and
size (with the body in base64 on stderr if even that fails).

` + posixHelp,
		Example: `  ipcctl mq-recv 3
  ipcctl mq-recv 3 --type 7 --timeout 5s --out job.json
  ipcctl mq-recv 3 --all --json
  ipcctl mq-recv 3 --peek 0 --json
` + posixExample,
		Args: cmdutil.ExactArgs(1, "a queue id or a POSIX queue name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.HasPrefix(args[0], "/") {
				if err := opts.parsePosix(cmd, args[0]); err != nil {
					return err
				}
			} else {
				id, err := cmdutil.ParseID(args[0])
				if err != nil {
					return err
				}
				opts.ID = id
				if err := refusePosixFlags(cmd); err != nil {
					return err
				}
			}
			if err := opts.parse(cmd, mtype, maxSize, peek); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return mqRecvRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&mtype, "type", "0", "System V message `TYPE`: 0 any, T exactly T, -T the lowest type up to T")
	fl.BoolVar(&opts.Except, "except", false, "System V: with --type T > 0, take a message of any other type (MSG_EXCEPT)")
	fl.BoolVar(&opts.NoError, "noerror", false, "System V: truncate messages longer than --max-size (MSG_NOERROR)")
	fl.StringVar(&maxSize, "max-size", "", "System V: longest body to accept, `SIZE` (default kernel.msgmax)")
	fl.BoolVar(&opts.NoWait, "nowait", false, "exit 6 instead of waiting when there is no message (IPC_NOWAIT)")
	cmdutil.DurationVar(fl, &opts.Timeout, "timeout", 0, "give up after `DURATION`, exit 6")
	fl.StringVar(&peek, "peek", "", "System V: copy message number `N` (0 is the oldest) without removing it (MSG_COPY)")
	fl.IntVar(&opts.Count, "count", 1, "receive `N` messages")
	fl.BoolVar(&opts.All, "all", false, "receive every message until the queue is empty")
	fl.BoolVar(&opts.JSON, "json", false, "print one JSON object per message")
	fl.StringVar(&opts.Out, "out", "", "write to `FILE` instead of stdout")
	cmd.MarkFlagsMutuallyExclusive("nowait", "timeout")
	cmd.MarkFlagsMutuallyExclusive("count", "all")
	for _, other := range []string{"type", "except", "nowait", "timeout", "count", "all"} {
		cmd.MarkFlagsMutuallyExclusive("peek", other)
	}
	for _, other := range []string{"nowait", "timeout"} {
		cmd.MarkFlagsMutuallyExclusive("all", other)
	}
	fl.BoolVar(&opts.WaitNotify, "wait-notify", false, "POSIX: wait for a message through mq_notify (SIGUSR1) before receiving")
	cmd.MarkFlagsMutuallyExclusive("wait-notify", "nowait")
	cmdutil.AddNSFlag(cmd, f)
	return cmd
}

func (o *Options) parse(cmd *cobra.Command, mtype, maxSize, peek string) error {
	t, err := strconv.ParseInt(mtype, 10, 64)
	if err != nil || t == math.MinInt64 {
		return cmdutil.FlagErrorf("invalid --type %q: want a whole number from -%d to %d", mtype, int64(math.MaxInt64), int64(math.MaxInt64))
	}
	o.Type = t
	if o.Except && t <= 0 {
		return cmdutil.FlagErrorf("--except needs --type T with T > 0")
	}
	if maxSize != "" {
		n, err := cmdutil.ParseSize(maxSize)
		if err != nil {
			return fmt.Errorf("--max-size: %w", err)
		}
		if n > math.MaxInt32 {
			return cmdutil.FlagErrorf("invalid --max-size %q: at most %d bytes (the kernel's largest msgmax)", maxSize, math.MaxInt32)
		}
		m := int(n)
		o.MaxSize = &m
	}
	if peek != "" {
		n, err := strconv.ParseInt(peek, 10, 64)
		if err != nil || n < 0 {
			return cmdutil.FlagErrorf("invalid --peek %q: want a message number, 0 or more", peek)
		}
		o.Peek = &n
	}
	if o.Count < 1 {
		return cmdutil.FlagErrorf("invalid --count %d: want 1 or more", o.Count)
	}
	if cmd.Flags().Changed("timeout") && o.Timeout <= 0 {
		return cmdutil.FlagErrorf("--timeout must be positive")
	}
	return nil
}

func mqRecvRun(opts *Options) error {
	if opts.Name != "" {
		if err := posixRecv(opts); err != nil {
			return fmt.Errorf("mq-recv %s: %w", opts.Name, err)
		}
		return nil
	}
	if err := sysvRecv(opts); err != nil {
		return fmt.Errorf("mq-recv msg %d: %w", opts.ID, err)
	}
	return nil
}

func sysvRecv(opts *Options) (err error) {
	c := opts.Factory.IPC()
	out, err := openOutput(opts)
	if err != nil {
		return err
	}
	defer func() { err = out.finish(err) }()
	maxSize := 0
	if opts.MaxSize != nil {
		maxSize = *opts.MaxSize
	} else {
		var err error
		if maxSize, err = c.MsgMax(); err != nil {
			return err
		}
	}
	var flags ipc.MsgFlags
	if opts.NoError {
		flags |= ipc.MsgNoError
	}
	if opts.Except {
		flags |= ipc.MsgExcept
	}
	if opts.NoWait || opts.All {
		flags |= ipc.MsgNoWait
	}
	budget := newBudget(opts.Timeout)
	for i := 0; opts.All || i < opts.Count; i++ {
		var m ipc.Message
		var err error
		if opts.Peek != nil {
			m, err = c.MsgPeek(opts.ID, maxSize, *opts.Peek, flags)
		} else {
			left, berr := budget.left() // 0: no timeout
			if berr != nil {
				return berr
			}
			m, err = c.MsgReceive(opts.ID, maxSize, opts.Type, flags, left)
		}
		switch {
		case opts.All && errors.Is(err, ipc.ErrWouldBlock):
			return nil
		case opts.Peek != nil && errors.Is(err, ipc.ErrWouldBlock):
			return fmt.Errorf("no message number %d in the queue: %w", *opts.Peek, ipc.ErrWouldBlock)
		case errors.Is(err, ipc.ErrWouldBlock):
			return fmt.Errorf("no message: %w", err)
		case errors.Is(err, ipc.ErrMsgTooLarge):
			return fmt.Errorf("the next message is longer than --max-size %d bytes and stays in the queue: raise --max-size or pass --noerror to truncate it", maxSize)
		case err != nil:
			return err
		}
		mtype := m.Type
		if err := out.write(received{Type: &mtype, Body: m.Body}, opts.JSON); err != nil {
			return lostOutput(c, opts, m, err)
		}
	}
	return nil
}

// output is where messages go: stdout, or --out FILE through a temporary
// file that replaces FILE when the run ends.
type output struct {
	w     io.Writer
	file  *outfile.File // nil for stdout
	wrote int           // messages written
}

// openOutput prepares --out FILE, or gives stdout. A --out that cannot be
// made fails here, before any message is taken.
func openOutput(opts *Options) (*output, error) {
	// A closed pipe must fail the write, not kill ipcctl holding a message.
	signal.Ignore(syscall.SIGPIPE)
	if opts.Out == "" {
		return &output{w: opts.IO.Out}, nil
	}
	f, err := outfile.Create(opts.Out)
	if err != nil {
		return nil, err
	}
	return &output{w: f, file: f}, nil
}

func (o *output) write(m received, asJSON bool) error {
	if err := writeMessage(o.w, m, asJSON); err != nil {
		return err
	}
	o.wrote++
	return nil
}

// finish ends the run whose outcome is err. --out FILE is replaced when
// messages were written, even if the run then failed (they were taken
// from the queue and live only there); with none written, an existing
// FILE is left as it was.
func (o *output) finish(err error) error {
	if o.file == nil {
		return err
	}
	if o.wrote == 0 && err != nil {
		o.file.Abort()
		return err
	}
	if cerr := o.file.Commit(); cerr != nil {
		if o.wrote > 0 {
			cerr = fmt.Errorf("%s received but not saved: %w", cmdutil.Plural(o.wrote, "message"), cerr)
		}
		return errors.Join(err, cerr)
	}
	return err
}

// budget is what is left of --timeout, which bounds the wait for all the
// messages asked for together.
type budget struct{ end time.Time }

func newBudget(timeout time.Duration) budget {
	if timeout <= 0 {
		return budget{}
	}
	return budget{end: time.Now().Add(timeout)}
}

// left is the time left (0 without a timeout), or ErrTimeout when none is.
func (b budget) left() (time.Duration, error) {
	if b.end.IsZero() {
		return 0, nil
	}
	left := time.Until(b.end)
	if left <= 0 {
		return 0, ipc.ErrTimeout
	}
	return left, nil
}

// received is a message as mq-recv writes it: its body and either its
// System V type or its POSIX priority.
type received struct {
	Type     *int64
	Priority *uint32
	Body     []byte
}

// jsonMessage is the --json form of a message: "type" for System V,
// "priority" for POSIX, the rest the same.
type jsonMessage struct {
	Type     *int64  `json:"type,omitempty"`
	Priority *uint32 `json:"priority,omitempty"`
	Size     int     `json:"size"`
	Encoding string  `json:"encoding"` // "text" (valid UTF-8) or "base64"
	Body     string  `json:"body"`
}

func writeMessage(w io.Writer, m received, asJSON bool) error {
	if !asJSON {
		_, err := w.Write(m.Body)
		return err
	}
	j := jsonMessage{Type: m.Type, Priority: m.Priority, Size: len(m.Body), Encoding: "text", Body: string(m.Body)}
	if !utf8.Valid(m.Body) {
		j.Encoding, j.Body = "base64", base64.StdEncoding.EncodeToString(m.Body)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// lostOutput handles a message received but not written: it goes back on
// the queue (at the end) so it is not lost, and the error says so. The
// error is plain (exit 1) whatever the cause.
func lostOutput(c *ipc.Client, opts *Options, m ipc.Message, werr error) error {
	what := fmt.Sprintf("the message of type %d (%d bytes)", m.Type, len(m.Body))
	if opts.Peek != nil {
		return fmt.Errorf("could not write %s: %v; it is still in the queue (--peek)", what, werr)
	}
	return keepMessage(what, m.Body, werr, "it was put back at the end of the queue",
		func() error { return c.MsgSend(opts.ID, m.Type, m.Body, ipc.MsgNoWait) })
}

// keepMessage reports a message that could not be written after putBack
// returned it to its queue (done says how), or, when even that fails,
// prints its body in base64 in the error so that it still is not lost.
func keepMessage(what string, body []byte, werr error, done string, putBack func() error) error {
	what = fmt.Sprintf("could not write %s: %v", what, werr)
	if err := putBack(); err != nil {
		return fmt.Errorf("%s; putting it back failed (%v); its body in base64: %s", what, err, base64.StdEncoding.EncodeToString(body))
	}
	return errors.New(what + "; " + done)
}

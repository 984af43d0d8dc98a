// Package watch shows a listing again and again: redrawn in place on a
// terminal, with the rows that appeared, changed or went away since the
// last look marked; one JSON document per line when not a terminal.
package watch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
)

// Terminal control: the alternate screen keeps the user's scrollback
// untouched; each frame is drawn over the last from the top left, each
// line cleared to its end and the screen below the frame cleared, so
// nothing flickers.
const (
	enterScreen = "\x1b[?1049h\x1b[?25l" // alternate screen, cursor hidden
	leaveScreen = "\x1b[?25h\x1b[?1049l"
	home        = "\x1b[H"
	clearLine   = "\x1b[K"
	clearBelow  = "\x1b[J"
)

// Options say how to watch.
type Options struct {
	IO       *iostreams.IOStreams
	Render   table.Options // as resolved for one look
	Interval time.Duration
	// Title heads each frame on a terminal ("Every 2s: ipcctl ls").
	Title string
	// Now is the clock of the frame headings.
	Now func() time.Time
	// Frames stops after this many looks (0: until SIGINT or SIGTERM).
	Frames int
}

// Run looks with look every Interval until SIGINT or SIGTERM (a clean
// exit) or an error. On a terminal each look redraws the screen; else
// each is one line of JSON, whatever the format flags ask for a single
// look, so that a reader can take one document per line.
func Run(ctx context.Context, o Options, look func() ([]*table.Table, error)) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.Now == nil {
		o.Now = time.Now
	}
	terminal := o.IO.IsStdoutTTY() && o.Render.Format == table.Human
	if terminal {
		io.WriteString(o.IO.Out, enterScreen)
		defer io.WriteString(o.IO.Out, leaveScreen)
	}
	var last []*table.Table
	for n := 0; ; n++ {
		tables, err := look()
		if err != nil {
			return err
		}
		if terminal {
			err = frame(o, mark(last, tables))
		} else {
			err = jsonLine(o)(tables)
		}
		if err != nil {
			return err
		}
		last = tables
		if o.Frames > 0 && n+1 >= o.Frames {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.Interval):
		}
	}
}

// frame draws one look over the last one.
func frame(o Options, tables []*table.Table) error {
	var buf bytes.Buffer
	ropts := o.Render
	ropts.Color = o.IO.ColorEnabled()
	if err := table.Render(&buf, ropts, tables...); err != nil {
		return err
	}
	var screen strings.Builder
	screen.WriteString(home)
	// The title may hold a name the user typed (show pshm NAME --watch).
	fmt.Fprintf(&screen, "%s    %s%s\n\n", table.Safe(o.Title), o.Now().Format("2006-01-02 15:04:05"), clearLine)
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		screen.WriteString(strings.TrimSuffix(line, "\n"))
		if strings.HasSuffix(line, "\n") {
			screen.WriteString(clearLine + "\n")
		}
	}
	screen.WriteString(clearBelow)
	_, err := io.WriteString(o.IO.Out, screen.String())
	return err
}

// jsonLine writes one look as one line of JSON.
func jsonLine(o Options) func([]*table.Table) error {
	return func(tables []*table.Table) error {
		ropts := o.Render
		ropts.Format, ropts.Line = table.JSON, true
		return table.Render(o.IO.Out, ropts, tables...)
	}
}

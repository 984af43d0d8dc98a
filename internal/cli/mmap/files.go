package mmap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ipcctl/ipcctl/pkg/errclass"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/mmaputil"
)

// renderFiles prints the rows of the files that worked (unless all failed)
// and returns eachErr, the outcome of eachFile.
func renderFiles[T any](f *cmdutil.Factory, ropts table.Options, sel table.Columns[T], kind string, rows []T, eachErr error) error {
	if len(rows) > 0 || eachErr == nil {
		if err := table.Render(f.IOStreams.Out, ropts, sel.Build(kind, "", rows)); err != nil {
			return err
		}
	}
	return eachErr
}

// eachFile calls do for every regular file named by paths, descending into
// directories when recursive. A directory without recursive is a usage
// error. Failures are printed on stderr as they come; the result is nil,
// the one failure when a single path was named and nothing else was
// visited, or a *cmdutil.PartialError.
func eachFile(io *iostreams.IOStreams, verb string, paths []string, recursive bool, do func(path string) error) error {
	var failures []error
	total := 0
	fail := func(err error) {
		failures = append(failures, err)
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		err = errclass.IfNotExist(err) // a FILE named is the object
		if err != nil {
			total++
			fail(fmt.Errorf("%s: %w", verb, err))
			continue
		}
		if st.IsDir() {
			if !recursive {
				total++
				fail(cmdutil.FlagErrorf("%s %s: %v (is a directory; use --recursive)", verb, p, mmaputil.ErrNotRegular))
				continue
			}
			walkErr := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					total++
					fail(fmt.Errorf("%s: %w", verb, err))
					return nil
				}
				if !d.Type().IsRegular() {
					return nil // directories, symlinks, devices, sockets: not files to map
				}
				total++
				if err := do(path); err != nil {
					fail(fmt.Errorf("%s: %w", verb, err))
				}
				return nil
			})
			if walkErr != nil {
				fail(fmt.Errorf("%s: %w", verb, walkErr))
			}
			continue
		}
		total++
		if err := do(p); err != nil {
			fail(fmt.Errorf("%s: %w", verb, err))
		}
	}
	switch {
	case len(failures) == 0:
		return nil
	case total == 1:
		return failures[0]
	}
	for _, err := range failures {
		fmt.Fprintf(io.ErrOut, "ipcctl: %s\n", cmdutil.Message(err))
	}
	return &cmdutil.PartialError{Failed: len(failures), Total: total}
}

// notRegularIsUsage makes "a directory (or device) where a file is needed" a usage error.
func notRegularIsUsage(err error) error {
	if errors.Is(err, mmaputil.ErrNotRegular) {
		return cmdutil.FlagErrorWrap(err)
	}
	return err
}

// progress is a line on stderr, redrawn at most every 100ms, only when
// stderr is a terminal.
type progress struct {
	io    *iostreams.IOStreams
	verb  string
	files int
	bytes uint64
	last  time.Time
	shown bool
}

func newProgress(io *iostreams.IOStreams, verb string) *progress {
	return &progress{io: io, verb: verb}
}

func (p *progress) add(size int64) {
	p.files++
	p.bytes += uint64(size)
	if !p.io.IsStderrTTY() {
		return
	}
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond {
		p.last = now
		p.shown = true
		fmt.Fprintf(p.io.ErrOut, "\r\x1b[K%s: %d files, %d MiB", p.verb, p.files, p.bytes>>20)
	}
}

// done erases the line.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.io.ErrOut, "\r\x1b[K")
	}
}

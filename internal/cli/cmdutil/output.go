package cmdutil

import (
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/spf13/cobra"
)

// OutputOptions are the output flags shared by every listing verb.
type OutputOptions struct {
	Columns      string // -o/--output
	JSON         bool
	Raw          bool
	Export       bool
	NoHeadings   bool
	Bytes        bool
	NumericPerms bool
	TimeFormat   string
	ListColumns  bool
}

// AddOutputFlags registers the shared output flags on cmd.
func AddOutputFlags(cmd *cobra.Command, o *OutputOptions) {
	f := cmd.Flags()
	f.StringVarP(&o.Columns, "output", "o", "", "columns to show, comma separated; a leading + appends to the defaults")
	f.BoolVar(&o.JSON, "json", false, "print typed JSON (sizes in bytes, times RFC 3339 or null)")
	f.BoolVar(&o.Raw, "raw", false, "print space-separated values, whitespace escaped as \\xNN")
	f.BoolVar(&o.Export, "export", false, "print NAME=\"value\" lines for shell eval")
	f.BoolVarP(&o.NoHeadings, "noheadings", "n", false, "do not print titles and column headings")
	f.BoolVarP(&o.Bytes, "bytes", "b", false, "show sizes in bytes in the table")
	f.BoolVar(&o.NumericPerms, "numeric-perms", false, "show permissions as octal digits")
	f.StringVar(&o.TimeFormat, "time-format", "", "time format: short, full or iso (default short; iso for --raw/--export)")
	f.BoolVar(&o.ListColumns, "list-columns", false, "list the available columns and exit")
	cmd.MarkFlagsMutuallyExclusive("json", "raw", "export")
	_ = cmd.RegisterFlagCompletionFunc("time-format", cobra.FixedCompletions(
		[]string{table.TimeShort, table.TimeFull, table.TimeISO}, cobra.ShellCompDirectiveNoFileComp))
}

// Format is the chosen output format.
func (o *OutputOptions) Format() table.Format {
	switch {
	case o.JSON:
		return table.JSON
	case o.Raw:
		return table.Raw
	case o.Export:
		return table.Export
	}
	return table.Human
}

// RenderOptions validates the flags and turns them into renderer options
// for the given streams.
func (o *OutputOptions) RenderOptions(f *Factory) (table.Options, error) {
	switch o.TimeFormat {
	case "", table.TimeShort, table.TimeFull, table.TimeISO:
	default:
		return table.Options{}, FlagErrorf("invalid --time-format %q: want short, full or iso", o.TimeFormat)
	}
	return table.Options{
		Format:       o.Format(),
		NoHeadings:   o.NoHeadings,
		Bytes:        o.Bytes,
		NumericPerms: o.NumericPerms,
		TimeFormat:   o.TimeFormat,
		TTY:          f.IOStreams.IsStdoutTTY(),
		Width:        f.IOStreams.TerminalWidth(),
		Now:          f.Now(),
	}, nil
}

// SelectColumns resolves --output against cols; an unknown column is a usage error.
func SelectColumns[T any](cols table.Columns[T], spec string) (table.Columns[T], error) {
	sel, err := cols.Select(spec)
	if err != nil {
		return nil, FlagErrorWrap(err)
	}
	return sel, nil
}

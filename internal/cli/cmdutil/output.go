package cmdutil

import (
	"errors"
	"strings"
	"time"

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
	Wide         bool

	// Listings of IPC objects only (AddListingFlags).
	Sort    string // --sort COL[,COL]
	Reverse bool   // -r/--reverse
	View    string // --view NAME: a preset of columns
}

// outputFlags names every flag AddOutputFlags and AddListingFlags register.
var outputFlags = []string{"output", "json", "raw", "export", "noheadings", "bytes", "numeric-perms",
	"time-format", "list-columns", "wide", "sort", "reverse", "view"}

// AddOutputFlags registers the shared output flags on cmd.
func AddOutputFlags(cmd *cobra.Command, o *OutputOptions) {
	f := cmd.Flags()
	f.StringVarP(&o.Columns, "output", "o", "", "columns to show, comma separated; a leading + appends to the defaults; all for every column")
	f.BoolVar(&o.JSON, "json", false, "print typed JSON (sizes in bytes, times RFC 3339 or null)")
	f.BoolVar(&o.Raw, "raw", false, "print space-separated values, whitespace escaped as \\xNN")
	f.BoolVar(&o.Export, "export", false, "print NAME=\"value\" lines for shell eval")
	f.BoolVarP(&o.NoHeadings, "noheadings", "n", false, "do not print titles and column headings")
	f.BoolVarP(&o.Bytes, "bytes", "b", false, "show sizes in bytes in the table")
	f.BoolVar(&o.NumericPerms, "numeric-perms", false, "show permissions as octal digits")
	f.StringVar(&o.TimeFormat, "time-format", "", "time format: short, full or iso (default short; iso for --raw/--export)")
	f.BoolVar(&o.ListColumns, "list-columns", false, "list the available columns and exit")
	f.BoolVarP(&o.Wide, "wide", "W", false, "never wrap text columns to fit the terminal")
	cmd.MarkFlagsMutuallyExclusive("json", "raw", "export")
	_ = cmd.RegisterFlagCompletionFunc("time-format", cobra.FixedCompletions(
		[]string{table.TimeShort, table.TimeFull, table.TimeISO}, cobra.ShellCompDirectiveNoFileComp))
}

// Views are the column presets of listings of IPC objects, after the
// views of ipcs: -c (creators), -p (pids), -t (times).
var Views = []string{"default", "creators", "pids", "times"}

// AddListingFlags registers --sort, --reverse and --view, which listings
// of IPC objects have beside the shared output flags.
func AddListingFlags(cmd *cobra.Command, o *OutputOptions) {
	f := cmd.Flags()
	f.StringVar(&o.Sort, "sort", "", "order rows by `COL[,COL]` (default: System V by id, POSIX by name)")
	f.BoolVarP(&o.Reverse, "reverse", "r", false, "reverse the order of rows")
	f.StringVar(&o.View, "view", "", "preset columns: "+strings.Join(Views, ", ")+" (-o +COL adds to it)")
	_ = cmd.RegisterFlagCompletionFunc("view", cobra.FixedCompletions(Views, cobra.ShellCompDirectiveNoFileComp))
}

// OutputFlagChanged reports whether any output flag was given on cmd.
func OutputFlagChanged(cmd *cobra.Command) bool {
	for _, name := range outputFlags {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			return true
		}
	}
	return false
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

// RenderOptions validates the format flags and turns them into renderer
// options for the given streams.
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
		Wide:         o.Wide,
		Now:          f.Now(),
	}, nil
}

// Output is the output of a command, resolved and checked before it
// lists or changes anything: the renderer options, the columns of each
// table, the sort keys.
type Output struct {
	Render  table.Options
	Sets    []*table.Set
	Columns [][]string // per set, in the sets' order
	Sort    []table.SortKey
}

// ColumnsOf returns the columns resolved for the set named name.
func (out *Output) ColumnsOf(name string) []string {
	for i, s := range out.Sets {
		if s.Name == name {
			return out.Columns[i]
		}
	}
	return nil
}

// Resolve checks every output flag against the tables a command will
// print (one set of columns each) and resolves them: a bad column, sort
// key, view or time format is a usage error before any work is done.
func (o *OutputOptions) Resolve(f *Factory, sets ...*table.Set) (*Output, error) {
	ropts, err := o.RenderOptions(f)
	if err != nil {
		return nil, err
	}
	out := &Output{Render: ropts, Sets: sets}
	base := (*table.Set).Defaults
	if o.View != "" && o.View != "default" {
		for _, s := range sets {
			if _, ok := s.Views[o.View]; !ok {
				return nil, FlagErrorf("invalid --view %q: want %s", o.View, strings.Join(Views, ", "))
			}
		}
		base = func(s *table.Set) []string { return s.Views[o.View] }
	} else if o.View != "" && len(sets) > 0 && sets[0].Views == nil {
		return nil, FlagErrorf("--view applies to listings of IPC objects")
	}
	if out.Columns, err = table.Resolve(table.ParseSpec(o.Columns), sets, base); err != nil {
		return nil, columnError(err)
	}
	for _, name := range strings.Split(o.Sort, ",") {
		if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
			out.Sort = append(out.Sort, table.SortKey{Column: name})
		}
	}
	if err := table.CheckSort(out.Sort, sets); err != nil {
		return nil, FlagErrorf("--sort: %w", err)
	}
	return out, nil
}

func columnError(err error) error {
	var uc *table.UnknownColumnError
	if errors.As(err, &uc) {
		return FlagErrorWrap(err)
	}
	return err
}

// PrintCatalogs prints the column catalog of each set (--list-columns).
func (out *Output) PrintCatalogs(f *Factory) error {
	cats := make([]*table.Table, len(out.Sets))
	for i, s := range out.Sets {
		cats[i] = s.Catalog()
	}
	return table.Render(f.IOStreams.Out, out.Render, cats...)
}

// SelectColumns resolves --output against cols; an unknown column is a usage error.
func SelectColumns[T any](cols table.Columns[T], spec string) (table.Columns[T], error) {
	sel, err := cols.Select(spec)
	if err != nil {
		return nil, columnError(err)
	}
	return sel, nil
}

// AddWatchFlag registers --watch[=INTERVAL]: show the output again every
// INTERVAL (default 2s) until interrupted.
func AddWatchFlag(cmd *cobra.Command, watch *string) {
	cmd.Flags().StringVar(watch, "watch", "", "show it again every `INTERVAL` (default 2s) until SIGINT: redrawn on a terminal, marking rows that appeared (+), changed (~) or went away (-); one JSON document per line otherwise")
	cmd.Flags().Lookup("watch").NoOptDefVal = "2s"
}

// ParseWatch parses a --watch interval; "" means no watching.
func ParseWatch(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := ParseDuration("--watch", s)
	if err != nil {
		return 0, err
	}
	if d < 100*time.Millisecond {
		return 0, FlagErrorf("invalid --watch %q: want 100ms or more", s)
	}
	return d, nil
}

// AddNSFlag registers --ns TARGET on a command that reads or changes IPC:
// before it runs, the factory enters that namespace (see
// Factory.EnterNamespace); a run error from there is classed (no such
// process: 3, no privilege: 4).
func AddNSFlag(cmd *cobra.Command, f *Factory) {
	var target string
	cmd.Flags().StringVar(&target, "ns", "", "work in the IPC and mount namespace of `PID` (or a /proc/PID/ns/ipc or bind-mounted namespace file)")
	pre := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if target != "" {
			if err := f.EnterNamespace(target); err != nil {
				return err
			}
		}
		if pre != nil {
			return pre(cmd, args)
		}
		return nil
	}
}

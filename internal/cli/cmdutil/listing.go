package cmdutil

import "github.com/ipcctl/ipcctl/internal/table"

// Listing resolves the output flags of a verb that prints tables: the
// renderer options and the --output columns of all. With --list-columns
// it prints all's catalog (named kind) and reports done.
func Listing[T any](o *OutputOptions, f *Factory, kind string, all table.Columns[T]) (ropts table.Options, cols table.Columns[T], done bool, err error) {
	if ropts, err = o.RenderOptions(f); err != nil {
		return ropts, nil, false, err
	}
	if o.ListColumns {
		return ropts, nil, true, table.Render(f.IOStreams.Out, ropts, all.Catalog(kind))
	}
	cols, err = SelectColumns(all, o.Columns)
	return ropts, cols, false, err
}

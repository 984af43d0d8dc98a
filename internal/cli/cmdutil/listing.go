package cmdutil

import "github.com/ipcctl/ipcctl/internal/table"

// Listing resolves the output flags of a verb that prints one kind of
// table: the renderer options and the --output columns of all. With
// --list-columns it prints all's catalog (named kind) and reports done.
func Listing[T any](o *OutputOptions, f *Factory, kind string, all table.Columns[T]) (ropts table.Options, cols table.Columns[T], done bool, err error) {
	out, err := o.Resolve(f, all.Set(kind))
	if err != nil {
		return ropts, nil, false, err
	}
	if o.ListColumns {
		return out.Render, nil, true, out.PrintCatalogs(f)
	}
	return out.Render, all.Pick(out.Columns[0]), false, nil
}

package mmap

import (
	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/columns"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/pkg/mmaputil"
	"github.com/spf13/cobra"
)

// mapWidth is the number of regions of --map.
const mapWidth = 64

// ResidencyOptions are the parsed arguments of `ipcctl mmap residency`.
type ResidencyOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory

	Paths     []string
	Recursive bool
	Map       bool
	Output    cmdutil.OutputOptions
}

// NewCmdResidency builds `mmap residency`; runF replaces residencyRun in tests.
func NewCmdResidency(f *cmdutil.Factory, runF func(*ResidencyOptions) error) *cobra.Command {
	opts := &ResidencyOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "residency FILE|DIR...",
		Short: "Show how much of files is in the page cache (like fincore)",
		Long: `Show how much of each file is in the page cache: resident bytes (RES),
resident pages (PAGES, as fincore's), the pages the file spans (TOTAL),
percent, size. Replaces fincore. The counts come from
cachestat(2), one call a file (Linux 6.5+), or else, and for --map, from
mincore(2) on a mapping that faults nothing in.

--map adds a column drawing the file as 64 regions: O all pages resident,
o some, . none.`,
		Example: `  ipcctl mmap residency /var/lib/db/*.dat
  ipcctl mmap residency --recursive /usr/lib --json
  ipcctl mmap residency big.img --map`,
		Args: cmdutil.MinimumArgs(1, "at least one FILE or DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if runF != nil {
				return runF(opts)
			}
			return residencyRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "r", false, "descend into directories")
	cmd.Flags().BoolVar(&opts.Map, "map", false, "add the map column: a residency map of each file")
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func residencyRun(opts *ResidencyOptions) error {
	if opts.Map {
		switch {
		case opts.Output.Columns == "":
			opts.Output.Columns = "+map"
		default:
			opts.Output.Columns += ",map"
		}
	}
	ropts, sel, listed, err := cmdutil.Listing(&opts.Output, opts.Factory, "residency", columns.Residency(mapWidth))
	if listed || err != nil {
		return err
	}
	_, wantMap := sel.Lookup("map")
	var rows []mmaputil.Residency
	var scanner mmaputil.Scanner
	prog := newProgress(opts.IO, "residency")
	err = eachFile(opts.IO, "residency", opts.Paths, opts.Recursive, func(path string) error {
		r, err := scanner.FileResidency(path, wantMap)
		if err != nil {
			return notRegularIsUsage(err)
		}
		prog.add(r.Size)
		rows = append(rows, r)
		return nil
	})
	prog.done()
	return renderFiles(opts.Factory, ropts, sel, "residency", rows, err)
}

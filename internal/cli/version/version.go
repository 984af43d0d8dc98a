// Package version implements `ipcctl version` and what `ipcctl --version`
// prints: the module version and the version-control revision the binary
// was built from, read from the build information the Go linker embeds.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/iostreams"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/spf13/cobra"
)

// revision may be set at link time where the build has no VCS stamp (a
// release tarball): -ldflags "-X github.com/ipcctl/ipcctl/internal/cli/version.revision=SHA".
var revision = ""

// Build is what the binary knows about how it was built.
type Build struct {
	Version  string    // module version, the -ldflags override, or "dev"
	Revision string    // vcs.revision; "" when the build was not stamped
	Time     time.Time // vcs.time, the commit's time; zero when unknown
	Modified *bool     // vcs.modified: the checkout had uncommitted changes; nil when unknown
	Go       string    // toolchain, e.g. go1.26.8
	Platform string    // GOOS/GOARCH
}

// Current reads the running binary's build information; version is the
// version the binary reports (cli.Version: the -ldflags override or the
// module version).
func Current(version string) Build {
	bi, _ := debug.ReadBuildInfo()
	return FromBuildInfo(bi, version)
}

// FromBuildInfo extracts a Build from bi (nil: none embedded).
func FromBuildInfo(bi *debug.BuildInfo, version string) Build {
	b := Build{Version: version, Revision: revision, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi == nil {
		return b
	}
	if bi.GoVersion != "" {
		b.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.Revision == "" {
				b.Revision = s.Value
			}
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				b.Time = t
			}
		case "vcs.modified":
			m := s.Value == "true"
			b.Modified = &m
		case "GOOS", "GOARCH":
			// runtime already says where it runs; the settings say the same.
		}
	}
	return b
}

// String is the line `ipcctl --version` prints after "ipcctl ":
// "v1.2.3 (revision 0123abcd..., modified)".
func (b Build) String() string {
	var extra []string
	switch {
	case b.Revision != "":
		extra = append(extra, "revision "+b.Revision)
	default:
		extra = append(extra, "revision unknown")
	}
	if b.Modified != nil && *b.Modified {
		extra = append(extra, "modified")
	}
	return fmt.Sprintf("%s (%s)", b.Version, strings.Join(extra, ", "))
}

// Options are the parsed arguments of `ipcctl version`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Output  cmdutil.OutputOptions
}

// NewCmdVersion builds `version`; runF replaces versionRun in tests.
func NewCmdVersion(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version and the revision ipcctl was built from",
		Long: `Print ipcctl's version, the version-control revision it was built from
(and whether that checkout had uncommitted changes), the commit time, and
the Go toolchain. The revision comes from the build information Go embeds
when building from a git checkout (go build -buildvcs=true); without it
the revision is null.

'ipcctl --version' prints the same in one line.`,
		Example: `  ipcctl version
  ipcctl version --json
  ipcctl --version`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

// Columns are the fields of `ipcctl version`.
func Columns() table.Columns[Build] {
	str := func(s string) table.Value {
		if s == "" {
			return table.Null(table.String)
		}
		return table.Str(s)
	}
	return table.Columns[Build]{
		{Name: "version", Help: "module version (or the one set at link time)", Default: true, Type: table.String, Value: func(b *Build) table.Value { return table.Str(b.Version) }},
		{Name: "revision", Help: "version-control revision built from (null: not stamped)", Default: true, Type: table.String, Value: func(b *Build) table.Value { return str(b.Revision) }},
		{Name: "time", Help: "time of that revision's commit", Default: true, Type: table.Time, Value: func(b *Build) table.Value { return table.TimeV(b.Time) }},
		{Name: "modified", Help: "the checkout had uncommitted changes (null: unknown)", Default: true, Type: table.Bool, Value: func(b *Build) table.Value {
			if b.Modified == nil {
				return table.Null(table.Bool)
			}
			return table.BoolV(*b.Modified)
		}},
		{Name: "go", Help: "Go toolchain", Default: true, Type: table.String, Value: func(b *Build) table.Value { return table.Str(b.Go) }},
		{Name: "platform", Help: "GOOS/GOARCH", Default: true, Type: table.String, Value: func(b *Build) table.Value { return table.Str(b.Platform) }},
	}
}

func versionRun(opts *Options) error {
	ropts, cols, done, err := cmdutil.Listing(&opts.Output, opts.Factory, "version", Columns())
	if done || err != nil {
		return err
	}
	b := Current(opts.Factory.Version)
	return table.Render(opts.IO.Out, ropts, cols.Record("version", "ipcctl", b))
}

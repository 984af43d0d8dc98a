package metrics

import (
	"fmt"

	"github.com/spf13/pflag"
)

// Flags are the command-line choices `metrics` and `serve` share.
type Flags struct {
	AllNamespaces  bool
	PerObject      bool
	PerObjectLimit int
	limitSet       func() bool
}

// AddFlags registers -A, --per-object and --per-object-limit on fs.
func (f *Flags) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVarP(&f.AllNamespaces, "all-namespaces", "A", false, "every IPC namespace on the host, each series labelled ns (its inode, as ls -A shows it)")
	fs.BoolVar(&f.PerObject, "per-object", false, "add series per object (System V: id, key, owner labels; POSIX: name, owner); mind the cardinality")
	fs.IntVar(&f.PerObjectLimit, "per-object-limit", DefaultPerObjectLimit, "with --per-object: series for at most `N` objects of each kind, largest first (0: no cap)")
	f.limitSet = func() bool { return fs.Changed("per-object-limit") }
}

// Options checks the flags and turns them into collector options; the
// error is a usage error.
func (f *Flags) Options() (Options, error) {
	if f.limitSet != nil && f.limitSet() && !f.PerObject {
		return Options{}, fmt.Errorf("--per-object-limit needs --per-object")
	}
	if f.PerObjectLimit < 0 {
		return Options{}, fmt.Errorf("invalid --per-object-limit %d: want 0 (no cap) or more", f.PerObjectLimit)
	}
	limit := f.PerObjectLimit
	if limit == 0 {
		limit = -1
	}
	return Options{PerObject: f.PerObject, PerObjectLimit: limit, AllNamespaces: f.AllNamespaces}, nil
}

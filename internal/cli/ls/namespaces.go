package ls

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ipcctl/ipcctl/internal/cli/cmdutil"
	"github.com/ipcctl/ipcctl/internal/kinds"
	"github.com/ipcctl/ipcctl/internal/table"
	"github.com/ipcctl/ipcctl/pkg/ipc"
)

// The columns ls -A adds to every kind: which namespace an object lives
// in, and the container that namespace belongs to.
var nsColumns = []table.ColumnInfo{
	{Name: "ns", Help: "IPC namespace (inode of /proc/PID/ns/ipc)", Type: table.Uint, Default: true},
	{Name: "container", Help: "container of the namespace (docker:ID, kubepods:POD/ID, nspawn:NAME, a systemd unit), host, or -", Type: table.String, Default: true},
}

// namespaceSets are the column sets of ks with the -A columns first.
func namespaceSets(ks []*kinds.Kind) []*table.Set {
	sets := kinds.Sets(ks)
	for i, s := range sets {
		c := *s
		c.Cols = append(slices.Clone(nsColumns), s.Cols...)
		c.Views = map[string][]string{}
		for v, cols := range s.Views {
			c.Views[v] = append([]string{"ns", "container"}, cols...)
		}
		sets[i] = &c
	}
	return sets
}

// containerLabel is the "container" column of a namespace.
func containerLabel(n ipc.Namespace) string {
	if n.Host {
		return "host"
	}
	return n.Container.String()
}

// lookAllNamespaces lists ks in every IPC namespace on the host, one table
// per kind with the objects of all of them. A namespace that cannot be
// entered (no privilege) is named on stderr and counted in denied.
func lookAllNamespaces(f *cmdutil.Factory, ks []*kinds.Kind, out *cmdutil.Output, flt kinds.Filter, reverse bool) (tables []*table.Table, denied []error, err error) {
	q := func(i int, cols []string) kinds.Query { return kinds.Query{Filter: flt, Columns: cols} }
	nss, _, err := ipc.Namespaces(f.FS)
	if err != nil {
		return nil, nil, err
	}
	rows := make([][][]table.Value, len(ks))
	var cols [][]table.Col
	cols = make([][]table.Col, len(ks))
	for _, n := range nss {
		c, err := n.Client(f.FS)
		if errors.Is(err, ipc.ErrNotFound) {
			continue // its process exited since it was found: nothing to enter
		}
		if err != nil {
			denied = append(denied, fmt.Errorf("namespace %d (pid %d): %w", n.Inode, n.PID, err))
			continue
		}
		nf := f.For(c)
		for i, k := range ks {
			// /dev/shm is the mount namespace's: list its files once.
			if n.DevShmOf != 0 && k.InDevShm() {
				continue
			}
			own := ownColumns(out.Columns[i])
			t, err := k.List(nf, q(i, own))
			if err != nil {
				if cmdutil.ExitCode(err) == cmdutil.ExitUnsupported {
					continue // no mqueue there: nothing of that kind
				}
				c.Close()
				return nil, nil, fmt.Errorf("ls %s in namespace %d: %w", k.Name, n.Inode, err)
			}
			if cols[i] == nil {
				cols[i] = mergedCols(out.Columns[i], t.Cols)
			}
			extra := map[string]table.Value{"ns": table.UintV(n.Inode), "container": table.Str(containerLabel(n))}
			for _, r := range t.Values() {
				rows[i] = append(rows[i], mergedRow(out.Columns[i], t.Cols, r, extra))
			}
		}
		c.Close()
	}
	for i, k := range ks {
		if cols[i] == nil { // no namespace had any: the columns of an empty listing
			t, _ := k.List(f, q(i, ownColumns(out.Columns[i])))
			if t != nil {
				cols[i] = mergedCols(out.Columns[i], t.Cols)
			}
		}
		rs := rows[i]
		sortValues(cols[i], rs, out.Sort)
		if reverse {
			slices.Reverse(rs)
		}
		tables = append(tables, &table.Table{Name: string(k.Name), Title: k.Title, Cols: cols[i], Rows: rs})
	}
	return tables, denied, nil
}

// ownColumns leaves out the -A columns: what the kind itself lists.
func ownColumns(cols []string) []string {
	return slices.DeleteFunc(slices.Clone(cols), func(c string) bool { return c == "ns" || c == "container" })
}

func mergedCols(want []string, own []table.Col) []table.Col {
	out := make([]table.Col, 0, len(want))
	for _, name := range want {
		switch name {
		case "ns":
			out = append(out, table.Col{Name: "ns", Right: true, Type: table.Uint})
		case "container":
			out = append(out, table.Col{Name: "container", Type: table.String})
		default:
			for _, c := range own {
				if c.Name == name {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

func mergedRow(want []string, own []table.Col, row []table.Value, extra map[string]table.Value) []table.Value {
	out := make([]table.Value, 0, len(want))
	for _, name := range want {
		if v, ok := extra[name]; ok {
			out = append(out, v)
			continue
		}
		for j, c := range own {
			if c.Name == name {
				out = append(out, row[j])
			}
		}
	}
	return out
}

// sortValues orders rows of several namespaces by the --sort columns
// (stably: within a namespace, the kind's own order stays).
func sortValues(cols []table.Col, rows [][]table.Value, keys []table.SortKey) {
	var idx []int
	for _, k := range keys {
		for j, c := range cols {
			if c.Name == k.Column {
				idx = append(idx, j)
			}
		}
	}
	if len(idx) == 0 {
		return
	}
	slices.SortStableFunc(rows, func(a, b []table.Value) int {
		for _, j := range idx {
			if c := table.Compare(a[j], b[j]); c != 0 {
				return c
			}
		}
		return 0
	})
}

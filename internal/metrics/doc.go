package metrics

import (
	"fmt"
	"io"
	"strings"
)

// WriteDoc writes the Markdown reference of every family (docs/metrics.md;
// a test keeps that file in step with the code).
func WriteDoc(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`# ipcctl metrics

Every family ` + "`ipcctl metrics`" + ` and ` + "`ipcctl serve`" + ` export, generated from the
collector (internal/metrics; ` + "`go test ./internal/metrics -update`" + ` rewrites this
file). Values are read at collect time. Sizes are bytes; page_size labels
are bytes; huge page counts are pages of that size. Per-object families
(marked --per-object) appear only with that flag, for at most
--per-object-limit objects of each kind (default 200), largest first.
` + "`serve`" + ` also exports the go_* and process_* families of the Go client.

| family | type | labels | meaning |
|---|---|---|---|
`)
	for _, f := range Families() {
		labels := strings.Join(f.Labels, ", ")
		help := strings.ReplaceAll(f.Help, "|", `\|`)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.Name, f.Type, labels, help)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

package metrics

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/ipcctl/ipcctl/internal/metrics"
)

const (
	alertsFile    = "../../docs/alerts.yml"
	dashboardFile = "../../docs/grafana-dashboard.json"
)

var metricName = regexp.MustCompile(`\bipcctl_[a-z0-9_]+`)

// exported is the set of family names the collector may export.
func exported() map[string]bool {
	m := map[string]bool{}
	for _, f := range metrics.Families() {
		m[f.Name] = true
	}
	return m
}

// checkNames fails for an expression that names no ipcctl metric or one
// the collector does not export.
func checkNames(t *testing.T, where, expr string) {
	t.Helper()
	names := metricName.FindAllString(expr, -1)
	if len(names) == 0 {
		t.Errorf("%s: %q uses no ipcctl metric", where, expr)
	}
	known := exported()
	for _, n := range names {
		if !known[n] {
			t.Errorf("%s: %q uses %s, which ipcctl does not export", where, expr, n)
		}
	}
}

// TestAlertRules checks docs/alerts.yml with promtool (syntax and the
// unit tests of testdata/alerts_test.yml: each alert fires on the series
// it is for, after its "for", and not on healthy ones) and that every
// rule uses metrics ipcctl exports.
func TestAlertRules(t *testing.T) {
	promtool := lookTool(t, "promtool")
	out, err := exec.Command(promtool, "check", "rules", alertsFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS: 17 rules found") {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
	out, err = exec.Command(promtool, "test", "rules", "testdata/alerts_test.yml").CombinedOutput()
	if err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
	b, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if expr, ok := strings.CutPrefix(strings.TrimSpace(line), "expr: "); ok {
			checkNames(t, alertsFile, expr)
			n++
		}
	}
	if n != 17 {
		t.Errorf("found %d expr lines in %s, want 17", n, alertsFile)
	}
}

// dashboardExprs returns every query expression of the Grafana dashboard.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string
		Panels []struct {
			Title   string
			Type    string
			Targets []struct{ Expr string }
		}
		Templating struct {
			List []struct {
				Name       string
				Definition string
			}
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s is not valid JSON: %v", dashboardFile, err)
	}
	var exprs []string
	for _, p := range d.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Definition != "" {
			exprs = append(exprs, v.Definition)
		}
	}
	if d.Title == "" || len(exprs) < 20 {
		t.Fatalf("%s: title %q, %d queries", dashboardFile, d.Title, len(exprs))
	}
	return exprs
}

// TestGrafanaDashboard checks the dashboard is valid JSON and that every
// query uses metrics ipcctl exports. (TestPrometheus runs each query
// against a real Prometheus.)
func TestGrafanaDashboard(t *testing.T) {
	for _, e := range dashboardExprs(t) {
		checkNames(t, dashboardFile, e)
	}
}

package esql

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trailql/trailql/esql/parser"
	"github.com/trailql/trailql/internal/sharedtest"
)

// usesFullText reports whether a query calls KQL or MATCH or uses `:`.
func usesFullText(query string) bool {
	q, err := parser.Parse(query)
	if err != nil {
		return false
	}
	found := false
	parser.Inspect(q, func(n parser.Node) bool {
		if e, ok := n.(parser.Expr); ok {
			if _, _, ok := isFullText(e); ok {
				found = true
			}
		}
		return !found
	})
	return found
}

// fullTextErrRe matches errors about full-text functions.
var fullTextErrRe = regexp.MustCompile(`KQL|MATCH|\[:\]|full-text`)

// corpusQuery returns the query of a rule file.
func corpusQuery(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedtest.Dir(t, ""), "rules", "elastic-esql-all", name))
	if err != nil {
		t.Skip(err)
	}
	m := ruleQueryRe.FindSubmatch(data)
	if m == nil {
		t.Fatalf("%s: no query", name)
	}
	return string(m[1])
}

// compileWithInventedFields compiles query, adding fields it names that
// cat lacks as keyword (what an integration's mapping mostly gives them).
func compileWithInventedFields(query string, cat Catalog) error {
	var err error
	for i := 0; i < 200; i++ {
		if _, err = Compile(query, Options{Catalog: cat}); err == nil {
			return nil
		}
		added := false
		for _, n := range unknownColRe.FindAllStringSubmatch(err.Error(), -1) {
			if strings.HasPrefix(n[1], "Esql") {
				continue
			}
			name := strings.ReplaceAll(n[1], "*", "example")
			if _, ok := cat[name]; !ok {
				cat[name] = Keyword
				added = true
			}
		}
		if !added {
			return err
		}
	}
	return err
}

// TestCorpusFullTextCompiles: every ES|QL rule of Elastic's repository that
// uses KQL, MATCH or `:` compiles as far as full-text functions go (rules
// may still fail on features trailql lacks, such as COMPLETION).
func TestCorpusFullTextCompiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedtest.Dir(t, ""), "rules", "elastic-esql-all", "*.toml"))
	if len(files) == 0 {
		t.Skip("no rules under shared/rules/elastic-esql-all")
	}
	uses, compiled := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := ruleQueryRe.FindSubmatch(data)
		if m == nil || !usesFullText(string(m[1])) {
			continue
		}
		uses++
		cat := Catalog{"@timestamp": Datetime, "event.ingested": Datetime, "source.ip": IP, "destination.ip": IP,
			"kibana.alert.risk_score": Double, "system.cpu.total.norm.pct": Double, "system.process.cpu.total.norm.pct": Double,
			"powershell.file.script_block_text": Text}
		err = compileWithInventedFields(string(m[1]), cat)
		if err == nil {
			compiled++
			continue
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if fullTextErrRe.MatchString(line) {
				t.Errorf("%s: %s", filepath.Base(f), line)
			}
		}
	}
	if uses != 32 {
		t.Errorf("%d rules use full-text functions, want 32 (27 KQL, 2 MATCH, 3 `:`)", uses)
	}
	t.Logf("%d rules use full-text functions; %d compile with invented fields", uses, compiled)
}

// TestCorpusAzureRunCommand runs Elastic's "Azure VM Run Command followed
// by PowerShell/script execution" rule, whose first WHERE is three KQL
// queries, over an Azure activity log event and an Elastic Defend process
// event on the same host.
func TestCorpusAzureRunCommand(t *testing.T) {
	query := corpusQuery(t, "execution_azure_vm_run_command_powershell_unrestricted_script.toml")
	// Fields only KQL names must be in the catalog: KQL on a field the
	// index lacks matches nothing instead of failing.
	cat := Catalog{"@timestamp": Datetime, "source.ip": IP, "source.as.number": Long,
		"event.action": Keyword, "event.outcome": Keyword, "process.parent.args": Keyword}
	if err := compileWithInventedFields(query, cat); err != nil {
		t.Fatal(err)
	}
	azure := doc{
		"@timestamp": "2024-05-01T10:00:00Z", "event.module": "azure", "event.outcome": "success",
		"event.action": "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION", "azure.resource.name": "VM-1",
		"user.email": "admin@example.com", "source.ip": "203.0.113.7",
	}
	script := doc{
		"@timestamp": "2024-05-01T10:00:30Z", "event.category": "process", "event.action": "exec",
		"process.parent.name": "bash", "host.name": "vm-1", "process.command_line": "bash script.sh",
		"process.parent.args": []any{"/bin/bash", "/var/lib/waagent/run-command/download/3/script.sh"},
	}
	r := run(t, query, cat, azure, script)
	if len(r.rows) != 1 {
		t.Fatalf("got %d rows, want 1: %v", len(r.rows), r.table())
	}
	row := map[string]string{}
	for i, c := range r.cols {
		row[c.Name] = r.rows[0][i].String()
	}
	if row["Esql.host_name"] != "vm-1" || row["user.email"] != "admin@example.com" || row["source.ip"] != "203.0.113.7" {
		t.Errorf("row = %v", row)
	}

	// A failed run command is excluded by `NOT KQL("event.outcome:failure")`;
	// a script outside the run-command download directory by the wildcard.
	failed := doc{}
	for k, v := range azure {
		failed[k] = v
	}
	failed["event.outcome"] = "failure"
	elsewhere := doc{}
	for k, v := range script {
		elsewhere[k] = v
	}
	elsewhere["process.parent.args"] = []any{"/bin/bash", "/tmp/run-command/download/3/script.sh"}
	if r := run(t, query, cat, failed, script); len(r.rows) != 0 {
		t.Errorf("failed run command: %v", r.table())
	}
	if r := run(t, query, cat, azure, elsewhere); len(r.rows) != 0 {
		t.Errorf("script elsewhere: %v", r.table())
	}
}

// TestCorpusHigherOrderRuleTags runs the KQL most of Elastic's higher-order
// rules use to skip alerts of other higher-order rules: a phrase on a
// keyword field is one exact term, compared with each tag.
func TestCorpusHigherOrderRuleTags(t *testing.T) {
	cat := Catalog{"kibana.alert.rule.tags": Keyword, "kibana.alert.rule.name": Keyword}
	q := `FROM .alerts-security.* | WHERE not KQL("""kibana.alert.rule.tags : "Rule Type: Higher-Order Rule" """) | KEEP kibana.alert.rule.name`
	r := run(t, q, cat,
		doc{"kibana.alert.rule.name": "a", "kibana.alert.rule.tags": []any{"Domain: Cloud", "Rule Type: Higher-Order Rule"}},
		doc{"kibana.alert.rule.name": "b", "kibana.alert.rule.tags": []any{"Domain: Cloud"}},
		doc{"kibana.alert.rule.name": "c"},
		doc{"kibana.alert.rule.name": "d", "kibana.alert.rule.tags": "rule type: higher-order rule"},
	)
	if got := strings.Join(r.table(), ","); got != "b,c,d" {
		t.Errorf("rules kept: %s", got)
	}
}

package alert

import (
	"testing"

	"github.com/trailql/trailql/rule"
)

// TestReason: Kibana's shared reason template (reason_formatters.ts,
// docs/esql-semantics.md §B3), fed from the row's flat dotted keys.
func TestReason(t *testing.T) {
	r := &rule.Rule{RuleID: "r", Name: "Rule X", Severity: "high", RiskScore: 73}
	cases := []struct {
		name string
		cols []string
		row  []any
		want string
	}{
		{"no fields", nil, nil, "event created high alert Rule X."},
		{"source ip and user", []string{"source.ip", "user.name"}, []any{"203.0.113.7", "alice"},
			"event with source 203.0.113.7 by alice created high alert Rule X."},
		{"user only: no with", []string{"user.name"}, []any{"alice"}, "event by alice created high alert Rule X."},
		{"category, host", []string{"event.category", "host.name"}, []any{"authentication", "web-1"},
			"authentication event on web-1 created high alert Rule X."},
		{"arrays joined", []string{"event.category", "source.ip", "user.name"}, []any{[]any{"iam", "network"}, []any{"10.0.0.1", "10.0.0.2"}, []any{"alice", "bob"}},
			"iam, network event with source 10.0.0.1, 10.0.0.2 by alice, bob created high alert Rule X."},
		{"string ports", []string{"source.ip", "source.port", "destination.ip", "destination.port"}, []any{"10.0.0.1", "5555", "10.0.0.2", "443"},
			"event with source 10.0.0.1:5555, destination 10.0.0.2:443, created high alert Rule X."},
		{"numeric port dropped (no .length in JavaScript)", []string{"source.ip", "source.port"}, []any{"10.0.0.1", int64(5555)},
			"event with source 10.0.0.1 created high alert Rule X."},
		{"numeric port array joined", []string{"destination.port"}, []any{[]any{int64(80), int64(443)}},
			"event with:80, 443, created high alert Rule X."},
		{"process, parent, file", []string{"process.name", "process.parent.name", "file.name"}, []any{"bash", "sshd", "x.sh"},
			"event with process bash, parent process sshd, file x.sh, created high alert Rule X."},
		{"dash and empty are absent", []string{"user.name", "host.name", "source.ip"}, []any{"-", "", []any{"-"}},
			"event created high alert Rule X."},
		{"literal null string: select's null branch, but counts for with", []string{"source.ip", "user.name"}, []any{"null", "null"},
			"event with created high alert Rule X."},
		{"boolean ignored", []string{"user.name"}, []any{true}, "event created high alert Rule X."},
	}
	for _, c := range cases {
		a := Build(r, c.cols, c.row, nil, alertTime)
		if got, _ := a.Doc.Get("kibana.alert.reason"); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
	// The seed rule's columns contain none of the fields.
	if got, _ := seedAlert().Doc.Get("kibana.alert.reason"); got != "event created low alert AWS Discovery API Calls via CLI from a Single Resource." {
		t.Errorf("seed reason %q", got)
	}
}

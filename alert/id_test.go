package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/trailql/trailql/rule"
)

// TestAlertIDAggregating: the id names the logical alert, rule id + BY
// values, and nothing else (alertID documents why this differs from
// Kibana's per-run hash, docs/esql-semantics.md §B3).
func TestAlertIDAggregating(t *testing.T) {
	r := rule.Seed()
	base := seedAlert().ID
	other := *r
	other.RuleID = "another-rule"
	cases := []struct {
		name string
		id   string
		same bool
	}{
		{"same input again", seedAlert().ID, true},
		{"other alert time", Build(r, seedCols, seedRow(), seedGroupBy, time.Now()).ID, true},
		{"non-BY count changed", Build(r, seedCols, with(seedCols, seedRow(), "Esql.event_action_count_distinct", int64(9)), seedGroupBy, alertTime).ID, true},
		{"non-BY values reordered", Build(r, seedCols, with(seedCols, seedRow(), "Esql.event_provider_values", []any{"s3.amazonaws.com", "ec2.amazonaws.com"}), seedGroupBy, alertTime).ID, true},
		{"number type of a non-BY column", Build(r, seedCols, with(seedCols, seedRow(), "Esql.event_action_count_distinct", 6.0), seedGroupBy, alertTime).ID, true},
		{"columns in another order", Build(r, reverse(seedCols), reverseAny(seedRow()), seedGroupBy, alertTime).ID, true},
		{"rule object edited, same rule_id", Build(&rule.Rule{RuleID: r.RuleID, Name: "renamed", Severity: "high"}, seedCols, seedRow(), seedGroupBy, alertTime).ID, true},
		{"BY window changed", Build(r, seedCols, with(seedCols, seedRow(), "Esql.time_window_date_trunc", "2024-11-04T10:00:20.000Z"), seedGroupBy, alertTime).ID, false},
		{"BY arn changed", Build(r, seedCols, with(seedCols, seedRow(), "aws.cloudtrail.user_identity.arn", "arn:aws:iam::123456789012:user/bob"), seedGroupBy, alertTime).ID, false},
		{"BY arn null (its own group)", Build(r, seedCols, with(seedCols, seedRow(), "aws.cloudtrail.user_identity.arn", nil), seedGroupBy, alertTime).ID, false},
		{"other rule_id", Build(&other, seedCols, seedRow(), seedGroupBy, alertTime).ID, false},
		{"BY column order matters", Build(r, seedCols, seedRow(), []string{seedGroupBy[1], seedGroupBy[0]}, alertTime).ID, false},
		{"treated as non-aggregating", Build(r, seedCols, seedRow(), nil, alertTime).ID, false},
	}
	for _, c := range cases {
		if (c.id == base) != c.same {
			t.Errorf("%s: id %s, base %s, want same=%v", c.name, c.id, base, c.same)
		}
	}
	// Null and empty string are different groups; so are "a|b" splits.
	r2 := &rule.Rule{RuleID: "x"}
	cols := []string{"a", "b"}
	pairs := [][2][]any{
		{{nil, "v"}, {"", "v"}},
		{{"a|b", "c"}, {"a", "b|c"}},
		{{"1", "v"}, {int64(1), "v"}},
	}
	for _, p := range pairs {
		if Build(r2, cols, p[0], cols, alertTime).ID == Build(r2, cols, p[1], cols, alertTime).ID {
			t.Errorf("rows %v and %v share an id", p[0], p[1])
		}
	}
	// A STATS without BY: one logical alert per rule.
	if Build(r2, []string{"n"}, []any{int64(1)}, []string{}, alertTime).ID != Build(r2, []string{"n"}, []any{int64(2)}, []string{}, alertTime).ID {
		t.Error("STATS without BY: ids differ between runs")
	}
}

// TestAlertIDNonAggregating: the source event identifies the alert: _id,
// else event.id, else the whole row (non-null cells).
func TestAlertIDNonAggregating(t *testing.T) {
	r := &rule.Rule{RuleID: "r1", Name: "n", Severity: "low"}
	id := func(cols []string, row ...any) string { return Build(r, cols, row, nil, alertTime).ID }
	withID := []string{"_id", "event.id", "event.action", "user.name"}
	noID := []string{"event.id", "event.action"}
	plain := []string{"event.action", "user.name"}
	cases := []struct {
		name   string
		a, b   string
		wantEq bool
	}{
		{"_id: other columns change", id(withID, "doc-1", "ev-1", "GetObject", "alice"), id(withID, "doc-1", "ev-9", "PutObject", "bob"), true},
		{"_id changes", id(withID, "doc-1", "ev-1", "GetObject", "alice"), id(withID, "doc-2", "ev-1", "GetObject", "alice"), false},
		{"event.id: other column changes", id(noID, "ev-1", "GetObject"), id(noID, "ev-1", "PutObject"), true},
		{"event.id changes", id(noID, "ev-1", "GetObject"), id(noID, "ev-2", "GetObject"), false},
		{"null _id falls back to event.id", id(withID, nil, "ev-1", "GetObject", "alice"), id(noID, "ev-1", "PutObject"), true},
		{"whole row: deterministic", id(plain, "GetObject", "alice"), id(plain, "GetObject", "alice"), true},
		{"whole row: any column counts", id(plain, "GetObject", "alice"), id(plain, "GetObject", "bob"), false},
		{"whole row: null cells ignored", id(plain, "GetObject", "alice"), id(append(plain, "x"), "GetObject", "alice", nil), true},
		{"whole row: column names count", id(plain, "GetObject", "alice"), id([]string{"event.action", "user.id"}, "GetObject", "alice"), false},
	}
	for _, c := range cases {
		if (c.a == c.b) != c.wantEq {
			t.Errorf("%s: ids equal = %v, want %v", c.name, c.a == c.b, c.wantEq)
		}
	}
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func reverseAny(s []any) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// TestAlertIDEncoding pins the exact hashed bytes of the seed alert's id,
// so a change of scheme (which would re-send every alert) is deliberate.
func TestAlertIDEncoding(t *testing.T) {
	canonical := `["trailql.alert.v1","group","74f45152-9aee-11ef-b0a5-f661ea17fbcd",` +
		`"Esql.time_window_date_trunc","2024-11-04T10:00:10.000Z",` +
		`"aws.cloudtrail.user_identity.arn","arn:aws:iam::123456789012:user/alice"]`
	sum := sha256.Sum256([]byte(canonical))
	if got, want := seedAlert().ID, hex.EncodeToString(sum[:]); got != want {
		t.Errorf("seed id %s, want sha256(%s) = %s", got, canonical, want)
	}
	if got := ID(rule.Seed().RuleID, seedCols, seedRow(), seedGroupBy); got != seedAlert().ID {
		t.Errorf("ID() = %s, Build gives %s", got, seedAlert().ID)
	}
}

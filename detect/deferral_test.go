package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/esql/parser"
	"github.com/trailql/trailql/rule"
)

// whereString prints a condition as the WHERE command it would be.
func whereString(x parser.Expr) string {
	if x == nil {
		return "<none>"
	}
	if isFalse(x) {
		return "<false>"
	}
	return strings.TrimPrefix((&parser.WhereCommand{Cond: x}).String(), "WHERE ")
}

// A condition on a STATS input row becomes one every such row meets, in
// terms the prefilter deriver reads: CASE flags compared with constants
// become their branches' conditions, and what cannot be said is dropped
// from a conjunction (nil: none).
func TestRelax(t *testing.T) {
	for _, tc := range []struct{ cond, want string }{
		{`CASE(a == "x", 1, 0) > 0`, `a == "x"`},
		{`CASE(a == "x", 1, 0) == 1`, `a == "x"`},
		{`1 == CASE(a == "x", 1, 0)`, `a == "x"`},
		{`0 < CASE(a == "x", 1, b == "y", 2, 0)`, `a == "x" OR b == "y"`},
		{`CASE(a == "x", 1, b == "y", 0, 2) > 0`, `<none>`}, // the default meets it
		{`CASE(a == "x", 0, 0) > 0`, `<false>`},
		{`CASE(a == "x", 1) > 0`, `a == "x"`}, // no default: null
		{`CASE(a == "x", 1, 0) IS NOT NULL`, `<none>`},
		{`CASE(a == "x", "v") IS NOT NULL`, `a == "x"`},
		{`CASE(a == "x", 1, 0) == 1 AND f(b) > 2`, `a == "x" AND f(b) > 2`},
		{`CASE(a == "x", 1, 0) == 1 AND CASE(c == "z", 1, 0) == 1`, `a == "x" AND c == "z"`},
		{`CASE(a == "x", 1, 0) == 1 OR CASE(c == "z", 1, 0) == 1`, `a == "x" OR c == "z"`},
		{`CASE(a == "x", 1, 0) == 1 OR CASE(c == "z", 1, 2) == 1`, `a == "x" OR c == "z"`},
		{`CASE(a == "x", 1, 0) == 1 OR CASE(c == "z", 1, 1) == 1`, `<none>`},
		{`CASE(a == "x", 1, 0) == 1 AND CASE(c == "z", 0, 0) == 1`, `<false>`},
		{`NOT CASE(a == "x", 1, 0) == 1`, `NOT case(a == "x", 1, 0) == 1`}, // not relaxed under NOT
		{`CASE(a == "x", v, 0) > 0`, `<none>`},                             // a value that is not a constant
		{`CASE(a == "x", "s", 0) > 0`, `<none>`},                           // a comparison it cannot make
	} {
		q, err := parser.Parse("FROM x | WHERE " + tc.cond)
		if err != nil {
			t.Fatalf("%s: %v", tc.cond, err)
		}
		got := whereString(relax(q.Commands[0].(*parser.WhereCommand).Cond))
		if got != tc.want {
			t.Errorf("relax(%s) = %s, want %s", tc.cond, got, tc.want)
		}
	}
}

// The bundled rules that hold records raw, and which records they may
// hold so: those that cannot witness the conjunct that makes their runs
// rare.
func TestDeferralOfBundledRules(t *testing.T) {
	cs, err := Compile(rule.Bundled(), time.Now())
	must(t, err)
	byName := map[string]*deferral{}
	for _, c := range cs {
		if df := newDeferral(c, c.plan(), prefilterOpts(false)); df != nil {
			byName[c.Rule.Name] = df
		}
	}
	lateral := byName["AWS Lateral Movement from Kubernetes SA via AssumeRoleWithWebIdentity"]
	self := byName["AWS IAM User Self-Created Access Key Subsequently Used"]
	if lateral == nil || self == nil {
		t.Fatalf("rules that may hold records raw: %v", slices.Collect(maps.Keys(byName)))
	}
	raw := func(action, typ string) []byte {
		r := event(action, 0)
		r["eventSource"] = "iam.amazonaws.com"
		r["userIdentity"].(map[string]any)["type"] = typ
		b, _ := json.Marshal(r)
		return b
	}
	for _, tc := range []struct {
		name   string
		df     *deferral
		record []byte
		may    uint64
	}{
		{"lateral: a read", lateral, raw("ListBuckets", "AssumedRole"), 0},
		{"lateral: the web identity", lateral, raw("AssumeRoleWithWebIdentity", "AssumedRole"), lateral.all},
		{"self: a use", self, raw("GetObject", "IAMUser"), self.all &^ 1},
		{"self: a creation", self, raw("CreateAccessKey", "IAMUser"), self.all},
	} {
		if got := tc.df.maybe(tc.record); got != tc.may {
			t.Errorf("%s: may witness %b, want %b", tc.name, got, tc.may)
		}
	}
	if lateral.all != 1 || self.all != 3 {
		t.Errorf("conjuncts: lateral %b, self %b", lateral.all, self.all)
	}
}

// Records held raw give the alerts of records mapped as they are read:
// for a 24-hour rule whose rare witnesses make most of its runs skip and a
// 35-minute rule whose creations are rare, read by the reader (whose scan
// lets records be held raw) from a file with late deliveries, by two
// workers, with and without a memory budget that sends the raw rows to
// the spill file.
func TestRawRowsKeepAlerts(t *testing.T) {
	common := assumeRule(t)
	rare := testRule(t, `FROM logs-aws.cloudtrail-*
| EVAL created = CASE(event.action == "CreateUser", 1, 0)
| STATS creations = COUNT(*) WHERE created == 1, used = COUNT(*) WHERE event.action != "CreateUser", vs = VALUES(event.action), earliest = MIN(@timestamp)
  BY aws.cloudtrail.user_identity.access_key_id
| WHERE creations > 0 AND used > 0`, "5m", "now-35m")
	rare.RuleID = "00000000-0000-0000-0000-00000000rare"
	rules := []*rule.Rule{common, rare}
	// In the corpus every window has witnesses: each is read. In its
	// thinned copy no record witnesses the 24-hour rule's conjunct and the
	// creations are all in its first hour: most windows are never read.
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	var all, thin bytes.Buffer
	for _, raw := range budgetCorpus(3, 6000) {
		all.Write(raw)
		all.WriteByte('\n')
		var r rec
		must(t, json.Unmarshal(raw, &r))
		at, _ := time.Parse(time.RFC3339, r["eventTime"].(string))
		if r["eventName"] == "AssumeRoleWithWebIdentity" || r["eventName"] == "CreateUser" && at.Sub(start) > time.Hour {
			r["eventName"] = "ListSecrets"
		}
		b, _ := json.Marshal(r)
		thin.Write(b)
		thin.WriteByte('\n')
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{"all": all.Bytes(), "thin": thin.Bytes()} {
		must(t, os.WriteFile(filepath.Join(dir, name+".ndjson"), b, 0o644))
	}
	for _, tc := range []struct {
		corpus string
		limit  int64
	}{{"all", 0}, {"all", 64 << 10}, {"thin", 0}, {"thin", 64 << 10}} {
		path, limit := filepath.Join(dir, tc.corpus+".ndjson"), tc.limit
		got, d := readAlerts(t, rules, path, limit)
		noDeferral = true
		want, _ := readAlerts(t, rules, path, limit)
		noDeferral = false
		if len(want) == 0 {
			t.Fatalf("%s: no alerts: the corpus tests nothing", tc.corpus)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s, limit %d: %d alerts with raw rows, %d without\nfirst with: %.300s\nfirst without: %.300s", tc.corpus, limit, len(got), len(want), first(got), first(want))
		}
		// Windows must have been read (their raw rows mapped), and in the
		// thinned corpus rows must still be raw at the end (never read):
		// else the test shows nothing.
		stillRaw, read := 0, 0
		for _, rr := range d.rules {
			if rr.deferral == nil {
				t.Fatalf("rule %q holds no record raw", rr.c.Rule.Name)
			}
			for _, w := range rr.ev.win {
				stillRaw += w.raw
				if w.raw == 0 && w.maybe == 0 && w.n > 0 {
					read++
				}
			}
		}
		if read == 0 || tc.corpus == "thin" && stillRaw == 0 {
			t.Errorf("%s, limit %d: %d rows still raw, %d windows read: the test shows nothing", tc.corpus, limit, stillRaw, read)
		}
	}
}

// readAlerts is normalizedAlerts for records read from path by the
// reader, with two workers.
func readAlerts(t *testing.T, rules []*rule.Rule, path string, limit int64) ([]string, *Detector) {
	t.Helper()
	cs, err := Compile(rules, time.Now())
	must(t, err)
	d := New(cs, Options{AllowedLateness: 15 * time.Minute, MemoryLimit: limit, SpillDir: t.TempDir(), Workers: 2})
	_, err = d.Read(context.Background(), &cloudtrail.Reader{}, []string{path}, func(_ cloudtrail.Record, err error) { t.Error(err) })
	must(t, err)
	alerts, err := d.Finish()
	must(t, err)
	return normalize(t, alerts), d
}

// A record is held raw in the window its @timestamp gives: not one whose
// digestEndTime (which then is its @timestamp) differs from its eventTime,
// nor one outside --since/--until.
func TestRawRowsWindows(t *testing.T) {
	common := testRule(t, `FROM logs-aws.cloudtrail-*
| EVAL is_assume = CASE(event.action == "AssumeRoleWithWebIdentity", 1, 0)
| STATS assumes = SUM(is_assume), n = COUNT(*) BY aws.cloudtrail.user_identity.access_key_id
| WHERE assumes >= 1`, "1h", "now-24h")
	var buf bytes.Buffer
	for i, extra := range []map[string]any{
		{},
		{"digestEndTime": "2026-11-02T11:30:00Z"},
		{"eventTime": "2026-11-03T08:00:00Z"}, // after --until
	} {
		r := event("ListBuckets", i*1000)
		r["userIdentity"].(map[string]any)["type"] = "AssumedRole"
		for k, v := range extra {
			r[k] = v
		}
		b, _ := json.Marshal(r)
		buf.Write(append(b, '\n'))
	}
	path := filepath.Join(t.TempDir(), "events.ndjson")
	must(t, os.WriteFile(path, buf.Bytes(), 0o644))
	keys := func() ([]int64, int) {
		cs, err := Compile([]*rule.Rule{common}, time.Now())
		must(t, err)
		d := New(cs, Options{Until: time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC)})
		_, err = d.Read(context.Background(), &cloudtrail.Reader{}, []string{path}, func(_ cloudtrail.Record, err error) { t.Error(err) })
		must(t, err)
		ev := d.rules[0].ev
		raw := 0
		for _, w := range ev.win {
			raw += w.raw
		}
		return slices.Clone(ev.keys), raw
	}
	got, raw := keys()
	noDeferral = true
	want, _ := keys()
	noDeferral = false
	if raw != 1 {
		t.Errorf("%d records held raw, want 1 (the one without digestEndTime)", raw)
	}
	if !slices.Equal(got, want) {
		t.Errorf("windows %v with raw rows, %v without", got, want)
	}
}

package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/esql/parser"
	"github.com/trailql/trailql/internal/multimatch"
	"github.com/trailql/trailql/rule"
)

func TestPrefilterDerivation(t *testing.T) {
	for _, tc := range []struct {
		where string
		want  string // requirements, "|" between alternatives, ";" between requirements
	}{
		{`event.action == "ListUsers"`, `"ListUsers"`},
		{`event.provider IN ("iam.amazonaws.com", "sts.amazonaws.com") AND user_agent.name == "aws-cli"`, `aws-cli;"iam.amazonaws.com"|"sts.amazonaws.com"`},
		{`true IN (starts_with(event.action, "Get"), starts_with(event.action, "List"))`, `"Get|"List`},
		{`ends_with(event.action, "Policy") OR event.action == "X"`, `Policy"|"X"`},
		{`NOT event.action == "X"`, ``},
		{`event.action != "X"`, ``},
		{`event.outcome == "success"`, ``},                  // derived, not verbatim
		{`user_agent.name == "Python Requests"`, ``},        // produced by a replacement
		{`event.action == "a\"b"`, ``},                      // has several JSON encodings
		{`event.action == "X" OR event.outcome == "y"`, ``}, // one branch unconstrained
		// An AND inside an OR: the strongest of its conjuncts (not on a field
		// of few common values, then fewest alternatives).
		{`(event.action == "A" AND event.outcome == "success") OR (event.action IN ("B", "C") AND aws.cloudtrail.user_identity.type == "AssumedRole")`, `"A"|"AssumedRole";"A"|"B"|"C"`},
		{`(event.action == "A" AND event.provider IN ("x", "y")) OR (aws.cloudtrail.user_identity.type == "IAMUser" AND cloud.region == "r")`, `"A"|"IAMUser";"A"|"r";"x"|"y"|"IAMUser";"x"|"y"|"r"`},
		{`(data_stream.dataset == "aws.cloudtrail" AND event.action == "GetSecretValue") OR (data_stream.dataset == "azure.platformlogs" AND event.action IN ("SecretGet", "KeyGet"))`, `"GetSecretValue"|"azure.platformlogs";"GetSecretValue"|"SecretGet"|"KeyGet"`},
		{`data_stream.dataset == "aws.cloudtrail"`, ``}, // true of every CloudTrail event, written in none
		{`source.as.organization.name IS NOT NULL`, ``}, // GeoIP fields: absent only without GeoIP
		{`aws.cloudtrail.resources.arn IS NOT NULL`, `resources`},
		{`aws.cloudtrail.resources.arn IS NULL`, ``},
		{`aws.cloudtrail.resources.arn IS NOT NULL OR event.action == "X"`, `resources|"X"`},
		// LIKE: the longest plain run, anchored by the quotes at the ends.
		{`aws.cloudtrail.user_identity.access_key_id LIKE "AKIA*"`, `"AKIA`},
		{`user_agent.original LIKE "*aws-credentials-for-github-actions"`, `aws-credentials-for-github-actions"`},
		{`event.action LIKE "Get*Policy*"`, `Policy`},
		{`event.action LIKE ("Put*", "*Delete*")`, `"Put|Delete`},
		{`event.action LIKE "ab*"`, ``},      // too short to be worth it
		{`event.action NOT LIKE "Get*"`, ``}, // negation
		{`event.outcome LIKE "succ*"`, ``},   // not verbatim
		{`event.action LIKE "ListUsers"`, `"ListUsers"`},
		{`event.action LIKE "Get*"`, `"Get`},
	} {
		q, err := parser.Parse("FROM logs-aws.cloudtrail-* | WHERE " + tc.where)
		must(t, err)
		var got []string
		if p := newPrefilter(q, prefilterOptions{}); p != nil {
			for _, r := range p.all {
				var alts []string
				for _, a := range r.anyOf {
					alts = append(alts, string(a.s))
				}
				got = append(got, strings.Join(alts, "|"))
			}
		}
		if g := strings.Join(got, ";"); g != tc.want {
			t.Errorf("WHERE %s: requirements %q, want %q", tc.where, g, tc.want)
		}
	}
	// A field assigned by EVAL is not the source field any more.
	q, _ := parser.Parse(`FROM logs-aws.cloudtrail-* | EVAL event.action = "ListUsers" | WHERE event.action == "ListUsers"`)
	if p := newPrefilter(q, prefilterOptions{}); p != nil {
		t.Errorf("prefilter on an EVAL-assigned field: %v", p.all)
	}
}

// Without GeoIP no CloudTrail event has source.as.* or source.geo.*: a rule
// that needs one sees no record. Not so with GeoIP, nor for a rule that also
// reads other integrations, whose documents pass through with such fields.
func TestPrefilterAbsentFields(t *testing.T) {
	for _, tc := range []struct {
		query string
		geo   bool
		none  bool
	}{
		{`FROM logs-aws.cloudtrail-* | WHERE source.as.organization.name IS NOT NULL AND user.name IS NOT NULL`, false, true},
		{`FROM logs-aws.cloudtrail-* | WHERE source.as.organization.name IS NOT NULL`, true, false},
		{`FROM logs-aws.cloudtrail-* | WHERE source.geo.country_name IS NULL`, false, false},
		{`FROM logs-aws.cloudtrail-* | WHERE event.action == "X" OR source.geo.city_name IS NOT NULL`, false, false},
		{`FROM logs-aws.cloudtrail-* | WHERE (event.action == "X" AND source.geo.city_name IS NOT NULL) OR event.action == "Y"`, false, false},
		{`FROM logs-aws.cloudtrail-*, logs-azure.* | WHERE source.geo.city_name IS NOT NULL`, false, false},
		// A comparison with an absent field is null, even negated.
		{`FROM logs-aws.cloudtrail-* | WHERE source.as.organization.name != "AMAZON-AES" AND user.name IS NOT NULL`, false, true},
		{`FROM logs-aws.cloudtrail-* | WHERE source.as.organization.name != "AMAZON-AES"`, true, false},
		{`FROM logs-aws.cloudtrail-* | WHERE source.as.number > 10`, false, true},
		{`FROM logs-aws.cloudtrail-* | WHERE source.geo.country_iso_code NOT IN ("US", "CA")`, false, true},
		{`FROM logs-aws.cloudtrail-* | WHERE source.geo.city_name NOT LIKE "Par*"`, false, true},
		{`FROM logs-aws.cloudtrail-* | WHERE NOT source.as.organization.name == "X"`, false, false},
		{`FROM logs-aws.cloudtrail-* | WHERE source.as.organization.name IS NULL OR source.as.organization.name != "X"`, false, false},
		{`FROM logs-aws.cloudtrail-* | WHERE event.action == "X" OR source.as.organization.name != "X"`, false, false},
		{`FROM logs-aws.cloudtrail-* | EVAL source.as.number = 3 | WHERE source.as.number > 1`, false, false},
	} {
		q, err := parser.Parse(tc.query)
		must(t, err)
		p := newPrefilter(q, prefilterOpts(tc.geo))
		none := p != nil && p.none
		if none != tc.none {
			t.Errorf("%s (GeoIP %v): sees no record = %v, want %v", tc.query, tc.geo, none, tc.none)
		}
		if none && p.pass([]byte(`{"sourceIPAddress":"1.2.3.4","eventName":"X"}`)) {
			t.Errorf("%s: a rule that sees no record passed one", tc.query)
		}
	}
	// The OR with one branch never met requires the other's literal.
	q, _ := parser.Parse(`FROM logs-aws.cloudtrail-* | WHERE (event.action == "X" AND source.geo.city_name IS NOT NULL) OR event.action == "Y"`)
	p := newPrefilter(q, prefilterOpts(false))
	if p.pass([]byte(`{"eventName":"X"}`)) || !p.pass([]byte(`{"eventName":"Y"}`)) {
		t.Error("OR of a never-met branch and event.action == \"Y\": want only Y to pass")
	}
}

func TestPrefilterEscapes(t *testing.T) {
	q, _ := parser.Parse(`FROM logs-aws.cloudtrail-* | WHERE user_agent.name == "aws-cli" AND event.provider == "ec2.amazonaws.com"`)
	p := newPrefilter(q, prefilterOptions{})
	for _, tc := range []struct {
		raw  string
		pass bool
	}{
		{`{"userAgent":"aws-cli/2.1","eventSource":"ec2.amazonaws.com"}`, true},
		{`{"userAgent":"Boto3/1.2","eventSource":"ec2.amazonaws.com"}`, false},
		{`{"userAgent":"aws\u002dcli/2.1","eventSource":"ec2.amazonaws.com"}`, true}, // an escape may hide it
		{`{"userAgent":"aws-cli/2.1","eventSource":"s3.amazonaws.com"}`, false},
	} {
		if got := p.pass([]byte(tc.raw)); got != tc.pass {
			t.Errorf("%s: pass = %v, want %v", tc.raw, got, tc.pass)
		}
	}
}

// escapeSome rewrites some letters of JSON string contents as \u escapes
// and slashes as \/, which JSON allows and CloudTrail writers may emit.
func escapeSome(raw []byte, r *rand.Rand) []byte {
	var out bytes.Buffer
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\\':
			out.WriteByte(c)
			i++
			out.WriteByte(raw[i])
			continue
		case c == '"':
			inString = !inString
		case inString && c == '/' && r.Intn(4) == 0:
			out.WriteString(`\/`)
			continue
		case inString && c >= 'a' && c <= 'z' && r.Intn(30) == 0:
			fmt.Fprintf(&out, `\u%04x`, c)
			continue
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}

// With and without the prefilter, every rule gives the same alerts, on
// records with and without JSON escapes.
func TestPrefilterIsConservative(t *testing.T) {
	rules := append([]*rule.Rule{rule.Seed()}, rule.Bundled()...)
	// A rule of the predicates only known fields can test
	// (prefilter_known.go), each group an alert.
	rules = append(rules, testRule(t, `FROM logs-aws.cloudtrail-*
| WHERE aws.cloudtrail.user_identity.type != "AWSService" AND source.ip IS NOT NULL
    AND NOT event.action IN ("ListKeys", "GetBucketAcl") AND source.address != "203.0.113.10"
    AND (aws.cloudtrail.resources.arn IS NOT NULL OR event.action == "ListBuckets")
| STATS n = COUNT(*) BY aws.cloudtrail.user_identity.type, source.ip, event.action, aws.cloudtrail.resources.arn`, "5m", "now-6m"))
	var compiled []*Compiled
	for _, r := range rules {
		c, err := CompileRule(r, time.Now())
		if err == nil {
			compiled = append(compiled, c)
		}
	}
	r := rand.New(rand.NewSource(7))
	raws := randomCorpus(11, 2000)
	for i := range raws {
		switch i % 4 {
		case 0, 2:
			raws[i] = escapeSome(raws[i], r)
		case 1:
			raws[i] = misplaceLiterals(raws[i], r)
		}
		if !json.Valid(raws[i]) {
			t.Fatalf("escaping broke record %d: %s", i, raws[i])
		}
	}
	// Records read from a file come with their known fields
	// (filters_known.go); records given to Process without.
	path := filepath.Join(t.TempDir(), "corpus.ndjson")
	must(t, os.WriteFile(path, append(bytes.Join(raws, []byte("\n")), '\n'), 0o644))
	run := func(filter, scanned bool) []string {
		d := New(compiled, Options{Now: time.Unix(0, 0)})
		if !filter {
			d.reader.filters = newRuleFilters(make([]*prefilter, len(d.rules)))
		}
		if scanned {
			_, err := d.Read(context.Background(), &cloudtrail.Reader{}, []string{path}, func(cloudtrail.Record, error) {})
			must(t, err)
		} else {
			for _, raw := range raws {
				_ = d.Process(raw)
			}
		}
		alerts, err := d.Finish()
		must(t, err)
		var out []string
		for _, a := range alerts {
			b, _ := json.Marshal(a.Doc)
			out = append(out, string(b))
		}
		return out
	}
	without := run(false, false)
	if len(without) == 0 || !strings.Contains(strings.Join(without, "\n"), `"Test rule"`) {
		t.Fatal("no alerts to compare, or none of the rule of known-field tests")
	}
	for _, scanned := range []bool{false, true} {
		if with := run(true, scanned); strings.Join(with, "\n") != strings.Join(without, "\n") {
			t.Errorf("prefilter (scanned %v) changed the alerts: %d with, %d without", scanned, len(with), len(without))
		}
	}
}

// misplaceLiterals copies, into other places of the record, the values of
// the fields the prefilters look at: a literal a rule needs in eventName
// found in requestParameters or in the user agent must not let the record
// through in place of the field. Sometimes a field's value is also made
// something other than a plain string.
func misplaceLiterals(raw []byte, r *rand.Rand) []byte {
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		panic(err)
	}
	lits := []string{"DescribeInstances", "GetSecretValue", "CreateAccessKey", "iam.amazonaws.com", "IAMUser",
		"AssumedRole", "AKIA9", "aws-cli/2.0", "AssumeRoleWithWebIdentity", "system:serviceaccount:x", "s3.amazonaws.com"}
	pick := func() string { return lits[r.Intn(len(lits))] }
	rec["requestParameters"] = map[string]any{"eventName": pick(), "type": pick(), "userIdentity": map[string]any{"type": pick()}}
	if r.Intn(2) == 0 {
		rec["userAgent"] = fmt.Sprint(rec["userAgent"], " ", pick())
	}
	if r.Intn(3) == 0 {
		rec["responseElements"] = map[string]any{"accessKeyId": pick(), "eventSource": pick()}
	}
	switch r.Intn(12) {
	case 0:
		rec["eventName"] = 5
	case 1:
		rec["eventSource"] = map[string]any{"x": pick()}
	case 2:
		if ui, ok := rec["userIdentity"].(map[string]any); ok {
			ui["type"] = []any{pick()}
		}
	case 3:
		rec["userIdentity"] = []any{map[string]any{"type": pick()}}
	case 6:
		rec["sourceIPAddress"] = 1234
	case 7:
		delete(rec, "sourceIPAddress")
	case 8:
		rec["sourceIPAddress"] = pick()
	case 9:
		rec["resources"] = []any{map[string]any{"ARN": "arn:aws:s3:::b", "type": "AWS::S3::Bucket"}}
	case 10:
		rec["requestParameters"] = map[string]any{"resources": pick()}
	case 4, 5:
		// A value that ends or starts with a literal but is not it.
		rec["eventName"] = "x" + pick()
		if ui, ok := rec["userIdentity"].(map[string]any); ok {
			ui["type"] = pick() + "x"
		}
	}
	out, _ := json.Marshal(rec)
	return out
}

// needle.in agrees with bytes.Contains wherever the rarest byte sits.
func TestNeedle(t *testing.T) {
	hay := []string{"", "a", "aws-cli", "xaws-cl", "aws-clx aws-cli", `{"userAgent":"aws-cli/2.0"}`, "wwwww", "aws-cliaws-cli", "-cli"}
	for _, n := range []string{"aws-cli", "w", `"Describe`, "-", "ww", "aws-cliaws-cli", "zq"} {
		nd := newNeedle([]byte(n))
		for _, h := range hay {
			if got, want := nd.in([]byte(h)), strings.Contains(h, n); got != want {
				t.Errorf("needle %q (rarest at %d) in %q = %v, want %v", n, nd.k, h, got, want)
			}
		}
	}
}

// BenchmarkPrefilterNeedle compares needle.in with bytes.Contains on
// CloudTrail records (the examples).
func BenchmarkPrefilterNeedle(b *testing.B) {
	var recs [][]byte
	r := &cloudtrail.Reader{}
	_, err := r.Read(context.Background(), []string{"../examples"}, func(rec cloudtrail.Record) error {
		recs = append(recs, bytes.Clone(rec.Raw))
		return nil
	})
	must(b, err)
	lit := []byte("aws-cli")
	nd := newNeedle(lit)
	b.Run("needle", func(b *testing.B) {
		for b.Loop() {
			for _, rec := range recs {
				nd.in(rec)
			}
		}
	})
	b.Run("bytes.Contains", func(b *testing.B) {
		for b.Loop() {
			for _, rec := range recs {
				bytes.Contains(rec, lit)
			}
		}
	})
}

// The rules' prefilters tested together (one automaton pass when there are
// many rules) let through exactly the records each rule's own prefilter
// does, escapes included.
func TestRuleFiltersMatchEachPrefilter(t *testing.T) {
	filters := ruleSetFilters(t)
	// A rule without a prefilter sees every record.
	filters = append(filters, nil)
	all := newRuleFilters(filters)
	few := newRuleFilters(filters[:2])
	if all.m == nil || few.m != nil {
		t.Fatalf("automaton used for %d rules: %v; for 2: %v", len(filters), all.m != nil, few.m != nil)
	}
	r := rand.New(rand.NewSource(3))
	raws := randomCorpus(5, 3000)
	for i := range raws {
		if i%3 == 0 {
			raws[i] = escapeSome(raws[i], r)
		}
	}
	pass := make([]bool, len(filters))
	passed := 0
	for _, raw := range raws {
		any := all.match(raw, nil, pass)
		want := false
		for i, p := range filters {
			w := p.pass(raw)
			want = want || w
			if pass[i] != w {
				t.Fatalf("rule %d: together %v, alone %v, on %s", i, pass[i], w, raw)
			}
			if w {
				passed++
			}
		}
		if any != want || all.match(raw, nil, nil) != want {
			t.Fatalf("match = %v, want %v", any, want)
		}
	}
	if passed == 0 {
		t.Fatal("no record passed any prefilter: the test proves nothing")
	}
}

// BenchmarkRuleFilters compares the 26 rules' prefilters tested one by one
// with the automaton pass, on the examples' records.
func BenchmarkRuleFilters(b *testing.B) {
	filters := ruleSetFilters(b)
	// The benchmark corpus when it exists (bench/run.sh makes it): the 43
	// example records fit in any cache and hide what a table that misses it
	// costs on a real trail.
	input := "../examples"
	if _, err := os.Stat("../bench/data/n500000/events.ndjson"); err == nil {
		input = "../bench/data/n500000/events.ndjson"
	}
	var recs [][]byte
	rd := &cloudtrail.Reader{}
	_, err := rd.Read(context.Background(), []string{input}, func(rec cloudtrail.Record) error {
		if len(recs) < 50000 {
			recs = append(recs, bytes.Clone(rec.Raw))
		}
		return nil
	})
	must(b, err)
	b.Logf("%d records of %s", len(recs), input)
	all := newRuleFilters(filters)
	// The literals as newRuleFilters numbers them, for the automaton it
	// replaced (one Aho-Corasick pass over every byte).
	var pats []string
	var ids []int32
	seen := map[string]bool{}
	for _, p := range filters {
		if p == nil || p.none {
			continue
		}
		for _, req := range p.all {
			for _, nd := range req.anyOf {
				if !seen[string(nd.s)] {
					seen[string(nd.s)] = true
					ids = append(ids, int32(len(pats)))
					pats = append(pats, string(nd.s))
				}
			}
		}
	}
	found := make([]uint64, (len(pats)+63)/64)
	b.Run("literals/anchored", func(b *testing.B) {
		for b.Loop() {
			for _, rec := range recs {
				all.m.Scan(rec, found)
			}
		}
	})
	b.Run("literals/automaton", func(b *testing.B) {
		m := multimatch.New(pats, ids)
		for b.Loop() {
			for _, rec := range recs {
				m.ScanBytes(rec, found, nil)
			}
		}
	})
	pass := make([]bool, len(filters))
	b.Run("one pass", func(b *testing.B) {
		for b.Loop() {
			for _, rec := range recs {
				all.match(rec, nil, pass)
			}
		}
	})
	b.Run("one by one", func(b *testing.B) {
		for b.Loop() {
			for _, rec := range recs {
				for i, p := range filters {
					pass[i] = p.pass(rec)
				}
			}
		}
	})
}

// ruleSetFilters returns the prefilters of the seed rule and the bundled
// rules, in that order, without GeoIP.
func ruleSetFilters(tb testing.TB) []*prefilter {
	var filters []*prefilter
	for _, r := range append([]*rule.Rule{rule.Seed()}, rule.Bundled()...) {
		c, err := CompileRule(r, time.Now())
		must(tb, err)
		filters = append(filters, newPrefilter(c.Program.Query(), prefilterOpts(false)))
	}
	return filters
}

package detect

import (
	"bytes"
	"context"
	"math/rand"
	"testing"

	"github.com/trailql/trailql/cloudtrail"
)

// passKnown is the reference for knownFilters: rule p's requirements each
// tested alternative by alternative, a literal on a known field in that
// field's string, any other in the record (where an escape may hide it).
func passKnown(p *prefilter, raw []byte, vals *fieldValues) bool {
	if p == nil {
		return true
	}
	if p.none {
		return false
	}
	escapes := -1
	for _, req := range p.all {
		ok, searched := false, false
		for _, nd := range req.anyOf {
			if nd.field == anywhere {
				searched = true
				ok = ok || bytes.Contains(raw, nd.s)
			} else if v := vals[nd.field]; v != nil {
				ok = ok || bytes.Contains(v, nd.s)
			}
		}
		if !ok && !(searched && req.hidden(raw, &escapes)) {
			return false
		}
	}
	for _, t := range p.tests {
		if !t.holds(vals[t.field]) {
			return false
		}
	}
	return true
}

// The tables of knownFilters (by field and value) let through exactly the
// records that testing each rule's requirements one by one does; never a
// record the search of the whole record turns away; and fewer records than
// it where literals sit in other places than their fields.
func TestKnownFiltersMatchEachPrefilter(t *testing.T) {
	filters := ruleSetFilters(t)
	filters = append(filters, nil) // a rule without a prefilter sees every record
	all := newRuleFilters(filters)
	r := rand.New(rand.NewSource(5))
	raws := randomCorpus(9, 4000)
	for i := range raws {
		switch i % 3 {
		case 0:
			raws[i] = escapeSome(raws[i], r)
		case 1:
			raws[i] = misplaceLiterals(raws[i], r)
		}
	}
	var input []byte
	for _, raw := range raws {
		input = append(append(input, raw...), '\n')
	}
	pass := make([]bool, len(filters))
	known, fewer, passed := 0, 0, 0
	rd := &cloudtrail.Reader{}
	_, err := rd.ReadStream(context.Background(), "corpus", bytes.NewReader(input), func(rec cloudtrail.Record) error {
		if !rec.Known.OK {
			return nil
		}
		known++
		p, f := checkKnownRecord(t, all, filters, pass, rec)
		passed, fewer = passed+p, fewer+f
		return nil
	})
	must(t, err)
	if known < len(raws)/2 || passed == 0 || fewer == 0 {
		t.Fatalf("%d of %d records with known fields, %d passes, %d turned away that a search lets through: the test proves little",
			known, len(raws), passed, fewer)
	}
}

// FuzzKnownFilters: on any input the reader accepts, the known-field
// tables agree with testing each rule's requirements one by one, and never
// let through a record the search of the whole record turns away.
func FuzzKnownFilters(f *testing.F) {
	for _, raw := range randomCorpus(4, 12) {
		f.Add(raw)
	}
	f.Add([]byte(`{"eventTime":"2024-01-01T00:00:00Z","eventName":"Invoke","eventSource":"lambda.amazonaws.com","userIdentity":{"type":"IAMUser","accessKeyId":"AKIA1"}}`))
	f.Add([]byte(`{"eventTime":"2024-01-01T00:00:00Z","eventName":"GetSecretValue","userAgent":"aws-cli/2.0 x","userIdentity":{"type":"AssumedRole"}}`))
	filters := append(ruleSetFilters(f), nil)
	all := newRuleFilters(filters)
	pass := make([]bool, len(filters))
	f.Fuzz(func(t *testing.T, input []byte) {
		rd := &cloudtrail.Reader{}
		_, _ = rd.ReadStream(context.Background(), "fuzz", bytes.NewReader(input), func(rec cloudtrail.Record) error {
			if !rec.Known.OK {
				return nil
			}
			checkKnownRecord(t, all, filters, pass, rec)
			return nil
		})
	})
}

// checkKnownRecord checks all.match on a record with known fields against
// passKnown, rule by rule, and against the search of the whole record
// (prefilter.pass), which it must never let through more than. It returns
// how many rules the record passed and how many the search would have let
// it through that the known fields turn away.
func checkKnownRecord(t *testing.T, all *ruleFilters, filters []*prefilter, pass []bool, rec cloudtrail.Record) (passed, fewer int) {
	t.Helper()
	vals := valuesOf(rec.Known)
	any := all.match(rec.Raw, rec.Known, pass)
	want := false
	for i, p := range filters {
		w := passKnown(p, rec.Raw, &vals)
		want = want || w
		if pass[i] != w {
			t.Fatalf("rule %d: tables %v, one by one %v, on %s", i, pass[i], w, rec.Raw)
		}
		if lit := p.pass(rec.Raw); w && !lit {
			t.Fatalf("rule %d: passes on known fields, not on the whole record: %s", i, rec.Raw)
		} else if lit && !w {
			fewer++
		}
		if w && p != nil {
			passed++
		}
	}
	if any != want || all.match(rec.Raw, rec.Known, nil) != want {
		t.Fatalf("match = %v, want %v", any, want)
	}
	return passed, fewer
}

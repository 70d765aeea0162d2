package esql

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/trailql/trailql/esql/parser"
)

// A sieving query gives the same rows, in the same order, when every input
// row is observed before it is pushed: the groups it drops are those its
// WHERE removes. Queries whose WHERE asks nothing a row can witness, or
// whose commands before the STATS are not stateless, do not sieve.
func TestSieve(t *testing.T) {
	cat := Catalog{"k": Keyword, "v": Long, "s": Keyword, "d": Double}
	var docs []doc
	for i := range 400 {
		d := doc{"v": int64(i%7 - 2), "s": fmt.Sprint("s", i%5), "d": float64(i%3) - 0.5}
		switch i % 10 {
		case 0: // null key
		case 1:
			d["k"] = []any{fmt.Sprint("k", i%13), fmt.Sprint("k", (i+1)%13)}
		default:
			d["k"] = fmt.Sprint("k", i%29)
		}
		if i%17 == 0 {
			delete(d, "s")
		}
		docs = append(docs, d)
	}
	tests := []struct {
		q      string
		sieves bool
	}{
		// The bundled rules' shapes.
		{`FROM i | STATS c = count(*) WHERE s == "s1" AND v == 4, n = count(*), vs = values(s) BY k | WHERE c > 0`, true},
		{`FROM i | EVAL one = CASE(s == "s3" AND v == 3, 1, 0) | STATS a = sum(one), cd = count_distinct(s) BY k | WHERE k IS NOT NULL AND a >= 1 AND cd >= 3`, true},
		{`FROM i | WHERE v > -2 | STATS c1 = count(*) WHERE v == 4, c2 = count(*) WHERE s == "s2", m = min(v) WHERE s == "s2" BY k, s | WHERE c1 > 0 AND c2 > 0 AND m < 3`, true},
		{`FROM i | STATS x = values(s) WHERE v == 1, c = count(*) BY k | WHERE x IS NOT NULL`, true},
		{`FROM i | STATS c1 = count(*) WHERE v == 4, c2 = count(*) WHERE s != "s2", vs = values(s) BY k, s | WHERE c1 > 0 AND c2 > 0`, true},
		{`FROM i | STATS c = count(v) WHERE s == "s4" BY k | WHERE 0 < c | WHERE k IS NOT NULL`, true},
		{`FROM i | STATS c = count_distinct(s) WHERE v >= 3 BY k | WHERE (c >= 2)`, true},
		{`FROM i | STATS t = sum(d) BY k | WHERE t > 0.5`, true},
		{`FROM i | STATS m = max(v) WHERE s == "s0" BY k | WHERE m IS NOT NULL | STATS n = count(*)`, true},
		{`FROM i | STATS c = count(*) WHERE s == "nothing" BY k | WHERE c > 0 | STATS n = count(*)`, true},
		{`FROM i | STATS c = count(*) WHERE v == 4 BY k | WHERE c > 0 | SORT k | LIMIT 3`, true},
		// Nothing a row can witness.
		{`FROM i | STATS c = count(*) BY k | WHERE c > 3`, false},
		{`FROM i | STATS c = count_distinct(s) BY k | WHERE c > 3`, false},
		{`FROM i | STATS c = count(*) WHERE v == 4 BY k | WHERE c >= 0`, false},
		{`FROM i | STATS c = count(*) WHERE v == 4 BY k | WHERE c > -1`, false},
		{`FROM i | STATS c = count(*) WHERE v == 4 BY k | WHERE c + 1 > 1`, false},
		{`FROM i | STATS c = count(*) WHERE v == 4 BY k | WHERE c IS NOT NULL`, false},
		{`FROM i | STATS c = count(*) WHERE v == 4 BY k | EVAL c2 = c | WHERE c2 > 0`, false},
		{`FROM i | STATS c = count(*) WHERE v == 4 | WHERE c > 0`, false},
		{`FROM i | INLINE STATS c = count(*) WHERE v == 4 BY k | WHERE c > 0`, false},
		{`FROM i | LIMIT 100 | STATS c = count(*) WHERE v == 4 BY k | WHERE c > 0`, false},
		{`FROM i | STATS c = count(*) WHERE v == 4 BY k | WHERE c > 0 OR k == "k1"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			p, err := Compile(tt.q, Options{Catalog: cat, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Sieves(); got != tt.sieves {
				t.Fatalf("Sieves() = %v, want %v", got, tt.sieves)
			}
			want := runSieve(t, p, cat, docs, false)
			got := runSieve(t, p, cat, docs, true)
			if got != want {
				t.Errorf("observed first:\n%s\nwant\n%s", got, want)
			}
			// Observing only the rows WitnessTest marks gives the same, and
			// so does observing one conjunct's witnesses only.
			if wt := p.WitnessTest(); wt != nil {
				if got := runSieveWith(t, p, cat, docs, func(row []Value) bool { return wt(row) != 0 }, 0); got != want {
					t.Errorf("observed the witnesses only:\n%s\nwant\n%s", got, want)
				}
				for j := range p.Witnesses() {
					bit := uint64(1) << j
					if got := runSieveWith(t, p, cat, docs, func(row []Value) bool { return wt(row)&bit != 0 }, bit); got != want {
						t.Errorf("observed conjunct %d's witnesses only:\n%s\nwant\n%s", j, got, want)
					}
				}
			} else if tt.sieves && !p.UsesNow() && p.sieveAt() == 0 {
				t.Errorf("WitnessTest() = nil for a sieving query")
			}
			if !tt.sieves || !p.Partitionable() {
				return
			}
			// The partitions of a run share one execution's sieve.
			sieve := observeAll(t, p, cat, docs)
			var union []string
			for part := range 3 {
				union = append(union, runPartsWith(t, p, cat, docs, ExecOptions{Partitions: 3, Partition: part, Sieve: sieve})...)
			}
			slices.Sort(union)
			if whole := runParts(t, p, cat, docs, 1, 0); strings.Join(union, "\n") != strings.Join(whole, "\n") {
				t.Errorf("3 partitions with a sieve:\n%s\nwant\n%s", strings.Join(union, "\n"), strings.Join(whole, "\n"))
			}
		})
	}
}

// When no row witnesses a conjunct, the Sieve is empty; Observe after
// Push is an error.
func TestEmptySieve(t *testing.T) {
	cat := Catalog{"k": Keyword, "v": Long}
	p, err := Compile(`FROM i | STATS c = count(*) WHERE v > 10 BY k | WHERE c > 0`, Options{Catalog: cat, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	x := p.Start(func([]Value) error { return nil })
	row := []Value{KeywordValue("a"), LongValue(3)}
	if p.Inputs()[0] != "k" {
		row[0], row[1] = row[1], row[0]
	}
	if err := x.Observe(row); err != nil {
		t.Fatal(err)
	}
	if s := x.Sieve(); s == nil || !s.Empty() {
		t.Fatalf("Sieve() = %v, want empty with no row having v > 10", s)
	}
	if err := x.Push(row); err != nil {
		t.Fatal(err)
	}
	if err := x.Observe(row); err == nil {
		t.Fatal("Observe after Push: no error")
	}
}

// observeAll shows an execution of p every row of docs and returns its
// sieve.
func observeAll(t *testing.T, p *Program, cat Catalog, docs []doc) *Sieve {
	t.Helper()
	x := p.Start(func([]Value) error { return nil })
	for _, d := range docs {
		if err := x.Observe(docRow(t, p, cat, d)); err != nil {
			t.Fatal(err)
		}
	}
	return x.Sieve()
}

// docRow is d as a row of p's inputs.
func docRow(t *testing.T, p *Program, cat Catalog, d doc) []Value {
	t.Helper()
	row := make([]Value, len(p.Inputs()))
	for i, name := range p.Inputs() {
		v, err := FromGo(inputType(cat, name), d[name])
		if err != nil {
			t.Fatal(err)
		}
		row[i] = v
	}
	return row
}

// runSieve runs p over docs, observing every row first if observe, and
// returns its rows in output order.
func runSieve(t *testing.T, p *Program, cat Catalog, docs []doc, observe bool) string {
	t.Helper()
	if !observe {
		return runSieveWith(t, p, cat, docs, nil, 0)
	}
	return runSieveWith(t, p, cat, docs, func([]Value) bool { return true }, 0)
}

// runSieveWith runs p over docs, observing first the rows observe accepts
// (none when observe is nil) for the conjuncts terms (0: all), and
// returns its rows in output order.
func runSieveWith(t *testing.T, p *Program, cat Catalog, docs []doc, observe func([]Value) bool, terms uint64) string {
	t.Helper()
	var out []string
	x := p.StartWith(func(row []Value) error {
		out = append(out, fmt.Sprint(row))
		return nil
	}, ExecOptions{SieveTerms: terms})
	rows := make([][]Value, len(docs))
	for j, d := range docs {
		row := docRow(t, p, cat, d)
		rows[j] = row
		if observe != nil && observe(row) {
			if err := x.Observe(row); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, row := range rows {
		if err := x.Push(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Finish(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

// A program outputs nothing for no input unless a STATS without BY is in it.
func TestEmptyIn(t *testing.T) {
	cat := Catalog{"k": Keyword, "v": Long}
	for q, want := range map[string]bool{
		`FROM i | STATS c = count(*) WHERE v > 1 BY k | WHERE c > 0`:                      true,
		`FROM i | STATS c = count(*) WHERE v > 1 BY k | WHERE c > 0 | STATS n = count(*)`: false,
		`FROM i | STATS n = count(*)`:                                                     false,
		`FROM i | WHERE v > 1 | SORT v | LIMIT 3`:                                         true,
	} {
		p, err := Compile(q, Options{Catalog: cat, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.EmptyIn(); got != want {
			t.Errorf("%s: EmptyIn() = %v, want %v", q, got, want)
		}
		var n int
		x := p.Start(func([]Value) error { n++; return nil })
		if err := x.Finish(); err != nil {
			t.Fatal(err)
		}
		if (n == 0) != want {
			t.Errorf("%s: %d rows for no input, EmptyIn() = %v", q, n, want)
		}
	}
}

// Each conjunct's witnesses meet its condition: the aggregate's WHERE, and
// its argument not null, or positive for SUM; a BY key's and a count
// without WHERE have none; a program that does not sieve has no list.
func TestWitnessConditions(t *testing.T) {
	cat := Catalog{"k": Keyword, "v": Long, "s": Keyword}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{`FROM i | STATS c = count(*) WHERE s == "a", x = values(s) WHERE v > 1, n = count(*) BY k | WHERE c > 0 AND x IS NOT NULL`,
			[]string{`s == "a"`, `v > 1 AND s IS NOT NULL`}},
		{`FROM i | STATS a = sum(v), cd = count_distinct(s) BY k | WHERE k IS NOT NULL AND a >= 1 AND cd >= 3`,
			[]string{`v > 0`}},
		{`FROM i | STATS m = min(v) WHERE s == "b", n = count(v) WHERE s == "c" BY k | WHERE m IS NOT NULL AND n > 0`,
			[]string{`s == "b" AND v IS NOT NULL`, `s == "c" AND v IS NOT NULL`}},
		{`FROM i | STATS n = count(*) BY k | WHERE k IS NOT NULL`, []string{`<none>`}},
		{`FROM i | EVAL x = 1 | STATS n = count(*) WHERE s == "a" BY k | WHERE n > 0`, nil}, // not first: no WitnessTest
	} {
		p, err := Compile(tc.q, Options{Catalog: cat, Now: testNow})
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		var got []string
		for _, c := range p.WitnessConditions() {
			if c == nil {
				got = append(got, "<none>")
				continue
			}
			got = append(got, strings.TrimPrefix((&parser.WhereCommand{Cond: c}).String(), "WHERE "))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.q, got, tc.want)
		}
	}
}

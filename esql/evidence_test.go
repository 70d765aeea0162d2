package esql

import (
	"slices"
	"strings"
	"testing"
)

var evidenceCatalog = Catalog{"@timestamp": Datetime, "event.id": Keyword, "event.action": Keyword,
	"user.name": Keyword, "bytes": Long}

var evidenceOpts = &Evidence{ID: "event.id", Time: "@timestamp"}

// evidenceDocs: alice's events arrive out of time order and e2 twice (a
// duplicate delivery), so the ids must come out sorted and distinct.
var evidenceDocs = []doc{
	{"@timestamp": "2024-05-01T10:00:05Z", "event.id": "e3", "event.action": "DescribeA", "user.name": "alice", "bytes": int64(1)},
	{"@timestamp": "2024-05-01T10:00:01Z", "event.id": "e1", "event.action": "DescribeB", "user.name": "alice", "bytes": int64(2)},
	{"@timestamp": "2024-05-01T10:00:02Z", "event.id": "e2", "event.action": "DescribeC", "user.name": "alice", "bytes": int64(3)},
	{"@timestamp": "2024-05-01T10:00:02Z", "event.id": "e2", "event.action": "DescribeC", "user.name": "alice", "bytes": int64(3)},
	{"@timestamp": "2024-05-01T10:00:03Z", "event.id": "e4", "event.action": "GetX", "user.name": "bob", "bytes": int64(4)},
	{"@timestamp": "2024-05-01T10:00:04Z", "event.action": "GetY", "user.name": "bob", "bytes": int64(5)},
}

// Options.Evidence adds the source ids behind each row as the last column
// and changes nothing else: the same columns before it, the same rows.
func TestEvidence(t *testing.T) {
	cases := []struct {
		name, query string
		want        []string // each row's evidence column
	}{
		{"seed-like: KEEP before STATS, WHERE after",
			`FROM logs-* | WHERE event.action LIKE "Describe*" OR user.name == "bob"
| KEEP user.name, event.action
| STATS n = COUNT_DISTINCT(event.action) BY user.name
| WHERE n > 0 | SORT user.name`,
			[]string{`[e1, e2, e3]`, `e4`}},
		{"no BY", `FROM logs-* | STATS c = COUNT(*)`, []string{`[e1, e2, e4, e3]`}},
		{"non-aggregating keeps its own id", `FROM logs-* | WHERE user.name == "bob" | KEEP event.action | SORT event.action`,
			[]string{`e4`, `null`}},
		{"EVAL overwriting the id is traced before it", `FROM logs-* | EVAL event.id = "x" | WHERE user.name == "bob" | STATS c = COUNT(*) BY event.id`,
			[]string{`e4`}},
		{"two STATS: the second merges the first's", `FROM logs-* | STATS c = COUNT(*) BY user.name, event.action | STATS n = COUNT(*) BY user.name | SORT user.name`,
			[]string{`[e1, e2, e3]`, `e4`}},
		{"INLINE STATS passes rows through", `FROM logs-* | WHERE user.name == "alice" | INLINE STATS c = COUNT(*) BY user.name | KEEP event.action, c | SORT event.action | LIMIT 1`,
			[]string{`e3`}},
		{"DROP and RENAME", `FROM logs-* | DROP bytes | RENAME user.name AS who | STATS c = COUNT(*) BY who | SORT who`,
			[]string{`[e1, e2, e3]`, `e4`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plain := run(t, tc.query, evidenceCatalog, evidenceDocs...)
			traced, err := tryRun(tc.query, Options{Catalog: evidenceCatalog, Now: testNow, Evidence: evidenceOpts}, evidenceDocs...)
			if err != nil {
				t.Fatal(err)
			}
			if !traced.prog.Evidence() {
				t.Fatal("Evidence() = false")
			}
			names := traced.colNames()
			if names[len(names)-1] != EvidenceColumn || !slices.Equal(names[:len(names)-1], plain.colNames()) {
				t.Fatalf("columns %v, want %v + %s", names, plain.colNames(), EvidenceColumn)
			}
			if !slices.Equal(traced.warnings, plain.warnings) {
				t.Errorf("warnings %q, want %q", traced.warnings, plain.warnings)
			}
			if len(traced.rows) != len(plain.rows) {
				t.Fatalf("%d rows, want %d", len(traced.rows), len(plain.rows))
			}
			var got []string
			for i, row := range traced.rows {
				n := len(row) - 1
				if strings.Join(valueStrings(row[:n]), "|") != strings.Join(valueStrings(plain.rows[i]), "|") {
					t.Errorf("row %d: %v, want %v", i, row[:n], plain.rows[i])
				}
				got = append(got, row[n].String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("evidence %q, want %q", got, tc.want)
			}
		})
	}
}

// Without the option, or without the id field in the catalog, nothing is
// added.
func TestEvidenceNotAsked(t *testing.T) {
	p, err := Compile(`FROM logs-* | STATS c = COUNT(*)`, Options{Catalog: Catalog{"@timestamp": Datetime}, Evidence: evidenceOpts})
	if err != nil {
		t.Fatal(err)
	}
	if p.Evidence() || len(p.Columns()) != 1 {
		t.Fatalf("evidence %v, columns %v", p.Evidence(), p.Columns())
	}
}

// The traced program splits like any other: prefix and suffix chained give
// the whole program's rows, evidence included.
func TestEvidenceSplit(t *testing.T) {
	q := `FROM logs-* | EVAL w = DATE_TRUNC(1 hour, @timestamp) | WHERE event.action LIKE "*" | KEEP w, user.name, event.action
| STATS n = COUNT_DISTINCT(event.action) BY w, user.name | WHERE n > 0 | SORT user.name`
	opts := Options{Catalog: evidenceCatalog, Now: testNow, Evidence: evidenceOpts}
	whole, err := tryRun(q, opts, evidenceDocs...)
	if err != nil {
		t.Fatal(err)
	}
	at := whole.prog.LastStats()
	if at < 0 {
		t.Fatal("no STATS")
	}
	s, err := whole.prog.Split(at, SplitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var mid [][]Value
	px := s.Prefix.Start(func(row []Value) error { mid = append(mid, CloneRow(row)); return nil })
	for _, d := range evidenceDocs {
		row := make([]Value, len(s.Prefix.Inputs()))
		for i, name := range s.Prefix.Inputs() {
			row[i], _ = FromGo(evidenceCatalog[name], d[name])
		}
		if err := px.Push(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := px.Finish(); err != nil {
		t.Fatal(err)
	}
	var got []string
	sx := s.Suffix.Start(func(row []Value) error { got = append(got, strings.Join(valueStrings(row), " | ")); return nil })
	for _, r := range mid {
		if err := sx.Push(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := sx.Finish(); err != nil {
		t.Fatal(err)
	}
	want := whole.table()
	if !slices.Equal(got, want) {
		t.Fatalf("split rows\n%q\nwant\n%q", got, want)
	}
}

func valueStrings(row []Value) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = v.String()
	}
	return out
}

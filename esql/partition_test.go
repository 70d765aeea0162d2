package esql

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// A partitionable query run once per partition of its groups gives, put
// together, the rows of one run: multi-valued and null keys, filtered and
// computed columns after the STATS, a SORT without limit. Queries whose
// output depends on all groups at once are not partitionable.
func TestPartitions(t *testing.T) {
	cat := Catalog{"k": Keyword, "v": Long, "s": Keyword}
	var docs []doc
	for i := range 300 {
		d := doc{"v": int64(i % 7), "s": fmt.Sprint("s", i%5)}
		switch i % 10 {
		case 0: // null key
		case 1:
			d["k"] = []any{fmt.Sprint("k", i%13), fmt.Sprint("k", (i+1)%13)}
		default:
			d["k"] = fmt.Sprint("k", i%29)
		}
		docs = append(docs, d)
	}
	tests := []struct {
		q             string
		partitionable bool
	}{
		{"FROM i | STATS c = count(*), vs = values(s), cd = count_distinct(v) BY k", true},
		{"FROM i | WHERE v > 1 | STATS c = count(*), m = max(v) BY k, s | WHERE c > 2 | EVAL x = c * 2 | KEEP k, x, m | SORT k", true},
		{"FROM i | STATS c = count(*) BY k | SORT c DESC | LIMIT 3", false},
		{"FROM i | STATS c = count(*) BY k | STATS n = count(*)", false},
		{"FROM i | STATS c = count(*)", false},
		{"FROM i | INLINE STATS c = count(*) BY k", false},
		{"FROM i | EVAL x = v + 1", false},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			p, err := Compile(tt.q, Options{Catalog: cat, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Partitionable(); got != tt.partitionable {
				t.Fatalf("Partitionable() = %v, want %v", got, tt.partitionable)
			}
			if !tt.partitionable {
				return
			}
			whole := runParts(t, p, cat, docs, 1, 0)
			for _, parts := range []int{2, 3, 7} {
				var union []string
				for part := range parts {
					union = append(union, runParts(t, p, cat, docs, parts, part)...)
				}
				slices.Sort(union)
				if strings.Join(union, "\n") != strings.Join(whole, "\n") {
					t.Errorf("%d partitions:\n%s\nwant\n%s", parts, strings.Join(union, "\n"), strings.Join(whole, "\n"))
				}
			}
		})
	}
}

// runParts runs p over docs as partition part of parts and returns its
// rows, sorted.
func runParts(t *testing.T, p *Program, cat Catalog, docs []doc, parts, part int) []string {
	t.Helper()
	return runPartsWith(t, p, cat, docs, ExecOptions{Partitions: parts, Partition: part})
}

// runPartsWith runs p over docs with opts and returns its rows, sorted.
func runPartsWith(t *testing.T, p *Program, cat Catalog, docs []doc, opts ExecOptions) []string {
	t.Helper()
	var out []string
	x := p.StartWith(func(row []Value) error {
		out = append(out, fmt.Sprint(row))
		return nil
	}, opts)
	for _, d := range docs {
		row := make([]Value, len(p.Inputs()))
		for i, name := range p.Inputs() {
			v, err := FromGo(inputType(cat, name), d[name])
			if err != nil {
				t.Fatal(err)
			}
			row[i] = v
		}
		if err := x.Push(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Finish(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

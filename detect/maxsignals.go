package detect

import (
	"fmt"
	"time"

	"github.com/trailql/trailql/esql"
)

// Kibana keeps at most max_signals alerts per rule execution and silently
// drops the rest (docs/esql-semantics.md §B2: it appends `| limit max_signals+1`
// and truncates). trailql keeps every alert, but says where Kibana would have
// lost some, and can emulate the cap. An execution is approximated by the
// rule's interval: rows are grouped by the interval-aligned bucket of their
// alert time.

// capSignals applies the max_signals policy to one rule's sorted rows. With
// limit 0 every row is kept and a warning names each run Kibana would have
// truncated; with limit > 0 at most limit rows are kept per run.
func capSignals(c *Compiled, rows [][]any, limit int) (kept [][]any, warnings []string) {
	iv, _ := schedule(c)
	interval := time.Duration(iv) * time.Millisecond
	maxSignals := c.Rule.MaxSignals
	if limit > 0 {
		maxSignals = limit
	}
	if maxSignals <= 0 || len(rows) <= maxSignals {
		return rows, nil
	}
	col := timeColumn(c)
	counts := map[int64]int{}
	kept = rows[:0:0]
	for _, row := range rows {
		b := int64(0)
		if col >= 0 {
			if t, ok := rowTime(row[col]); ok {
				b = t.UnixMilli() - t.UnixMilli()%interval.Milliseconds()
			}
		}
		counts[b]++
		if limit > 0 && counts[b] > limit {
			continue
		}
		kept = append(kept, row)
	}
	for b, n := range counts {
		if n <= maxSignals {
			continue
		}
		start := time.UnixMilli(b).UTC().Format(time.RFC3339)
		if limit > 0 {
			warnings = append(warnings, fmt.Sprintf("rule %q: kept %d of %d alerts of the %s run at %s (--max-signals %d)",
				c.Rule.Name, limit, n, interval, start, limit))
		} else {
			warnings = append(warnings, fmt.Sprintf("rule %q: %d alerts fall in the %s run at %s; Kibana keeps at most max_signals=%d per run and would have dropped %d (trailql keeps them all; --max-signals emulates Kibana)",
				c.Rule.Name, n, interval, start, maxSignals, n-maxSignals))
		}
	}
	return kept, warnings
}

// timeColumn picks the output column that dates an alert: the first date
// among the group columns (the seed rule's window), else the first date
// column, else -1.
func timeColumn(c *Compiled) int {
	cols := c.Program.Columns()
	for _, g := range c.GroupBy {
		for i, col := range cols {
			if col.Name == g && col.Type == esql.Datetime {
				return i
			}
		}
	}
	for i, col := range cols {
		if col.Type == esql.Datetime {
			return i
		}
	}
	return -1
}

// rowTime reads a JSON-rendered date cell (the earliest of a multi-value).
func rowTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		return t, err == nil
	case []any:
		var min time.Time
		ok := false
		for _, e := range x {
			if t, tok := rowTime(e); tok && (!ok || t.Before(min)) {
				min, ok = t, true
			}
		}
		return min, ok
	}
	return time.Time{}, false
}

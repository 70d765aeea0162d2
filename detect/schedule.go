package detect

import (
	"time"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/esql/parser"
)

// How a rule is evaluated over logs that are not arriving live.
//
// Kibana runs a rule every `interval` over the events whose timestamp falls in
// [now-lookback, now] (docs/esql-semantics.md §B1), with NOW() bound to the run's
// start. Hunting over files, trailql answers "what alerts would these logs have
// raised had the rule run on schedule while they arrived":
//
//   - A STATS grouped by a DATE_TRUNC of @timestamp (the seed rule) buckets by
//     event time, so its groups do not depend on the schedule: the query runs
//     once over all events and each qualifying bucket is one alert.
//   - Every other rule is replayed: runs at the epoch-aligned multiples of its
//     interval, from the first that sees the earliest event to the first at or
//     after the latest, each over [T-lookback, T] with NOW() = T. A group (or,
//     for non-aggregating rules, an event) that qualifies in consecutive runs
//     is one alert, updated with the latest run's row; a group that stops
//     qualifying and later qualifies again is a new alert. Kibana would raise
//     a new alert in every overlapping run (a known complaint,
//     docs/esql-semantics.md §B3).
//
// The time filter uses @timestamp: all rules set timestamp_override =
// event.ingested, which files do not have, and Kibana then falls back to
// @timestamp (docs/esql-semantics.md §B1, the fallback range filter).

// isReplayed reports whether a compiled rule must be replayed on its schedule.
func isReplayed(q *parser.Query) bool {
	return !bucketedByEventTime(q) || usesNow(q)
}

// bucketedByEventTime reports whether the last top-level STATS groups by a
// DATE_TRUNC of @timestamp, written in the BY clause or computed by an
// earlier EVAL.
func bucketedByEventTime(q *parser.Query) bool {
	truncCols := map[string]bool{}
	var last *parser.StatsCommand
	for _, cmd := range q.Commands {
		switch c := cmd.(type) {
		case *parser.EvalCommand:
			for _, f := range c.Fields {
				truncCols[f.Name] = isTimeTrunc(f.Expr)
			}
		case *parser.StatsCommand:
			if !c.Inline {
				last = c
			}
		}
	}
	if last == nil {
		return false
	}
	for _, g := range last.Groups {
		if isTimeTrunc(g.Expr) {
			return true
		}
		if id, ok := parser.Unparen(g.Expr).(*parser.Ident); ok && truncCols[id.Name] {
			return true
		}
	}
	return false
}

// isTimeTrunc matches DATE_TRUNC(span, @timestamp).
func isTimeTrunc(e parser.Expr) bool {
	call, ok := parser.Unparen(e).(*parser.Call)
	if !ok || call.Name != "date_trunc" || len(call.Args) != 2 {
		return false
	}
	id, ok := parser.Unparen(call.Args[1]).(*parser.Ident)
	return ok && id.Name == "@timestamp"
}

// usesNow reports whether the query calls NOW(), whose value depends on
// when the rule runs.
func usesNow(q *parser.Query) bool {
	return esql.NodeUsesNow(q)
}

func columnNames(cols []esql.Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

func jsonRow(row []esql.Value) []any {
	out := make([]any, len(row))
	for i, v := range row {
		out[i] = v.JSON()
	}
	return out
}

// appendNew appends the warnings not yet in list (runs repeat them).
func appendNew(list, more []string) []string {
	for _, w := range more {
		dup := false
		for _, x := range list {
			if x == w {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, w)
		}
	}
	return list
}

// andTerms returns the conjuncts of a condition: a AND (b AND c) gives a, b, c.
func andTerms(e parser.Expr) []parser.Expr {
	e = parser.Unparen(e)
	if b, ok := e.(*parser.Binary); ok && b.Op == parser.OpAnd {
		return append(andTerms(b.L), andTerms(b.R)...)
	}
	return []parser.Expr{e}
}

// schedule returns a rule's interval and lookback in milliseconds, with
// Kibana's defaults (5m, now-6m) for values that are unset or unreadable.
func schedule(c *Compiled) (interval, lookback int64) {
	iv, err := c.Rule.IntervalDuration()
	if err != nil || iv <= 0 {
		iv = 5 * time.Minute
	}
	lb, err := c.Rule.Lookback()
	if err != nil || lb <= 0 {
		lb = 6 * time.Minute
	}
	return iv.Milliseconds(), lb.Milliseconds()
}

// Lookback is how far back a rule's runs look (its from, Kibana's default
// when unset). History (history.go) is how much a daemon starting afresh
// needs; a Kafka member rebuilding a partition replays at least this.
func (c *Compiled) Lookback() time.Duration {
	_, lb := schedule(c)
	return time.Duration(lb) * time.Millisecond
}

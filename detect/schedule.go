package detect

import (
	"fmt"
	"strings"
	"time"

	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/esql/parser"
)

// How a rule is evaluated over logs that are not arriving live.
//
// Kibana runs a rule every `interval` over the events whose timestamp falls in
// [now-lookback, now] (esql-semantics.md §B1), with NOW() bound to the run's
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
//     a new alert in every overlapping run (a known complaint, §B3).
//
// The time filter uses @timestamp: all rules set timestamp_override =
// event.ingested, which files do not have, and Kibana then falls back to
// @timestamp (§B1, the fallback range filter).

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
		if id, ok := unparen(g.Expr).(*parser.Ident); ok && truncCols[id.Name] {
			return true
		}
	}
	return false
}

// isTimeTrunc matches DATE_TRUNC(span, @timestamp).
func isTimeTrunc(e parser.Expr) bool {
	call, ok := unparen(e).(*parser.Call)
	if !ok || call.Name != "date_trunc" || len(call.Args) != 2 {
		return false
	}
	id, ok := unparen(call.Args[1]).(*parser.Ident)
	return ok && id.Name == "@timestamp"
}

func unparen(e parser.Expr) parser.Expr {
	for {
		p, ok := e.(*parser.Paren)
		if !ok {
			return e
		}
		e = p.X
	}
}

// usesNow reports whether the query calls NOW(), whose value depends on
// when the rule runs.
func usesNow(q *parser.Query) bool {
	return nodeUsesNow(q)
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

// replayPlan cuts a replayed rule before its first command that blocks
// (STATS, SORT, LIMIT) or reads NOW(): every event runs through the prefix
// once, as it is read, and only the rows that survive it (with just the
// columns the rest needs) are buffered for the runs. Memory then follows
// the events a rule selects, not the input.
type replayPlan struct {
	// streaming: the whole query streams (no STATS, SORT, LIMIT or NOW()),
	// so each event's output rows are final and buffered as they are.
	streaming bool
	cut       *cutPlan
	suffixIdx []int // suffix input -> prefix column
	timeCol   int   // prefix column of @timestamp
	usesNow   bool  // the suffix calls NOW(): compile it per run
}

// splitForReplay cuts a replayed rule, or says why it cannot.
func splitForReplay(c *Compiled) (*replayPlan, error) {
	q := c.Program.Query()
	k := -1
	for i, cmd := range q.Commands {
		switch x := cmd.(type) {
		case *parser.StatsCommand, *parser.SortCommand, *parser.LimitCommand:
			k = i
		case *parser.EvalCommand:
			for _, f := range x.Fields {
				if f.Name == "@timestamp" {
					return nil, fmt.Errorf("@timestamp is reassigned")
				}
			}
		case *parser.RenameCommand:
			for _, r := range x.Renames {
				if r.New.Pattern == "@timestamp" || r.Old.Pattern == "@timestamp" {
					return nil, fmt.Errorf("@timestamp is renamed")
				}
			}
		}
		if k < 0 && nodeUsesNow(cmd) {
			k = i
		}
		if k >= 0 {
			break
		}
	}
	if k < 0 {
		return &replayPlan{streaming: true}, nil
	}
	// A WHERE that calls NOW() stays after the cut, but its conjuncts that
	// do not can filter before it: a rule that limits its lookback in its
	// first WHERE (@timestamp >= NOW() - 7 days) keeps only what its other
	// conditions select.
	filter := ""
	if w, ok := q.Commands[k].(*parser.WhereCommand); ok {
		var free []string
		for _, e := range andTerms(w.Cond) {
			if !nodeUsesNow(e) {
				free = append(free, "("+e.String()+")")
			}
		}
		filter = strings.Join(free, " AND ")
	}
	if k == 0 && filter == "" {
		return nil, fmt.Errorf("nothing to cut before the first blocking command")
	}
	cut, err := cutQuery(c, q.Commands[k].Pos().Offset, "@timestamp", filter)
	if err != nil {
		return nil, err
	}
	p := &replayPlan{cut: cut}
	if p.suffixIdx, err = columnIndex(cut.prefix, cut.suffix.Inputs()); err != nil {
		return nil, err
	}
	tc, err := columnIndex(cut.prefix, []string{"@timestamp"})
	if err != nil {
		return nil, err
	}
	p.timeCol = tc[0]
	for _, cmd := range q.Commands[k:] {
		p.usesNow = p.usesNow || nodeUsesNow(cmd)
	}
	return p, nil
}

// andTerms returns the conjuncts of a condition: a AND (b AND c) gives a, b, c.
func andTerms(e parser.Expr) []parser.Expr {
	e = unparen(e)
	if b, ok := e.(*parser.Binary); ok && b.Op == parser.OpAnd {
		return append(andTerms(b.L), andTerms(b.R)...)
	}
	return []parser.Expr{e}
}

// nodeUsesNow reports whether a node calls NOW().
func nodeUsesNow(n parser.Node) bool {
	found := false
	parser.Inspect(n, func(n parser.Node) bool {
		if c, ok := n.(*parser.Call); ok && c.Name == "now" {
			found = true
		}
		return !found
	})
	return found
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

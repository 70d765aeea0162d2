package esql

import (
	"strings"

	"github.com/trailql/trailql/esql/parser"
)

// patternRank is KEEP's precedence (docs/esql-semantics.md §A7): an exact name
// beats a partial wildcard, which beats `*`.
func patternRank(p string) int {
	switch {
	case p == "*":
		return 0
	case strings.Contains(p, "*"):
		return 1
	}
	return 2
}

// compileKeep implements KEEP (docs/esql-semantics.md §A7): columns in the
// order of the patterns that claim them; a column matched by several patterns
// goes to the one with the highest precedence, the rightmost among equals;
// wildcard matches keep their existing order.
func (c *checker) compileKeep(cmd *parser.KeepCommand) {
	owner := make([]int, len(c.schema))
	for i := range owner {
		owner[i] = -1
	}
	for pi, p := range cmd.Patterns {
		matched := false
		match := compileNamePattern(p.Pattern)
		for ci, col := range c.schema {
			if !match(col.name) {
				continue
			}
			matched = true
			if o := owner[ci]; o < 0 || patternRank(p.Pattern) >= patternRank(cmd.Patterns[o].Pattern) {
				owner[ci] = pi
			}
		}
		if !matched {
			c.unmatched(p)
		}
	}
	var out []column
	for pi := range cmd.Patterns {
		for ci, col := range c.schema {
			if owner[ci] == pi {
				out = append(out, col)
			}
		}
	}
	if out == nil {
		out = []column{}
	}
	c.schema = out
}

// unmatched reports a KEEP/DROP pattern that names nothing.
func (c *checker) unmatched(p *parser.NamePattern) {
	if strings.Contains(p.Pattern, "*") {
		c.errorf(p.Pos(), "No matches found for pattern [%s]", p.Pattern)
	} else {
		c.errorf(p.Pos(), "Unknown column [%s]", p.Pattern)
	}
}

// compileDrop implements DROP: removes the named or matching columns.
func (c *checker) compileDrop(cmd *parser.DropCommand) {
	drop := make([]bool, len(c.schema))
	for _, p := range cmd.Patterns {
		matched := false
		match := compileNamePattern(p.Pattern)
		for ci, col := range c.schema {
			if match(col.name) {
				drop[ci] = true
				matched = true
			}
		}
		if !matched {
			c.unmatched(p)
		}
	}
	out := make([]column, 0, len(c.schema))
	for ci, col := range c.schema {
		if !drop[ci] {
			out = append(out, col)
		}
	}
	c.schema = out
}

// compileRename implements RENAME old AS new (docs/esql-semantics.md §A7): the
// column keeps its position and an existing column named new is replaced.
func (c *checker) compileRename(cmd *parser.RenameCommand) {
	for _, r := range cmd.Renames {
		old, nw := r.Old.Pattern, r.New.Pattern
		idx := -1
		for i := len(c.schema) - 1; i >= 0; i-- {
			if c.schema[i].name == old {
				idx = i
				break
			}
		}
		if idx < 0 {
			c.errorf(r.Old.Pos(), "Unknown column [%s]", old)
			continue
		}
		if old == nw {
			continue
		}
		col := c.schema[idx]
		col.name = nw
		out := make([]column, 0, len(c.schema))
		for i, x := range c.schema {
			switch {
			case i == idx:
				out = append(out, col)
			case x.name == nw:
				// replaced by the renamed column
			default:
				out = append(out, x)
			}
		}
		c.schema = out
	}
}

// compileSort implements SORT: nulls last for ASC and first for DESC by
// default (docs/esql-semantics.md §A2); a multi-valued key sorts by its
// minimum ascending and its maximum descending.
func (c *checker) compileSort(cmd *parser.SortCommand) {
	spec := &sortSpec{}
	for _, o := range cmd.Orders {
		x := c.compileExpr(o.Expr)
		if x.bad {
			continue
		}
		if x.typ == GeoPoint {
			// OrderBy.postAnalysisVerification: points are not sortable.
			c.errorf(o.Pos(), "cannot sort on %s", x.typ)
			continue
		}
		if isSpan(x.typ) {
			c.errorf(o.Pos(), "cannot sort on [%s] of type [%s]", c.text(o.Expr), x.typ)
			continue
		}
		nullsFirst := o.Desc
		switch o.Nulls {
		case parser.NullsFirst:
			nullsFirst = true
		case parser.NullsLast:
			nullsFirst = false
		}
		spec.keys = append(spec.keys, sortKey{fn: x.fn, desc: o.Desc, nullsFirst: nullsFirst})
	}
	c.streaming = false
	c.ops = append(c.ops, spec)
}

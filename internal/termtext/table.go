package termtext

import (
	"bufio"
	"io"
	"strings"
)

// Table lays out rows (the first usually a header) as aligned columns, two
// spaces apart, by display width (Width), so that wide and combining runes
// line up.
// Every cell is sanitized (Line mode) before it is measured, whatever the
// caller did: cells usually hold log data. The zero Table shows every
// column and cell in full.
//
// trailql's tables differ only in options: alert tables fit the terminal
// (Width, MaxCell, MinCell, Keep, Cut), query result tables cap cells and
// drop the columns that do not fit (Width, MaxCell), and the rule list is
// the zero Table.
type Table struct {
	// Width is the terminal width in columns: trailing table columns that
	// would not fit are left out, so lines never wrap (at least one column
	// is always shown). 0 means no limit.
	Width int
	// MaxCell caps a cell's width; a longer cell is cut by Cut. 0 means
	// no cap.
	MaxCell int
	// MinCell and Keep let a table narrow its cells before it drops
	// columns: while fewer than Keep leading columns (or all, if there
	// are fewer) fit Width, the cap is lowered 8 columns at a time, down to
	// MinCell. Unset, cells are only cut to MaxCell.
	MinCell, Keep int
	// Cut shortens a cell to a width; nil means Truncate.
	Cut func(s string, width int) string
}

// narrowStep is how much each narrowing round lowers the cell cap: a few
// rounds reach MinCell, and each gives back a visible amount of room.
const narrowStep = 8

// Write prints rows to w, the first usually a header: one line each,
// cells padded to their column's width, no trailing blanks. A row shorter
// than the longest is padded with empty cells. It returns how many trailing
// columns were left out for Width; saying so (and how to see them) is the
// caller's part.
func (t Table) Write(w io.Writer, rows [][]string) (hidden int, err error) {
	ncol := 0
	for _, r := range rows {
		ncol = max(ncol, len(r))
	}
	all := make([][]string, len(rows))
	for i, r := range rows {
		all[i] = make([]string, ncol)
		for j, c := range r {
			all[i][j] = Sanitize(c, Line)
		}
	}

	limit := t.MaxCell
	widths, shown := t.fit(all, ncol, limit)
	for limit > t.MinCell && t.MinCell > 0 && shown < min(t.Keep, ncol) {
		limit = max(limit-narrowStep, t.MinCell)
		widths, shown = t.fit(all, ncol, limit)
	}

	cut := t.Cut
	if cut == nil {
		cut = Truncate
	}
	bw := bufio.NewWriter(w)
	var line strings.Builder
	for _, cells := range all {
		line.Reset()
		for j := range shown {
			cell := cells[j]
			if limit > 0 {
				cell = cut(cell, limit)
			}
			if j > 0 {
				line.WriteString("  ")
			}
			line.WriteString(cell)
			if j < shown-1 {
				line.WriteString(strings.Repeat(" ", max(0, widths[j]-Width(cell))))
			}
		}
		bw.WriteString(strings.TrimRight(line.String(), " "))
		bw.WriteByte('\n')
	}
	return ncol - shown, bw.Flush()
}

// fit measures the columns with cells capped at limit (0: no cap) and
// counts how many leading columns fit t.Width.
func (t Table) fit(all [][]string, ncol, limit int) (widths []int, shown int) {
	widths = make([]int, ncol)
	for _, cells := range all {
		for j, c := range cells {
			cw := Width(c)
			if limit > 0 {
				cw = min(cw, limit)
			}
			widths[j] = max(widths[j], cw)
		}
	}
	shown = len(widths)
	if t.Width <= 0 {
		return widths, shown
	}
	used := 0
	for j, cw := range widths {
		if j > 0 {
			used += 2
		}
		used += cw
		if used > t.Width && j > 0 {
			return widths, j
		}
	}
	return widths, shown
}

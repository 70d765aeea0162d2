package detect

import (
	"encoding/json"
	"sort"
)

// sortRows orders result rows so that output is deterministic: ES|QL leaves the
// row order of STATS unspecified (docs/esql-semantics.md §A6), and a person reading
// alerts expects them in time order. Rows are compared by their group columns
// first (for the seed rule: window, then ARN), then by every column, each
// rendered as canonical JSON; ISO 8601 dates compare chronologically as text.
func sortRows(names, groupBy []string, rows [][]any) {
	if len(rows) < 2 {
		return
	}
	order := make([]int, 0, len(names))
	seen := make(map[int]bool)
	for _, g := range groupBy {
		for i, n := range names {
			if n == g && !seen[i] {
				order = append(order, i)
				seen[i] = true
			}
		}
	}
	for i := range names {
		if !seen[i] {
			order = append(order, i)
		}
	}
	keys := make([][]string, len(rows))
	for r, row := range rows {
		k := make([]string, len(order))
		for j, i := range order {
			k[j] = canonical(row[i])
		}
		keys[r] = k
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := keys[idx[a]], keys[idx[b]]
		for j := range ka {
			if ka[j] != kb[j] {
				return ka[j] < kb[j]
			}
		}
		return false
	})
	sorted := make([][]any, len(rows))
	for i, j := range idx {
		sorted[i] = rows[j]
	}
	copy(rows, sorted)
}

// canonical renders a JSON-ready cell as JSON text, for keys and ordering.
func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

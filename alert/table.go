package alert

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/trailql/trailql/internal/termtext"
)

// maxCellWidth caps a table cell, in terminal columns; longer cells end
// with "…".
const maxCellWidth = 60

// NewTableWriter returns a Writer for people at a terminal. It buffers the
// alerts and, on Close, prints for each rule (in order of first alert) a
// heading line with the rule name, severity and number of alerts, then an
// aligned table with one alert per line, sorted by its cells.
//
// Columns, derived generically from the rule and its rows:
//   - aggregating rules: the BY columns, in BY order;
//   - non-aggregating rules: "time", the source event's @timestamp;
//   - then the rule's investigation_fields not yet shown (all row
//     columns for a rule without them; for a non-aggregating rule a few
//     key CloudTrail columns), count-like columns first, then the others
//     in the query's output order, which is the order the rule author
//     wrote the aggregates in.
//
// Headers drop the "Esql." prefix and the "_values" and "_date_trunc"
// suffixes, and "_count_distinct" becomes "_distinct", so the seed rule
// reads time_window, aws.cloudtrail.user_identity.arn,
// event_action_distinct, event_action, ... Dates print as
// "2006-01-02 15:04:05Z", multi-values joined with ", ", every cell
// sanitised (no terminal escapes from log data: termtext.Sanitize) and cut
// to 60 terminal columns; columns are aligned by display width.
func NewTableWriter(w io.Writer) Writer {
	return &tableWriter{w: w}
}

// NewTableWriterWidth is NewTableWriter for a terminal of the given width in
// columns: trailing table columns that would not fit are left out, and a note
// says how many, so lines never wrap. A width <= 0 means no limit.
func NewTableWriterWidth(w io.Writer, width int) Writer {
	return &tableWriter{w: w, width: width}
}

type tableWriter struct {
	mu     sync.Mutex
	w      io.Writer
	width  int
	alerts []*Alert
	closed bool
}

// Write buffers the alert until Close.
func (t *tableWriter) Write(a *Alert) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errClosed
	}
	t.alerts = append(t.alerts, a)
	return nil
}

// Close prints the tables.
func (t *tableWriter) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	bw := bufio.NewWriter(t.w)
	groups := groupByRule(t.alerts)
	if len(groups) == 0 {
		bw.WriteString("No alerts.\n")
	}
	for i, g := range groups {
		if i > 0 {
			bw.WriteString("\n")
		}
		writeGroup(bw, g, t.width)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f, ok := t.w.(flusher); ok {
		return f.Flush()
	}
	return nil
}

// groupByRule splits alerts by rule (rule_id and name), in order of each
// rule's first alert.
func groupByRule(alerts []*Alert) [][]*Alert {
	var groups [][]*Alert
	index := map[string]int{}
	for _, a := range alerts {
		if a == nil || a.Rule == nil {
			continue
		}
		k := a.Rule.RuleID + "\x00" + a.Rule.Name
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], a)
	}
	return groups
}

// column is a table column: the document key it shows and its header.
type column struct{ key, header string }

func writeGroup(w *bufio.Writer, alerts []*Alert, width int) {
	r := alerts[0].Rule
	noun := "alerts"
	if len(alerts) == 1 {
		noun = "alert"
	}
	fmt.Fprintf(w, "%s (severity %s, %d %s)\n", termtext.Sanitize(r.Name, termtext.Line), termtext.Sanitize(r.Severity, termtext.Line), len(alerts), noun)

	cols := tableColumns(alerts)
	rows := make([][]string, len(alerts))
	for i, a := range alerts {
		row := make([]string, len(cols))
		for j, c := range cols {
			v, _ := a.Doc.Get(c.key)
			row[j] = formatCell(v)
		}
		rows[i] = row
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for k := range rows[i] {
			if rows[i][k] != rows[j][k] {
				return rows[i][k] < rows[j][k]
			}
		}
		return false
	})
	header := make([]string, len(cols))
	for j, c := range cols {
		header[j] = c.header
	}
	// On a narrow terminal, first narrow the cells, then drop trailing
	// columns: the leading ones (window, identity, count, actions for the
	// seed rule) matter most.
	t := termtext.Table{Width: width, MaxCell: maxCellWidth, MinCell: minCellWidth, Keep: 4, Cut: truncate}
	hidden, _ := t.Write(w, append([][]string{header}, rows...)) // w is buffered: Close reports its error
	if hidden > 0 {
		fmt.Fprintf(w, "(%d more columns not shown: use a wider terminal or --format ndjson)\n", hidden)
	}
}

// minCellWidth is the narrowest a cell is cut to make columns fit: the
// cap goes 60, 52, ... 28, 20.
const minCellWidth = 20

// truncate shortens s to at most max terminal columns, ending with an
// ellipsis when cut. A single value such as an ARN keeps both ends: the
// account and the role or session name at the end both identify it. A
// list of values (joined with ", ") keeps its first values.
func truncate(s string, max int) string {
	if !strings.Contains(s, ", ") && max >= 9 {
		return termtext.TruncateMiddle(s, max)
	}
	return termtext.Truncate(s, max)
}

// keyColumns are shown for a non-aggregating rule without
// investigation_fields: who did what, from where, in which account.
var keyColumns = map[string]bool{
	"event.action": true, "event.outcome": true, "user.name": true,
	"aws.cloudtrail.user_identity.arn": true, "source.ip": true,
	"cloud.account.id": true, "cloud.region": true,
}

// tableColumns chooses the columns for one rule's alerts (see
// NewTableWriter).
func tableColumns(alerts []*Alert) []column {
	r := alerts[0].Rule
	groupBy := alerts[0].GroupBy
	aggregating := groupBy != nil

	// Row columns present in at least one alert, in output order. Each
	// alert lists only its non-null columns, so a column first seen in a
	// later alert is placed after its predecessor in that alert.
	var available []string
	present := map[string]bool{}
	for _, a := range alerts {
		prev := -1
		for _, c := range rowColumns(a) {
			if !present[c] {
				present[c] = true
				available = append(available, "")
				copy(available[prev+2:], available[prev+1:])
				available[prev+1] = c
			}
			prev = indexOf(available, c)
		}
	}

	var cols []column
	shown := map[string]bool{}
	if aggregating {
		for _, g := range groupBy {
			if present[g] && !shown[g] {
				shown[g] = true
				cols = append(cols, column{key: g})
			}
		}
	} else {
		for _, a := range alerts {
			if _, ok := a.Doc.Get("kibana.alert.original_time"); ok {
				cols = append(cols, column{key: "kibana.alert.original_time", header: "time"})
				break
			}
		}
	}

	want := map[string]bool{}
	switch {
	case len(r.InvestigationFields) > 0:
		for _, f := range r.InvestigationFields {
			want[f] = true
		}
	case !aggregating:
		for _, c := range available {
			if keyColumns[c] {
				want[c] = true
			}
		}
	}
	anyWanted := false
	for _, c := range available {
		anyWanted = anyWanted || want[c]
	}
	if !anyWanted { // none of the investigation or key fields is in the output: show all
		want = nil
	}
	var counts, rest []string
	for _, c := range available {
		if shown[c] || (len(want) > 0 && !want[c]) {
			continue
		}
		shown[c] = true
		if isCountLike(c) {
			counts = append(counts, c)
		} else {
			rest = append(rest, c)
		}
	}
	for _, c := range append(counts, rest...) {
		cols = append(cols, column{key: c})
	}
	setHeaders(cols)
	return cols
}

// rowColumns lists the alert's result-row columns: Alert.Columns, or for
// an Alert built by hand the document keys that are not alert fields.
func rowColumns(a *Alert) []string {
	if a.Columns != nil {
		return a.Columns
	}
	var cols []string
	for _, k := range a.Doc.Keys() {
		if k != "@timestamp" && k != "event.kind" && !reservedColumn(k) {
			cols = append(cols, k)
		}
	}
	return cols
}

// isCountLike reports aggregate columns holding a count, by Elastic's
// naming convention for ES|QL rule columns (Esql.<field>_count,
// Esql.<field>_count_distinct, Esql.count_...).
func isCountLike(name string) bool {
	n := strings.ToLower(strings.TrimPrefix(name, "Esql."))
	return n == "count" || strings.HasPrefix(n, "count_") || strings.HasSuffix(n, "_count") ||
		strings.Contains(n, "_count_") || strings.HasSuffix(n, "_distinct_count")
}

// shortHeader shortens an Esql.* column name for a header.
func shortHeader(name string) string {
	n, ok := strings.CutPrefix(name, "Esql.")
	if !ok {
		return name
	}
	switch {
	case strings.HasSuffix(n, "_count_distinct"):
		n = strings.TrimSuffix(n, "_count_distinct") + "_distinct"
	case strings.HasSuffix(n, "_values"):
		n = strings.TrimSuffix(n, "_values")
	case strings.HasSuffix(n, "_date_trunc"):
		n = strings.TrimSuffix(n, "_date_trunc")
	}
	if n == "" {
		return name
	}
	return n
}

// setHeaders fills in short headers; names that would collide keep their
// full column name.
func setHeaders(cols []column) {
	count := map[string]int{}
	for i := range cols {
		if cols[i].header == "" {
			count[shortHeader(cols[i].key)]++
		}
	}
	for i := range cols {
		if cols[i].header != "" {
			continue
		}
		if h := shortHeader(cols[i].key); count[h] == 1 {
			cols[i].header = h
		} else {
			cols[i].header = cols[i].key
		}
	}
}

// formatCell renders a document value for the table, sanitised.
func formatCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return termtext.Sanitize(shortDate(x), termtext.Line)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = formatCell(s)
		}
		return strings.Join(parts, ", ")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatCell(e)
		}
		return strings.Join(parts, ", ")
	case bool, int, int32, int64, uint64, float32, float64:
		return jsString(x)
	case json.Number:
		return termtext.Sanitize(string(x), termtext.Line)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return termtext.Sanitize(fmtFallback(x), termtext.Line)
		}
		return termtext.Sanitize(string(b), termtext.Line)
	}
}

// shortDate renders an ES|QL datetime ("2006-01-02T15:04:05.000Z", or
// with nanoseconds for date_nanos) as "2006-01-02 15:04:05Z", keeping a
// fraction only when it is not zero. Other strings are returned as is.
func shortDate(s string) string {
	if len(s) < 20 || len(s) > 30 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return s
	}
	for i, c := range []byte(s[:19]) {
		if i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (c < '0' || c > '9') {
			return s
		}
	}
	frac := s[19 : len(s)-1]
	if frac != "" {
		if frac[0] != '.' || len(frac) < 2 || strings.Trim(frac[1:], "0123456789") != "" {
			return s
		}
		if strings.Trim(frac[1:], "0") == "" {
			frac = ""
		}
	}
	return s[:10] + " " + s[11:19] + frac + "Z"
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

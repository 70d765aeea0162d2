package parser

import (
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, query string) *Query {
	t.Helper()
	q, err := Parse(query)
	if err != nil {
		t.Fatalf("Parse(%q): %v", query, err)
	}
	return q
}

// TestCommands checks the shape each processing command parses into.
func TestCommands(t *testing.T) {
	q := mustParse(t, `FROM logs-aws.cloudtrail-*, "other index", remote:logs-* METADATA _id, _version, _index
| EVAL w = DATE_TRUNC(10 seconds, @timestamp), COUNT( x ), `+"`a`"+`
| WHERE x IS NOT NULL
| KEEP @timestamp, aws.*, `+"`weird name`"+`
| DROP Esql_priv.*
| RENAME a AS b, new = old
| STATS c = COUNT(*), COUNT(*) WHERE x > 1, SUM(y) BY w, g = user.name, `+"`user.id`"+`, UPPER(z)
| INLINE STATS m = MAX(v) BY w
| INLINESTATS n = MIN(v)
| SORT c DESC, w NULLS FIRST, x ASC NULLS LAST
| LIMIT 10
| MV_EXPAND tags
| DISSECT message "%{a} %{b}" APPEND_SEPARATOR = ","
| GROK message "%{IP:ip}", "%{WORD:w}"
| COMPLETION answer = prompt WITH {"inference_id": "my-model"}`)

	from := q.Source.(*FromCommand)
	if want := []string{"logs-aws.cloudtrail-*", "other index", "remote:logs-*"}; !reflect.DeepEqual(from.Indices, want) {
		t.Errorf("FROM indices = %q, want %q", from.Indices, want)
	}
	if want := []string{"_id", "_version", "_index"}; !reflect.DeepEqual(from.Metadata, want) {
		t.Errorf("FROM metadata = %q, want %q", from.Metadata, want)
	}
	if len(q.Commands) != 14 {
		t.Fatalf("got %d commands, want 14", len(q.Commands))
	}

	eval := q.Commands[0].(*EvalCommand)
	// Unnamed fields are named by their source text as written
	// (LogicalPlanBuilder.visitField), even a backquoted column.
	var names []string
	for _, f := range eval.Fields {
		names = append(names, f.Name)
	}
	if want := []string{"w", "COUNT( x )", "`a`"}; !reflect.DeepEqual(names, want) {
		t.Errorf("EVAL names = %q, want %q", names, want)
	}
	if !eval.Fields[0].Named || eval.Fields[1].Named {
		t.Errorf("EVAL Named flags wrong: %v %v", eval.Fields[0].Named, eval.Fields[1].Named)
	}

	keep := q.Commands[2].(*KeepCommand)
	if got := patterns(keep.Patterns); got != "@timestamp|aws.*|weird name" {
		t.Errorf("KEEP patterns = %s", got)
	}
	if got := patterns(q.Commands[3].(*DropCommand).Patterns); got != "Esql_priv.*" {
		t.Errorf("DROP patterns = %s", got)
	}
	ren := q.Commands[4].(*RenameCommand)
	if len(ren.Renames) != 2 || ren.Renames[0].Old.Pattern != "a" || ren.Renames[0].New.Pattern != "b" ||
		ren.Renames[1].Old.Pattern != "old" || ren.Renames[1].New.Pattern != "new" {
		t.Errorf("RENAME = %s", ren)
	}

	stats := q.Commands[5].(*StatsCommand)
	var aggs, groups []string
	for _, a := range stats.Aggs {
		aggs = append(aggs, a.Name)
	}
	for _, g := range stats.Groups {
		groups = append(groups, g.Name)
	}
	// A filtered unnamed aggregate is named with its WHERE clause
	// (visitAggField); a bare grouping column keeps its unquoted name
	// (visitGrouping).
	if want := []string{"c", "COUNT(*) WHERE x > 1", "SUM(y)"}; !reflect.DeepEqual(aggs, want) {
		t.Errorf("STATS agg names = %q, want %q", aggs, want)
	}
	if want := []string{"w", "g", "user.id", "UPPER(z)"}; !reflect.DeepEqual(groups, want) {
		t.Errorf("STATS group names = %q, want %q", groups, want)
	}
	if stats.Inline || stats.Aggs[1].Filter == nil || stats.Aggs[0].Filter != nil {
		t.Errorf("STATS flags wrong")
	}
	if c := stats.Aggs[1].Expr.(*Call); !c.Star || c.Name != "count" {
		t.Errorf("COUNT(*) = %+v", c)
	}
	if s := q.Commands[6].(*StatsCommand); !s.Inline || len(s.Groups) != 1 {
		t.Errorf("INLINE STATS = %s", s)
	}
	if s := q.Commands[7].(*StatsCommand); !s.Inline || len(s.Groups) != 0 {
		t.Errorf("INLINESTATS = %s", s)
	}

	sort := q.Commands[8].(*SortCommand)
	type ord struct {
		desc  bool
		nulls NullsOrder
	}
	var ords []ord
	for _, o := range sort.Orders {
		ords = append(ords, ord{o.Desc, o.Nulls})
	}
	if want := []ord{{true, NullsDefault}, {false, NullsFirst}, {false, NullsLast}}; !reflect.DeepEqual(ords, want) {
		t.Errorf("SORT orders = %v, want %v", ords, want)
	}
	if l := q.Commands[9].(*LimitCommand); l.N != 10 {
		t.Errorf("LIMIT = %d", l.N)
	}
	if m := q.Commands[10].(*MvExpandCommand); m.Column.Name != "tags" {
		t.Errorf("MV_EXPAND = %s", m)
	}
	d := q.Commands[11].(*DissectCommand)
	if d.Pattern.Value != "%{a} %{b}" || d.AppendSeparator == nil || d.AppendSeparator.Value != "," {
		t.Errorf("DISSECT = %s", d)
	}
	if g := q.Commands[12].(*GrokCommand); len(g.Patterns) != 2 || g.Patterns[1].Value != "%{WORD:w}" {
		t.Errorf("GROK = %s", g)
	}
	c := q.Commands[13].(*CompletionCommand)
	if c.Target != "answer" || sexpr(c.Prompt) != "prompt" || c.Options == nil || c.Options.Keys[0] != "inference_id" {
		t.Errorf("COMPLETION = %s", c)
	}
}

func patterns(ps []*NamePattern) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Pattern)
	}
	return strings.Join(s, "|")
}

// TestPositions checks line:column and the exact source text of nodes:
// Elasticsearch names columns and words warnings with that text.
func TestPositions(t *testing.T) {
	q := mustParse(t, `from logs-* metadata _id
// comment
| eval w = date_trunc(10 seconds, @timestamp)
| where true in (starts_with(event.action, "Describe"))
| stats c = COUNT(*), count_distinct(event.action) by w, user.name`)
	eval := q.Commands[0].(*EvalCommand)
	call := eval.Fields[0].Expr.(*Call)
	where := q.Commands[1].(*WhereCommand)
	in := where.Cond.(*In)
	sw := in.List[0].(*Call)
	stats := q.Commands[2].(*StatsCommand)
	tests := []struct {
		name      string
		span      Span
		line, col int
		text      string
	}{
		{"FROM", q.Source.(*FromCommand).Span, 1, 1, "from logs-* metadata _id"},
		{"EVAL", eval.Span, 3, 3, "eval w = date_trunc(10 seconds, @timestamp)"},
		{"EVAL field", eval.Fields[0].Span, 3, 8, "w = date_trunc(10 seconds, @timestamp)"},
		{"date_trunc call", call.Span, 3, 12, "date_trunc(10 seconds, @timestamp)"},
		{"time span", call.Args[0].Extent(), 3, 23, "10 seconds"},
		{"@timestamp", call.Args[1].Extent(), 3, 35, "@timestamp"},
		{"IN", in.Span, 4, 9, `true in (starts_with(event.action, "Describe"))`},
		{"starts_with", sw.Span, 4, 18, `starts_with(event.action, "Describe")`},
		{"event.action", sw.Args[0].Extent(), 4, 30, "event.action"},
		{"string", sw.Args[1].Extent(), 4, 44, `"Describe"`},
		{"COUNT(*)", stats.Aggs[0].Expr.Extent(), 5, 13, "COUNT(*)"},
		{"named agg", stats.Aggs[0].Span, 5, 9, "c = COUNT(*)"},
		{"unnamed agg", stats.Aggs[1].Span, 5, 23, "count_distinct(event.action)"},
		{"group w", stats.Groups[0].Span, 5, 55, "w"},
		{"group user.name", stats.Groups[1].Span, 5, 58, "user.name"},
		{"STATS", stats.Span, 5, 3, "stats c = COUNT(*), count_distinct(event.action) by w, user.name"},
	}
	for _, tt := range tests {
		if tt.span.Start.Line != tt.line || tt.span.Start.Col != tt.col {
			t.Errorf("%s at %d:%d, want %d:%d", tt.name, tt.span.Start.Line, tt.span.Start.Col, tt.line, tt.col)
		}
		if got := q.Text(tt.span); got != tt.text {
			t.Errorf("%s text = %q, want %q", tt.name, got, tt.text)
		}
	}
	if msg := checkSpans(q); msg != "" {
		t.Error(msg)
	}
	// Columns count runes, not bytes.
	q = mustParse(t, "ROW s = \"ééé\", t = 1")
	f := q.Source.(*RowCommand).Fields[1]
	if f.Pos().Col != 16 || f.Pos().Offset != 18 {
		t.Errorf("field after multi-byte string at col %d offset %d, want col 16 offset 18", f.Pos().Col, f.Pos().Offset)
	}
}

// TestErrors pins the position and message of syntax errors.
func TestErrors(t *testing.T) {
	tests := []struct {
		query, want string
	}{
		{"", "line 1:1: expected source command (FROM or ROW), found end of input"},
		{"FROM a | WHERE", "line 1:15: expected expression, found end of input"},
		{"FROM a\n| WHERE |", `line 2:9: expected expression, found "|"`},
		{"FROM a | WHERE a < b < c", `line 1:22: unexpected "<": comparisons do not chain, use parentheses or AND`},
		{"FROM a | WHERE a == b == c", `line 1:23: unexpected "==": comparisons do not chain, use parentheses or AND`},
		{"FROM a\n| EVAL x = 1\n| ENRICH policy ON x", "line 3:3: unsupported command [ENRICH]"},
		{"FROM a\n| EVAL x = 1\n|\n| LOOKUP JOIN t ON x", `line 4:1: expected command, found "|"`},
		{"FROM a\n| EVAL x = 1\n| where x > 1\n| LOOKUP JOIN t ON x", "line 4:3: unsupported command [LOOKUP JOIN]"},
		{"FROM a | fork (where x) (where y)", "line 1:10: unsupported command [FORK]"},
		{"FROM a | sample 0.1", "line 1:10: unsupported command [SAMPLE]"},
		{"FROM a | change_point x", "line 1:10: unsupported command [CHANGE_POINT]"},
		{"FROM a | rerank \"q\" ON x", "line 1:10: unsupported command [RERANK]"},
		{"FROM a | fuse", "line 1:10: unsupported command [FUSE]"},
		{"FROM a | enrich #", "line 1:10: unsupported command [ENRICH]"},
		{"FROM a | inline foo", "line 1:10: unsupported command [INLINE FOO]"},
		{"FROM a | frobnicate", "line 1:10: unsupported command [FROBNICATE]"},
		{"FROM a | FROM b", "line 1:10: unsupported command [FROM]"},
		{"SHOW INFO", "line 1:1: unsupported command [SHOW]"},
		{"TS metrics-*", "line 1:1: unsupported command [TS]"},
		{"SET a = 1; FROM x", "line 1:1: unsupported command [SET]"},
		{"ROW x = 10 parsecs", "line 1:12: unexpected temporal unit: [parsecs]"},
		{"ROW x = 1 | WHERE x IN 1", `line 1:24: expected "(", found "1"`},
		{"ROW x = 1 | WHERE x IN (1, 2", `line 1:29: expected "," or ")", found end of input`},
		{"ROW x = 1 | EVAL y = x z", `line 1:24: expected "|" or end of query, found "z"`},
		{"ROW x = 1 | WHERE x = 1", `line 1:21: expected "|" or end of query, found "=" (use "==" to compare)`},
		{"ROW x = 1 | WHERE x.", `line 1:21: expected column name part after ".", found end of input`},
		{"ROW x = 1 | WHERE x IS NOT 1", `line 1:28: expected NULL, found "1"`},
		{"ROW x = 1 | WHERE x LIKE y", `line 1:26: expected pattern string, found "y"`},
		{"ROW x = 1 | WHERE f(x) : \"a\"", `line 1:24: the left side of ":" must be a column name`},
		{"FROM a | KEEP", "line 1:14: expected column name or pattern, found end of input"},
		{"FROM a | KEEP a,", "line 1:17: expected column name or pattern, found end of input"},
		{"FROM a | KEEP a.", `line 1:15: invalid column name or pattern "a."`},
		{"FROM a | RENAME a b", "line 1:19: expected AS or =, found \"b\""},
		{"FROM a | RENAME a* AS b", "line 1:17: Using wildcards [*] in RENAME is not allowed [a* AS b]"},
		{"FROM a | STATS", "line 1:15: expected aggregate or BY, found end of input"},
		{"FROM a | STATS x WHERE y > 1", "line 1:24: WHERE clause allowed only for aggregate functions [x WHERE y > 1]"},
		{"FROM a | STATS count(*) BY", "line 1:27: expected expression, found end of input"},
		{"FROM a | SORT x NULLS", "line 1:22: expected FIRST or LAST, found end of input"},
		{"FROM a | LIMIT x", `line 1:16: expected integer, found "x"`},
		{"FROM a | LIMIT 99999999999999999999", "line 1:16: invalid LIMIT [99999999999999999999]: too large"},
		{"FROM a | DISSECT m", "line 1:19: expected dissect pattern string, found end of input"},
		{"FROM a | DISSECT m \"%{a}\" foo = \"x\"", "line 1:27: invalid option for DISSECT: [foo]"},
		{"FROM a | GROK m \"%{a}\",", "line 1:24: expected grok pattern string, found end of input"},
		{"FROM a | COMPLETION p", "line 1:22: expected WITH, found end of input"},
		{"FROM", "line 1:5: expected index pattern, found end of input"},
		{"FROM a,", "line 1:8: expected index pattern, found end of input"},
		{"FROM a METADATA", "line 1:16: expected metadata field, found end of input"},
		{"FROM a | EVAL f(x", `line 1:18: expected "," or ")", found end of input`},
		{"ROW x = {\"a\": 1}", `line 1:9: expected expression, found "{"`},
		{"ROW x = f({1: 2})", `line 1:12: expected map key string, found "1"`},
		{"ROW x = [1, 2", `line 1:14: expected "," or "]", found end of input`},
		{"ROW and = 1", `line 1:5: expected expression, found "and"`},
		{"ROW x = 1::", `line 1:12: expected type name, found end of input`},
		{"FROM a | STATS first(x BY y, z)", `line 1:28: expected ")", found ","`},
		{"ROW x = \"a\nb\"", "line 1:9: unterminated string"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.query)
		if err == nil {
			t.Errorf("Parse(%q) succeeded (%s), want error %q", tt.query, q, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Parse(%q)\n got: %v\nwant: %s", tt.query, err, tt.want)
		}
		if _, ok := err.(ErrorList); !ok {
			t.Errorf("Parse(%q) error is %T, want ErrorList", tt.query, err)
		}
	}
}

// TestErrorList checks the formatting of several errors.
func TestErrorList(t *testing.T) {
	l := ErrorList{
		{Pos: Pos{Line: 1, Col: 2}, Msg: "first"},
		{Pos: Pos{Line: 3, Col: 4}, Msg: "second"},
	}
	if got, want := l.Error(), "line 1:2: first\nline 3:4: second"; got != want {
		t.Errorf("ErrorList.Error() = %q, want %q", got, want)
	}
}

// TestDepthLimit checks that deeply nested input fails cleanly instead of
// exhausting the stack, with Elasticsearch's wording and limit.
func TestDepthLimit(t *testing.T) {
	ok := "ROW x = " + strings.Repeat("(", 399) + "1" + strings.Repeat(")", 399)
	if _, err := Parse(ok); err != nil {
		t.Errorf("399 nested parentheses: %v", err)
	}
	for _, deep := range []string{
		"ROW x = " + strings.Repeat("(", 401) + "1" + strings.Repeat(")", 401),
		"ROW x = " + strings.Repeat("-", 100000) + "x",
		"ROW x = " + strings.Repeat("NOT ", 100000) + "x",
		"ROW x = " + strings.Repeat("f(", 100000),
		"ROW x = " + strings.Repeat("[", 100000),
	} {
		_, err := Parse(deep)
		if err == nil || !strings.Contains(err.Error(), "exceeded the maximum expression depth allowed (400)") {
			t.Errorf("deep input %q...: got %v", deep[:20], err)
		}
	}
	// A flat chain is iterative and not limited.
	flat := "ROW x = 1" + strings.Repeat(" OR 1", 50000)
	q, err := Parse(flat)
	if err != nil {
		t.Fatalf("flat OR chain: %v", err)
	}
	if msg := roundTrip(q); msg != "" {
		t.Errorf("flat OR chain: %.200s", msg)
	}
}

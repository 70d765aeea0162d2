package parser

import (
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that errors carry a position
// inside the input, and that every successful parse round-trips through
// String with spans that match the source text.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"from logs-aws.cloudtrail-* metadata _id, _version, _index\n// c\n| eval w = date_trunc(10 seconds, @timestamp)\n| where true in (starts_with(event.action, \"Describe\"))\n| stats c = count_distinct(event.action) by w",
		"ROW a = [1, -2], b = \"x\\\"\", c = \"\"\"raw\\\"\"\" | EVAL d = a::string | KEEP a*, `b c`",
		"FROM a | WHERE NOT x IS NULL AND y NOT LIKE (\"a\", \"b\") OR z : \"q\" | SORT x DESC NULLS LAST | LIMIT 5",
		"FROM a | STATS COUNT(*) WHERE x > 1 BY g = bucket(t, 1 hour) | RENAME a AS b, c = d | DROP e",
		"FROM a | DISSECT m \"%{a}\" APPEND_SEPARATOR = \",\" | GROK m \"%{b}\" | MV_EXPAND x",
		"FROM a | COMPLETION x = p WITH {\"inference_id\": \"m\"} | INLINE STATS m = max(v) BY w",
		"ROW x = /* a /* b */ */ 1 // c\n",
		"ROW x = f(?, ?n, ?1, {\"k\": [1]}) | WHERE -1::long < +2 % 3",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		q, err := Parse(query)
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.Pos.Offset < 0 || e.Pos.Offset > len(query) || e.Pos != posAt(query, e.Pos.Offset) {
					t.Fatalf("error position %+v is not a valid position of the input", e.Pos)
				}
				if strings.Contains(e.Msg, "internal error") {
					t.Fatalf("parser bug: %v", e)
				}
				if !strings.HasPrefix(e.Error(), "line ") {
					t.Fatalf("error %q lacks its position", e.Error())
				}
			}
			return
		}
		if msg := roundTrip(q); msg != "" {
			t.Fatal(msg)
		}
		// checkSpans re-parses and prints every sub-expression, which is
		// cubic on deep trees; long inputs only get the cheaper checks.
		if len(query) > 1000 {
			return
		}
		if msg := checkSpans(q); msg != "" {
			t.Fatal(msg)
		}
	})
}

package esql

import (
	"strings"
	"testing"
)

// ftCatalog and ftDocs are the index the full-text tests query.
var ftCatalog = Catalog{
	"id": Keyword, "kw": Keyword, "msg": Text, "n": Long, "d": Double, "ip": IP, "ts": Datetime,
	"b": Boolean, "v": Version, "tags": Keyword, "event.action": Keyword, "event.category": Keyword,
	"process.name": Keyword,
}

var ftDocs = []doc{
	{"id": "1", "kw": "Foo Bar", "msg": "The quick brown fox", "n": 5, "d": 1.5, "ip": "10.1.2.3",
		"ts": "2024-05-01T10:00:00Z", "b": true, "v": "1.2.3", "tags": []any{"a", "b"},
		"process.name": "wget", "event.action": "exec", "event.category": "process"},
	{"id": "2", "kw": "foo", "msg": []any{"jumps over", "the lazy dog"}, "n": 10, "d": 2.0, "ip": "192.168.1.1",
		"ts": "2024-05-02T00:00:00Z", "b": false, "v": "1.10.0", "tags": []any{"c"},
		"process.name": "curl.exe", "event.action": "fork", "event.category": "process"},
	{"id": "3"},
	{"id": "4", "kw": "foo*bar", "msg": "Quick-Brown FOX!", "n": -1, "ip": "2001:db8::1", "tags": []any{"a"},
		"process.name": "wget"},
}

// ftIDs runs `FROM idx | WHERE cond | KEEP id` and returns the ids.
func ftIDs(t *testing.T, cond string) (string, error) {
	t.Helper()
	r, err := tryRun("FROM idx | WHERE "+cond+" | KEEP id", Options{Catalog: ftCatalog, Now: testNow}, ftDocs...)
	if err != nil {
		return "", err
	}
	return strings.Join(r.table(), ","), nil
}

// TestKQLSemantics checks which rows KQL queries match, per field type,
// against Elasticsearch's KQL query builder (x-pack/plugin/kql
// KqlAstBuilder): keyword terms are exact, text is analyzed, a field the
// index lacks matches nothing, and the result is never null.
func TestKQLSemantics(t *testing.T) {
	tests := []struct{ cond, want string }{
		// Keyword: exact, case-sensitive term; multi-values match by any value.
		{`KQL("kw:foo")`, "2"},
		{`KQL("kw:Foo")`, ""},
		{`KQL("kw:\"Foo Bar\"")`, "1"},
		{`KQL("kw:Foo Bar")`, "1"}, // unquoted words are one term on a keyword field
		{`KQL("kw:FOO", {"case_insensitive": true})`, "2"},
		{`KQL("kw:foo*")`, "2,4"},
		{`KQL("kw:F*")`, "1"},
		{`KQL("kw:f?o")`, ""},     // no `*`: a term, `?` included
		{`KQL("kw:f?o*")`, "2,4"}, // with `*`, a wildcard query, where `?` is one character
		{`KQL("""kw:foo\*bar""")`, "4"},
		{`KQL("tags:a")`, "1,4"},
		{`KQL("tags:(a and b)")`, "1"},
		{`KQL("tags:(a or c)")`, "1,2,4"},
		{`KQL("tags:(a and not b)")`, "4"},
		{`KQL("tags:not a")`, "2,3"},
		// Exists, match all.
		{`KQL("kw:*")`, "1,2,4"},
		{`NOT KQL("kw:*")`, "3"},
		{`KQL("*")`, "1,2,3,4"},
		{`KQL("")`, "1,2,3,4"},
		// Text: standard-analyzed, any token (match), or consecutive tokens (phrase).
		{`KQL("msg:fox")`, "1,4"},
		{`KQL("msg:FOX")`, "1,4"},
		{`KQL("msg:\"brown fox\"")`, "1,4"},
		{`KQL("msg:\"fox brown\"")`, ""},
		{`KQL("msg:\"over the\"")`, ""}, // a phrase does not span two values
		{`KQL("msg:dog cat")`, "2"},
		{`KQL("msg:qu*")`, "1,4"},
		{`KQL("msg:Qu*")`, "1,4"},
		{`KQL("msg:---")`, ""},
		// Numbers, ip, dates, booleans, versions: typed values and ranges.
		{`KQL("n:5")`, "1"},
		{`KQL("n:5.5")`, ""},
		{`KQL("n:5.0")`, "1"},
		{`KQL("n > 5")`, "2"},
		{`KQL("n >= 5")`, "1,2"},
		{`KQL("n < 0")`, "4"},
		{`KQL("n > 4.5 and n <= 5")`, "1"},
		{`KQL("d:1.5")`, "1"},
		{`KQL("d > 1.5")`, "2"},
		{`KQL("ip:10.0.0.0/8")`, "1"},
		{`KQL("ip:192.168.1.1")`, "2"},
		{`KQL("ip:\"2001:db8::/32\"")`, "4"},
		{`KQL("ip >= 10.0.0.0 and ip < 11.0.0.0")`, "1"},
		{`KQL("ts:2024-05-01")`, "1"},
		{`KQL("ts >= 2024-05-02")`, "2"},
		{`KQL("ts < 2024-05-02")`, "1"},
		{`KQL("ts > 2024-05-01")`, "2"}, // gt rounds the day up: after all of it
		{`KQL("ts <= 2024-05-01")`, "1"},
		{`KQL("ts > now-1d")`, "1,2"}, // NOW() is 2024-05-01T12:00
		{`KQL("ts:\"2024-05-01T12:00:00+02:00\"")`, "1"},
		{`KQL("ts:2024-05-01T10", {"time_zone": "+01:00"})`, ""},
		{`KQL("ts:2024-05-01T11", {"time_zone": "+01:00"})`, "1"},
		{`KQL("b:true")`, "1"},
		{`KQL("b:false")`, "2"},
		{`KQL("v > 1.9")`, "2"},
		{`KQL("kw >= foo")`, "2,4"}, // bytes order: "Foo Bar" < "foo"
		// Precedence: not binds tightest; and/or share a level, to the right.
		{`KQL("event.action:exec and process.name:curl.exe or process.name:wget")`, "1"},
		{`KQL("(event.action:exec and process.name:curl.exe) or process.name:wget")`, "1,4"},
		{`KQL("not event.action:fork and process.name:wget")`, "1,4"},
		{`KQL("not (event.action:fork or process.name:wget)")`, "3"},
		{`KQL("NOT event.action:fork AND NOT kw:*")`, "3"},
		// Fields the index lacks, patterns, quoted names.
		{`KQL("nope:x")`, ""},
		{`NOT KQL("nope:x")`, "1,2,3,4"},
		{`KQL("nope:*")`, ""},
		{`KQL("event.*:exec")`, "1"},
		{`KQL("\"event.*\":exec")`, ""},
		{`KQL("proc*:*")`, "1,2,4"},
		{`KQL("*.name:wget")`, "1,4"},
		// Free text: keyword and text fields, or the default_field option.
		{`KQL("wget")`, "1,4"},
		{`KQL("fox")`, "1,4"},
		{`KQL("\"lazy dog\"")`, "2"},
		{`KQL("curl*")`, "2"},
		{`KQL("fox", {"default_field": "kw"})`, ""},
		{`KQL("foo", {"default_field": "k*"})`, "2"},
		// Two-valued: a row without the field does not match, so NOT does.
		{`NOT KQL("kw:foo")`, "1,3,4"},
		{`KQL("kw:foo") == false`, "1,3,4"},
		{`KQL("kw:foo") OR n > 5`, "2"},
		{`KQL("kw:foo") OR KQL("msg:fox")`, "1,2,4"},
	}
	checkFTIDs(t, tests)
}

// TestMatchSemantics checks MATCH and `:` (Elasticsearch's match query,
// lenient in ES|QL).
func TestMatchSemantics(t *testing.T) {
	tests := []struct{ cond, want string }{
		{`MATCH(kw, "foo")`, "2"},
		{`kw : "Foo Bar"`, "1"},
		{`MATCH(kw, "Foo")`, ""},
		{`MATCH(tags, "b")`, "1"},
		{`MATCH(msg, "FOX dog")`, "1,2,4"},
		{`msg : "brown"`, "1,4"},
		{`MATCH(msg, "lazy dog", {"operator": "AND"})`, "2"},
		{`MATCH(msg, "lazy cat", {"operator": "and"})`, ""},
		{`MATCH(msg, "jumps dog", {"operator": "AND"})`, "2"}, // the tokens of all values count
		{`MATCH(msg, "quick brown cat", {"minimum_should_match": 2})`, "1,4"},
		{`MATCH(msg, "quick brown cat", {"minimum_should_match": "3"})`, ""},
		{`MATCH(msg, "quick brown cat", {"minimum_should_match": "-1"})`, "1,4"},
		{`MATCH(msg, "quick brown cat", {"minimum_should_match": "100%"})`, ""},
		{`MATCH(msg, "---")`, ""},
		{`MATCH(msg, "---", {"zero_terms_query": "all"})`, "1,2,3,4"},
		{`MATCH(msg, "the fox", {"analyzer": "stop", "operator": "AND"})`, "1,4"},
		// Fuzziness: edits per token (AUTO by length), transpositions count one.
		{`MATCH(process.name, "wgte", {"fuzziness": 1})`, "1,4"},
		{`MATCH(process.name, "wgte", {"fuzziness": 1, "fuzzy_transpositions": false})`, ""},
		{`MATCH(process.name, "wgte", {"fuzziness": "AUTO"})`, "1,4"},
		{`MATCH(process.name, "xget", {"fuzziness": 1, "prefix_length": 1})`, ""},
		{`MATCH(process.name, "curl.ex", {"fuzziness": 1, "max_expansions": 10})`, "2"},
		{`MATCH(msg, "quikc brwn", {"fuzziness": "AUTO", "operator": "AND"})`, "1,4"},
		{`MATCH(msg, "fx", {"fuzziness": "AUTO"})`, ""}, // two letters: no edits
		// Typed fields: the query as the field's type; lenient by default.
		{`MATCH(n, 5)`, "1"},
		{`MATCH(n, "5")`, "1"},
		{`MATCH(n, 5.0)`, "1"},
		{`MATCH(n, "abc")`, ""},
		{`MATCH(n, 5, {"fuzziness": 1})`, ""},
		{`MATCH(d, 2)`, "2"},
		{`MATCH(ip, "10.0.0.0/8")`, "1"},
		{`MATCH(ip, TO_IP("192.168.1.1"))`, "2"},
		{`MATCH(ts, "2024-05-01")`, "1"},
		{`MATCH(ts, TO_DATETIME("2024-05-01T10:00:00Z"))`, "1"},
		{`MATCH(b, true)`, "1"},
		{`MATCH(b, "nope")`, ""},
		{`MATCH(v, "1.10.0")`, "2"},
		{`MATCH(n::keyword, "5")`, "1"}, // the query runs on the field as indexed
		// Two-valued, like KQL.
		{`NOT kw : "foo"`, "1,3,4"},
		{`NOT kw == "foo"`, "1,4"},
	}
	checkFTIDs(t, tests)
}

// TestFullTextPlaces: where full-text functions may appear
// (FullTextFunction.checkFullTextQueryFunctions): KQL only after FROM,
// WHERE and SORT; MATCH not after LIMIT or STATS; only in WHERE and STATS.
func TestFullTextPlaces(t *testing.T) {
	ok := []string{
		`FROM idx | SORT id | WHERE KQL("kw:foo") | KEEP id`,
		`FROM idx | WHERE n > 0 | WHERE KQL("kw:foo") | KEEP id`,
		`FROM idx | EVAL x = 1 | WHERE MATCH(kw, "foo") | KEEP id`,
		`FROM idx | KEEP id, kw | WHERE kw : "foo"`,
		`FROM idx | RENAME kw AS k | WHERE MATCH(k, "foo") | KEEP id`,
		`FROM idx | STATS c = COUNT(*) WHERE KQL("kw:foo"), m = COUNT(*) WHERE MATCH(msg, "fox")`,
		// An aggregate's filter is not a Filter: the commands before do not matter.
		`FROM idx | EVAL x = 1 | STATS c = COUNT(*) WHERE KQL("kw:foo")`,
		// The query may be any constant expression (kqlWithQueryExpressions).
		`FROM idx | WHERE KQL(CONCAT("kw:", "foo")) AND MATCH(msg, CONCAT("quick", " fox"))`,
	}
	for _, q := range ok {
		if _, err := tryRun(q, Options{Catalog: ftCatalog, Now: testNow}, ftDocs...); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	r := run(t, `FROM idx | STATS c = COUNT(*) WHERE KQL("kw:foo*"), m = COUNT(*) WHERE msg : "fox"`, ftCatalog, ftDocs...)
	if got := strings.Join(r.table(), ";"); got != "2 | 2" {
		t.Errorf("STATS filters = %s", got)
	}
	bad := []struct{ q, want string }{
		{`FROM idx | EVAL x = 1 | WHERE KQL("kw:foo")`, `line 1:25: [KQL] function cannot be used after EVAL`},
		{`FROM idx | KEEP kw | WHERE KQL("kw:foo")`, `line 1:22: [KQL] function cannot be used after KEEP`},
		{`FROM idx | DROP n | WHERE KQL("kw:foo")`, `line 1:21: [KQL] function cannot be used after DROP`},
		{`FROM idx | MV_EXPAND tags | WHERE KQL("kw:foo")`, `line 1:29: [KQL] function cannot be used after MV_EXPAND`},
		{`FROM idx | LIMIT 5 | WHERE KQL("kw:foo")`, `line 1:22: [KQL] function cannot be used after LIMIT`},
		{`FROM idx | STATS c = COUNT(*) BY kw | WHERE KQL("kw:foo")`, `line 1:39: [KQL] function cannot be used after STATS`},
		{`FROM idx | EVAL x = 1 | LIMIT 5 | WHERE KQL("kw:foo")`,
			"line 1:35: [KQL] function cannot be used after LIMIT\nline 1:35: [KQL] function cannot be used after EVAL"},
		{`ROW kw = "foo" | WHERE KQL("kw:foo")`, `line 1:18: [KQL] function cannot be used after ROW`},
		{`FROM idx | LIMIT 5 | WHERE MATCH(kw, "foo")`, `line 1:22: [MATCH] function cannot be used after LIMIT`},
		{`FROM idx | STATS c = COUNT(*) BY kw | WHERE kw : "foo"`, `line 1:39: [:] operator cannot be used after STATS`},
		{`FROM idx | EVAL x = KQL("kw:foo")`, `line 1:21: [KQL] function is only supported in WHERE and STATS commands`},
		{`FROM idx | SORT MATCH(kw, "foo")`, `line 1:17: [MATCH] function is only supported in WHERE and STATS commands`},
		{`FROM idx | STATS c = COUNT(*) BY kw : "foo"`, `line 1:34: [:] operator is only supported in WHERE and STATS commands`},
		{`FROM idx | WHERE KQL("kw:foo") IS NULL`, `line 1:18: Invalid condition [KQL("kw:foo") IS NULL]. [KQL] function can't be used with ISNULL`},
		{`FROM idx | WHERE COALESCE(kw : "foo", true)`, `line 1:18: Invalid condition [COALESCE(kw : "foo", true)]. [:] operator can't be used with COALESCE`},
		{`FROM idx | STATS k = COUNT(*) BY kw | STATS c = COUNT(*) WHERE KQL("kw:foo")`, `line 1:69: [KQL] function failed to create query [kw:foo]: cannot operate on [kw], which is not a field from an index mapping`},
		{`FROM idx | WHERE n > 1 AND NOT (MATCH(kw, "x") IN (true))`, `line 1:18: Invalid condition [n > 1 AND NOT (MATCH(kw, "x") IN (true))]. [MATCH] function can't be used with IN`},
	}
	for _, tt := range bad {
		_, err := tryRun(tt.q, Options{Catalog: ftCatalog, Now: testNow})
		if err == nil {
			t.Errorf("%s compiled, want %s", tt.q, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.q, err, tt.want)
		}
	}
}

// TestFullTextErrors checks argument and query errors and where they point.
func TestFullTextErrors(t *testing.T) {
	tests := []struct{ q, want string }{
		{`FROM idx | WHERE KQL(kw)`, `line 1:22: Query must be a constant string in [KQL(kw)], found [kw]`},
		{`FROM idx | WHERE KQL(null)`, `line 1:18: first argument of [KQL(null)] cannot be null, received [null]`},
		{`FROM idx | WHERE KQL(1)`, `line 1:18: first argument of [KQL(1)] must be [keyword, text], found value [1] type [integer]`},
		{`FROM idx | WHERE KQL()`, `line 1:18: error building [kql]: expects between 1 and 2 arguments`},
		{`FROM idx | WHERE KQL("kw:foo", {"bogus": 1})`, `line 1:32: Invalid option [bogus] in [KQL("kw:foo", {"bogus": 1})], expected one of [boost, case_insensitive, default_field, time_zone]`},
		{`FROM idx | WHERE KQL("kw:foo", {"case_insensitive": "maybe"})`, `line 1:53: Invalid option [case_insensitive] in [KQL("kw:foo", {"case_insensitive": "maybe"})], cannot convert [maybe] to [boolean]`},
		{`FROM idx | WHERE KQL("kw:foo", {"time_zone": "+1"})`, `line 1:32: Invalid option [time_zone] in [KQL("kw:foo", {"time_zone": "+1"})], invalid offset [+1]`},
		{`FROM idx | WHERE KQL("kw:foo", {"time_zone": "Mars/Base"})`, `line 1:32: Invalid option [time_zone] in [KQL("kw:foo", {"time_zone": "Mars/Base"})], unknown time zone Mars/Base`},
		// KQL syntax and query errors point into the query string when it
		// is written without escapes.
		{`FROM idx | WHERE KQL("kw:(foo or")`, `line 1:33: invalid KQL query [kw:(foo or]: unexpected end of query, expecting [)]`},
		{"FROM idx\n| WHERE KQL(\"\"\"kw:foo and n:abc\"\"\")", `line 2:29: [KQL] function failed to create query [kw:foo and n:abc]: For input string: "abc"`},
		{`FROM idx | WHERE KQL("kw:\"a\" and n:x")`, `line 1:22: [KQL] function failed to create query [kw:"a" and n:x]: For input string: "x"`},
		{`FROM idx | WHERE KQL("ip:nope")`, `line 1:26: [KQL] function failed to create query [ip:nope]: 'nope' is not an IP string literal.`},
		{`FROM idx | WHERE KQL("n:1*")`, `line 1:25: [KQL] function failed to create query [n:1*]: Can only use wildcard queries on keyword, text and wildcard fields - not on [n] which is of type [long]`},
		{`FROM idx | WHERE KQL("ts > yesterday")`, `line 1:28: [KQL] function failed to create query [ts > yesterday]: failed to parse date field [yesterday] with format [strict_date_optional_time||epoch_millis]`},
		{`FROM idx | WHERE KQL("b:yes")`, `line 1:25: [KQL] function failed to create query [b:yes]: Can't parse boolean value [yes], expected [true] or [false]`},
		{`FROM idx | WHERE KQL("a:{ b:1 }")`, `line 1:23: [KQL] function failed to create query [a:{ b:1 }]: [a] is not a valid nested field name.`},
		{`FROM idx METADATA _id | WHERE KQL("_index:idx")`, `line 1:36: [KQL] function failed to create query [_index:idx]: metadata field [_index] is only searchable here when FROM requests it (METADATA _index)`},
		// MATCH arguments.
		{`FROM idx | WHERE MATCH(kw)`, `line 1:18: error building [match]: expects between 2 and 3 arguments`},
		{`FROM idx | WHERE MATCH(CONCAT(kw, "x"), "y")`, `line 1:24: [MATCH] function cannot operate on [CONCAT(kw, "x")], which is not a field from an index mapping`},
		{`FROM idx | EVAL k = kw | WHERE k : "y"`, `line 1:32: [:] operator cannot operate on [k], which is not a field from an index mapping`},
		{`FROM idx | WHERE MATCH(ip, 1)`, `line 1:18: first argument of [MATCH(ip, 1)] is [ip] so second argument must also be [ip] but was [integer]`},
		{`FROM idx | WHERE MATCH(n, TO_IP("1.1.1.1"))`, `line 1:18: first argument of [MATCH(n, TO_IP("1.1.1.1"))] is [numeric] so second argument must also be [numeric] but was [ip]`},
		{`FROM idx | WHERE MATCH(kw, kw)`, `line 1:28: Query must be a constant string in [MATCH(kw, kw)], found [kw]`},
		{`FROM idx | WHERE MATCH(kw, null)`, `line 1:18: second argument of [MATCH(kw, null)] cannot be null, received [null]`},
		{`FROM idx | WHERE MATCH(kw, "x", {"fuzzines": 1})`, `line 1:33: Invalid option [fuzzines] in [MATCH(kw, "x", {"fuzzines": 1})], expected one of [analyzer, auto_generate_synonyms_phrase_query, boost, fuzziness, fuzzy_rewrite, fuzzy_transpositions, lenient, max_expansions, minimum_should_match, operator, prefix_length, zero_terms_query]`},
		{`FROM idx | WHERE MATCH(kw, "x", {"max_expansions": "many"})`, `line 1:52: Invalid option [max_expansions] in [MATCH(kw, "x", {"max_expansions": "many"})], cannot convert [many] to [integer]`},
		{`FROM idx | WHERE MATCH(kw, "x", {"operator": "XOR"})`, `line 1:33: operator needs to be either [and] or [or], but not [XOR]`},
		{`FROM idx | WHERE MATCH(kw, "x", {"fuzziness": 3})`, `line 1:33: Valid edit distances are [0, 1, 2] but was [3]`},
		{`FROM idx | WHERE MATCH(kw, "x", {"analyzer": "english"})`, `line 1:33: [match] analyzer [english] not found`},
		{`FROM idx | WHERE MATCH(kw, "x", "opts")`, `line 1:33: third argument of [MATCH(kw, "x", "opts")] must be a map expression, received ["opts"]`},
		{`FROM idx | WHERE MATCH(n, "abc", {"lenient": false})`, `line 1:18: [MATCH] function failed to create query: For input string: "abc"`},
		{`FROM idx | WHERE n : 5.5 AND MATCH(n, 1, {"fuzziness": 2, "lenient": false})`, `line 1:30: [MATCH] function failed to create query: Can only use fuzzy queries on keyword and text fields - not on [n] which is of type [long]`},
	}
	for _, tt := range tests {
		_, err := tryRun(tt.q, Options{Catalog: ftCatalog, Now: testNow})
		if err == nil {
			t.Errorf("%s compiled, want %s", tt.q, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.q, err, tt.want)
		}
	}
}

// TestFullTextInputs: the fields a KQL query names are inputs of the
// program (so detect maps them), and only those.
func TestFullTextInputs(t *testing.T) {
	tests := []struct{ q, want string }{
		{`FROM idx | WHERE KQL("kw:foo and not event.*:x") | KEEP id`, "kw,event.action,event.category,id"},
		{`FROM idx | WHERE KQL("nope:1 or ts > 2024") | KEEP id`, "ts,id"},
		{`FROM idx | WHERE MATCH(n::keyword, "5") | KEEP id`, "n,id"},
		{`FROM idx | WHERE KQL("fox") | KEEP id`, "event.action,event.category,id,kw,msg,process.name,tags"},
	}
	for _, tt := range tests {
		p, err := Compile(tt.q, Options{Catalog: ftCatalog, Now: testNow})
		if err != nil {
			t.Errorf("%s: %v", tt.q, err)
			continue
		}
		if got := strings.Join(p.Inputs(), ","); got != tt.want {
			t.Errorf("%s: inputs %s, want %s", tt.q, got, tt.want)
		}
	}
}

// TestFullTextMetadata: KQL and MATCH search metadata fields FROM
// requests, with their types.
func TestFullTextMetadata(t *testing.T) {
	q := `FROM idx METADATA _index | WHERE MATCH(_index, "idx-1") OR KQL("_index:idx-2*") | KEEP id`
	r := run(t, q, ftCatalog, doc{"id": "1", "_index": "idx-1"}, doc{"id": "2", "_index": "idx-2024"}, doc{"id": "3", "_index": "other"})
	if got := strings.Join(r.table(), ","); got != "1,2" {
		t.Errorf("rows %s", got)
	}
}

// checkFTIDs runs each condition over the test rows and compares the ids of
// the rows it keeps.
func checkFTIDs(t *testing.T, tests []struct{ cond, want string }) {
	t.Helper()
	for _, tt := range tests {
		got, err := ftIDs(t, tt.cond)
		if err != nil {
			t.Errorf("WHERE %s: %v", tt.cond, err)
			continue
		}
		if got != tt.want {
			t.Errorf("WHERE %s = [%s], want [%s]", tt.cond, got, tt.want)
		}
	}
}

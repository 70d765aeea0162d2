package ruletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ParseFile reads and parses one script.
func ParseFile(path string) (*Script, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses a script; name is used in messages and to resolve relative
// rule paths. Errors name name:line.
func Parse(name string, data []byte) (*Script, error) {
	p := &parser{file: name, lines: strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")}
	p.shared = &Case{File: name, Line: 1, Dir: filepath.Dir(name)}
	p.cur = p.shared
	if err := p.parse(); err != nil {
		return nil, err
	}
	s := &Script{Path: name}
	if len(p.cases) == 0 {
		c := p.shared
		c.Name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
		p.cases = append(p.cases, c)
	}
	s.Cases = p.cases
	for _, c := range s.Cases {
		if c.Rule == "" && len(c.Queries) == 0 {
			return nil, errorf(name, c.Line, "case %q has no rule and no query", c.Name)
		}
		if c.Rule == "" && len(c.Expects) > 0 {
			return nil, errorf(name, c.Expects[0].Line, "expectation on alerts, but case %q has no rule", c.Name)
		}
		if c.Rule != "" && len(c.Expects) == 0 && len(c.Queries) == 0 {
			return nil, errorf(name, c.Line, "case %q expects nothing (add 'expect alerts N' or 'expect no alerts')", c.Name)
		}
	}
	return s, nil
}

type parser struct {
	file   string
	lines  []string
	i      int // index of the next line
	shared *Case
	cur    *Case
	cases  []*Case
}

// next returns the next line (1-based number) or ok=false at the end.
func (p *parser) next() (line string, n int, ok bool) {
	if p.i >= len(p.lines) {
		return "", 0, false
	}
	p.i++
	return p.lines[p.i-1], p.i, true
}

// stripComment removes a trailing "  # comment" from a directive line. A #
// inside a quoted string is kept.
func stripComment(s string) string {
	inStr := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if inStr {
				i++
			}
		case '"':
			inStr = !inStr
		case '#':
			if !inStr && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
				return strings.TrimSpace(s[:i])
			}
		}
	}
	return strings.TrimSpace(s)
}

func (p *parser) parse() error {
	for {
		raw, n, ok := p.next()
		if !ok {
			return nil
		}
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		if word != "query" {
			rest = stripComment(rest)
		}
		var err error
		switch word {
		case "case":
			err = p.startCase(n, rest)
		case "rule":
			if rest == "" {
				err = errorf(p.file, n, "rule needs bundled:ID or a path")
			}
			p.cur.Rule, p.cur.RuleLine = rest, n
		case "now":
			var t time.Time
			t, err = time.Parse(time.RFC3339Nano, rest)
			if err != nil {
				err = errorf(p.file, n, "now: want an RFC 3339 time such as 2026-11-02T09:00:00Z, got %q", rest)
			}
			p.cur.Now = t.UTC()
		case "requires":
			if rest != "geoip" {
				err = errorf(p.file, n, "requires: unknown capability %q (known: geoip)", rest)
			}
			p.cur.Requires = appendOnce(p.cur.Requires, rest)
		case "geoip":
			err = p.geoip(n, rest)
		case "records":
			err = p.records(n)
		case "expect":
			err = p.expect(n, rest)
		case "query":
			err = p.query(n, strings.TrimSpace(strings.TrimPrefix(line, "query")))
		case "end":
			err = errorf(p.file, n, "end without records, query or expect rows")
		default:
			err = errorf(p.file, n, "unknown directive %q (want case, rule, now, requires, geoip, records, query or expect)", word)
		}
		if err != nil {
			return err
		}
	}
}

// startCase begins a case that inherits the shared preamble.
func (p *parser) startCase(n int, name string) error {
	if name == "" {
		return errorf(p.file, n, "case needs a name")
	}
	for _, c := range p.cases {
		if c.Name == name {
			return errorf(p.file, n, "case %q already defined at line %d", name, c.Line)
		}
	}
	if len(p.shared.Expects) > 0 || len(p.shared.Queries) > 0 {
		return errorf(p.file, n, "expectations and queries belong in a case, not before the first case")
	}
	s := p.shared
	c := &Case{File: p.file, Line: n, Name: name, Rule: s.Rule, RuleLine: s.RuleLine, Dir: s.Dir, Now: s.Now,
		Requires: append([]string(nil), s.Requires...), Records: append([]Record(nil), s.Records...)}
	if s.GeoIP != nil {
		c.GeoIP = map[string]map[string]any{}
		for k, v := range s.GeoIP {
			c.GeoIP[k] = v
		}
	}
	p.cases = append(p.cases, c)
	p.cur = c
	return nil
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// geoip parses "geoip IP key=JSON key=JSON ...".
func (p *parser) geoip(n int, rest string) error {
	ip, kvs, _ := strings.Cut(rest, " ")
	if ip == "" || kvs == "" {
		return errorf(p.file, n, "geoip: want IP followed by field=JSON pairs")
	}
	fields := map[string]any{}
	s := strings.TrimSpace(kvs)
	for s != "" {
		k, v, ok := strings.Cut(s, "=")
		if !ok || strings.ContainsAny(k, " \t") {
			return errorf(p.file, n, "geoip: want field=JSON at %q", s)
		}
		if !geoIPKeys[k] {
			return errorf(p.file, n, "geoip: unknown field %q (want as.organization.name, as.number, geo.country_iso_code, geo.country_name, geo.continent_name, geo.region_iso_code, geo.region_name, geo.city_name or geo.location)", k)
		}
		val, _, after, err := leadingJSON(v)
		if err != nil {
			return errorf(p.file, n, "geoip: %s: %v", k, err)
		}
		fields[k] = val
		s = strings.TrimSpace(after)
	}
	if p.cur.GeoIP == nil {
		p.cur.GeoIP = map[string]map[string]any{}
	}
	p.cur.GeoIP[ip] = fields
	p.cur.Requires = appendOnce(p.cur.Requires, "geoip")
	return nil
}

// records reads raw records up to "end".
func (p *parser) records(start int) error {
	for {
		raw, n, ok := p.next()
		if !ok {
			return errorf(p.file, start, "records not closed by end")
		}
		line := strings.TrimSpace(raw)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case line == "end":
			return nil
		case strings.HasPrefix(line, "repeat "):
			if err := p.repeat(n, stripComment(line)); err != nil {
				return err
			}
			continue
		}
		rec, err := p.record(n, line)
		if err != nil {
			return err
		}
		p.cur.Records = append(p.cur.Records, rec)
	}
}

// record checks one record line: a JSON object, optionally followed by a
// comment. The record's bytes are kept as written.
func (p *parser) record(n int, line string) (Record, error) {
	v, raw, rest, err := leadingJSON(line)
	if err != nil {
		return Record{}, errorf(p.file, n, "record is not valid JSON: %v", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return Record{}, errorf(p.file, n, "record is not a JSON object")
	}
	if !onlyComment(rest) {
		return Record{}, errorf(p.file, n, "unexpected text after the record: %q", strings.TrimSpace(rest))
	}
	return Record{Line: n, Raw: []byte(raw)}, nil
}

// repeat expands "repeat N from TIME every DURATION" over the next line.
func (p *parser) repeat(n int, line string) error {
	f := strings.Fields(line)
	if len(f) != 6 || f[2] != "from" || f[4] != "every" {
		return errorf(p.file, n, "want: repeat N from TIME every DURATION")
	}
	count, err := strconv.Atoi(f[1])
	if err != nil || count < 1 || count > 100000 {
		return errorf(p.file, n, "repeat: count %q is not a number in 1..100000", f[1])
	}
	from, err := time.Parse(time.RFC3339Nano, f[3])
	if err != nil {
		return errorf(p.file, n, "repeat: from %q is not an RFC 3339 time", f[3])
	}
	every, err := time.ParseDuration(f[5])
	if err != nil {
		return errorf(p.file, n, "repeat: every %q is not a duration such as 2s or 1m", f[5])
	}
	var tmpl string
	var tn int
	for {
		raw, ln, ok := p.next()
		if !ok {
			return errorf(p.file, n, "repeat needs a template record on the next line")
		}
		if s := strings.TrimSpace(raw); s != "" && !strings.HasPrefix(s, "#") {
			tmpl, tn = s, ln
			break
		}
	}
	for i := 0; i < count; i++ {
		t := from.Add(time.Duration(i) * every).UTC()
		s := strings.ReplaceAll(tmpl, "{{n}}", strconv.Itoa(i+1))
		s = strings.ReplaceAll(s, "{{time}}", t.Format(time.RFC3339Nano))
		rec, err := p.record(tn, s)
		if err != nil {
			return err
		}
		p.cur.Records = append(p.cur.Records, rec)
	}
	return nil
}

// expect parses one expectation.
func (p *parser) expect(n int, rest string) error {
	f := strings.Fields(rest)
	switch {
	case rest == "no alerts":
		p.cur.Expects = append(p.cur.Expects, Expect{Line: n, Kind: ExpectCount, N: 0})
	case len(f) == 2 && f[0] == "alerts":
		k, err := strconv.Atoi(f[1])
		if err != nil || k < 0 {
			return errorf(p.file, n, "expect alerts: %q is not a count", f[1])
		}
		p.cur.Expects = append(p.cur.Expects, Expect{Line: n, Kind: ExpectCount, N: k})
	case len(f) >= 4 && f[0] == "alert":
		k, err := strconv.Atoi(f[1])
		if err != nil || k < 1 {
			return errorf(p.file, n, "expect alert: %q is not an alert number (1, 2, ...)", f[1])
		}
		// alert I FIELD = JSON
		after := strings.TrimSpace(rest[len("alert"):])
		after = strings.TrimSpace(after[len(f[1]):])
		field, val, ok := strings.Cut(after, "=")
		field = strings.TrimSpace(field)
		if !ok || field == "" || strings.ContainsAny(field, " \t") {
			return errorf(p.file, n, "want: expect alert I FIELD = JSON")
		}
		v, raw, tail, err := leadingJSON(val)
		if err != nil {
			return errorf(p.file, n, "expect alert %d %s: value is not JSON: %v", k, field, err)
		}
		if !onlyComment(tail) {
			return errorf(p.file, n, "unexpected text after the value: %q", strings.TrimSpace(tail))
		}
		p.cur.Expects = append(p.cur.Expects, Expect{Line: n, Kind: ExpectField, N: k, Field: field, Value: v, Text: raw})
	case len(f) >= 2 && f[0] == "warning":
		p.cur.Expects = append(p.cur.Expects, Expect{Line: n, Kind: ExpectWarning, Text: strings.TrimSpace(rest[len("warning"):])})
	case rest == "no rows", f != nil && f[0] == "rows":
		return p.rows(n, rest)
	default:
		return errorf(p.file, n, "unknown expectation %q (want: alerts N, no alerts, alert I FIELD = JSON, warning TEXT, rows, no rows)", rest)
	}
	return nil
}

// query reads "query TEXT" or a multi-line query closed by "end".
func (p *parser) query(n int, text string) error {
	if text == "" {
		var b []string
		for {
			raw, _, ok := p.next()
			if !ok {
				return errorf(p.file, n, "query not closed by end")
			}
			if strings.TrimSpace(raw) == "end" {
				break
			}
			b = append(b, raw)
		}
		text = strings.TrimSpace(strings.Join(b, "\n"))
	}
	if text == "" {
		return errorf(p.file, n, "empty query")
	}
	p.cur.Queries = append(p.cur.Queries, &Query{Line: n, Text: text})
	return nil
}

// rows reads "expect rows [unordered]" and its table, or "expect no rows".
func (p *parser) rows(n int, rest string) error {
	if len(p.cur.Queries) == 0 {
		return errorf(p.file, n, "expect rows without a query before it")
	}
	q := p.cur.Queries[len(p.cur.Queries)-1]
	if q.Expect {
		return errorf(p.file, n, "the query at line %d already has expected rows", q.Line)
	}
	q.Expect, q.ExpectAt = true, n
	if rest == "no rows" {
		return nil
	}
	switch strings.TrimSpace(strings.TrimPrefix(rest, "rows")) {
	case "":
	case "unordered":
		q.Unordered = true
	default:
		return errorf(p.file, n, "want: expect rows [unordered]")
	}
	header := false
	for {
		raw, ln, ok := p.next()
		if !ok {
			return errorf(p.file, n, "expect rows not closed by end")
		}
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if line == "end" {
			if !header {
				return errorf(p.file, n, "expect rows needs a header line of column names")
			}
			return nil
		}
		if !header {
			for _, c := range strings.Split(line, "|") {
				q.Columns = append(q.Columns, strings.TrimSpace(c))
			}
			header = true
			continue
		}
		row, err := tableRow(line)
		if err != nil {
			return errorf(p.file, ln, "%v", err)
		}
		if len(row) != len(q.Columns) {
			return errorf(p.file, ln, "row has %d cells, header has %d columns", len(row), len(q.Columns))
		}
		q.Rows = append(q.Rows, row)
	}
}

// tableRow splits "JSON | JSON | ..." by decoding each cell, so a | inside a
// JSON string is not a separator.
func tableRow(line string) ([]any, error) {
	var row []any
	s := line
	for {
		v, _, rest, err := leadingJSON(s)
		if err != nil {
			return nil, fmt.Errorf("cell %d is not JSON: %v", len(row)+1, err)
		}
		row = append(row, v)
		rest = strings.TrimSpace(rest)
		if onlyComment(rest) {
			return row, nil
		}
		if rest[0] != '|' {
			return nil, fmt.Errorf("want | between cells, got %q", rest)
		}
		s = rest[1:]
	}
}

// eventTime reads a record's eventTime, for the default "now".
func eventTime(raw []byte) (time.Time, bool) {
	var r struct {
		EventTime string `json:"eventTime"`
	}
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&r); err != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, r.EventTime)
	return t, err == nil
}

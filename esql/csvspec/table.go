package csvspec

import (
	"fmt"
	"strings"
)

// typeAliases maps every type name csv-spec headers may use (upper-cased, as
// CsvTestUtils.Type.asType looks them up) to the canonical name used here.
// Source: CsvTestUtils.Type and its LOOKUP aliases (short/byte widen to
// integer; i, l, ul, d, k, s, string, txt, bool, n, date, dt, v).
var typeAliases = map[string]string{
	"INTEGER": "integer", "I": "integer", "SHORT": "integer", "BYTE": "integer", "COUNTER_INTEGER": "integer",
	"LONG": "long", "L": "long", "COUNTER_LONG": "long",
	"UNSIGNED_LONG": "unsigned_long", "UL": "unsigned_long",
	"DOUBLE": "double", "D": "double", "COUNTER_DOUBLE": "double",
	"FLOAT": "float", "COUNTER_FLOAT": "float",
	"HALF_FLOAT":   "half_float",
	"SCALED_FLOAT": "scaled_float",
	"KEYWORD":      "keyword", "K": "keyword", "S": "keyword", "STRING": "keyword",
	"TEXT": "text", "TXT": "text",
	"SEMANTIC_TEXT": "semantic_text",
	"BOOLEAN":       "boolean", "BOOL": "boolean",
	"DATETIME": "datetime", "DATE": "datetime", "DT": "datetime",
	"DATE_NANOS": "date_nanos",
	"IP":         "ip",
	"VERSION":    "version", "V": "version",
	"NULL": "null", "N": "null",
	"TIME_DURATION":   "time_duration",
	"DATE_PERIOD":     "date_period",
	"GEO_POINT":       "geo_point",
	"CARTESIAN_POINT": "cartesian_point",
	"GEO_SHAPE":       "geo_shape",
	"CARTESIAN_SHAPE": "cartesian_shape",
}

// CanonicalType returns the canonical name of a csv-spec header type name
// ("i" -> "integer", "date" -> "datetime", ...), and false for an unknown name.
func CanonicalType(name string) (string, bool) {
	t, ok := typeAliases[strings.ToUpper(name)]
	return t, ok
}

// parseTable parses an expected-results block (lines joined by "\r\n") the
// way CsvTestUtils.loadCsvSpecValues does: SuperCSV with quote '"' and
// delimiter '|', a `name:type` header, cells trimmed, `null` (any case) is
// null, `[a, b]` is a multi-value split on commas not preceded by '\'.
func parseTable(data string) ([]ExpectedColumn, [][]Cell, error) {
	records, err := tokenizePipeCSV(data)
	if err != nil {
		return nil, nil, err
	}
	if len(records) == 0 {
		return nil, nil, fmt.Errorf("no header")
	}
	cols := make([]ExpectedColumn, 0, len(records[0]))
	for _, h := range records[0] {
		if h == nil {
			return nil, nil, fmt.Errorf("empty column in header")
		}
		col, err := parseHeaderCell(*h)
		if err != nil {
			return nil, nil, err
		}
		cols = append(cols, col)
	}
	rows := make([][]Cell, 0, len(records)-1)
	for ri, rec := range records[1:] {
		if len(rec) != len(cols) {
			return nil, nil, fmt.Errorf("row %d has %d cells, header has %d columns", ri+1, len(rec), len(cols))
		}
		row := make([]Cell, len(rec))
		for i, raw := range rec {
			c, err := parseCell(raw)
			if err != nil {
				return nil, nil, fmt.Errorf("row %d column %d: %v", ri+1, i+1, err)
			}
			row[i] = c
		}
		rows = append(rows, row)
	}
	return cols, rows, nil
}

// parseHeaderCell splits `name:type`. A "::" inside the name (a cast such as
// `x::integer:integer`) is not a separator (CsvTestUtils.escapeTypecast).
func parseHeaderCell(h string) (ExpectedColumn, error) {
	const spacer = "\x00TYPECAST\x00"
	parts := strings.Split(strings.ReplaceAll(h, "::", spacer), ":")
	for len(parts) > 0 && parts[len(parts)-1] == "" { // Java's split drops trailing empties
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 2 {
		return ExpectedColumn{}, fmt.Errorf("invalid CSV header %q", h)
	}
	name := javaTrim(strings.ReplaceAll(parts[0], spacer, "::"))
	typ := javaTrim(strings.ReplaceAll(parts[1], spacer, "::"))
	if typ == "" {
		return ExpectedColumn{}, fmt.Errorf("a type is always expected in the csv file; found %q", h)
	}
	ct, ok := CanonicalType(typ)
	if !ok {
		return ExpectedColumn{}, fmt.Errorf("unknown type name: [%s]", typ)
	}
	return ExpectedColumn{Name: name, Type: ct}, nil
}

// parseCell converts one raw SuperCSV cell (nil = empty) to a Cell.
func parseCell(raw *string) (Cell, error) {
	if raw == nil {
		// SuperCSV reads an empty cell as null; loadCsvSpecValues turns it
		// back into the empty string.
		return Cell{Values: []string{""}}, nil
	}
	v := javaTrim(*raw)
	if strings.EqualFold(v, "null") {
		return Cell{Null: true}, nil
	}
	if !strings.HasPrefix(v, "[") {
		// Escaped commas outside multi-values are kept as written.
		return Cell{Values: []string{v}}, nil
	}
	if !strings.HasSuffix(v, "]") || len(v) < 2 {
		return Cell{}, fmt.Errorf("incomplete multi-value (opening and closing square brackets) found %s", v)
	}
	parts := splitMV(v[1 : len(v)-1])
	if len(parts) == 1 {
		// A one-element list is a single value; loadCsvSpecValues does not
		// trim it.
		return Cell{Values: []string{strings.ReplaceAll(parts[0], `\,`, ",")}}, nil
	}
	vals := make([]string, len(parts))
	for i, p := range parts {
		vals[i] = strings.ReplaceAll(javaTrim(p), `\,`, ",")
	}
	return Cell{Multi: true, Values: vals}, nil
}

// splitMV splits s on commas not preceded by '\' (CsvTestUtils
// COMMA_ESCAPING_REGEX "(?<!\\),"), dropping trailing empty
// parts as java.lang.String.split does (but always returning at least one
// part, as split does for "").
func splitMV(s string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ',' && (i == 0 || s[i-1] != '\\') {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	parts = append(parts, s[start:])
	if len(parts) == 1 {
		return parts
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 {
		return []string{""}
	}
	return parts
}

// tokenizePipeCSV splits text into records of cells like SuperCSV's
// Tokenizer with CsvPreference('"', '|', "\r\n"): a quote anywhere in a cell
// opens a quoted section (the quotes are dropped, `""` inside is one quote),
// delimiters and line ends inside quotes are literal, an empty cell is nil,
// empty lines are ignored.
func tokenizePipeCSV(text string) ([][]*string, error) {
	var (
		records [][]*string
		rec     []*string
		cur     strings.Builder
		inQuote bool
		nonEmpt bool // current record has content (to ignore empty lines)
	)
	endCell := func() {
		if cur.Len() == 0 {
			rec = append(rec, nil)
		} else {
			s := cur.String()
			rec = append(rec, &s)
		}
		cur.Reset()
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if inQuote {
			if c == '"' {
				if i+1 < len(text) && text[i+1] == '"' {
					cur.WriteByte('"')
					i++
				} else {
					inQuote = false
				}
				continue
			}
			cur.WriteByte(c)
			continue
		}
		switch c {
		case '"':
			inQuote = true
			nonEmpt = true
		case '|':
			endCell()
			nonEmpt = true
		case '\r', '\n':
			if c == '\r' && i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			if nonEmpt || cur.Len() > 0 {
				endCell()
				records = append(records, rec)
			}
			rec, nonEmpt = nil, false
			cur.Reset()
		default:
			cur.WriteByte(c)
			nonEmpt = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quoted cell")
	}
	if nonEmpt || cur.Len() > 0 {
		endCell()
		records = append(records, rec)
	}
	return records, nil
}

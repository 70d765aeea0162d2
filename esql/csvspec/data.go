package csvspec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trailql/trailql/esql"
)

// datasetFiles names a data set's CSV and mapping files.
type datasetFiles struct {
	csv, mapping string // mapping "" = use the CSV header types only
}

// bundled lists the data sets copied into shared/testdata/esql-csv-spec, as
// CsvTestsDataLoader registers them (TestsDataset("employees",
// "mapping-default.json", "employees.csv"), ...). mapping-sample_data.json is
// not bundled (README: its stored version does not match the CSV header), so
// sample_data uses its CSV header types.
var bundled = map[string]datasetFiles{
	"employees":   {csv: "employees.csv", mapping: "mapping-default.json"},
	"hosts":       {csv: "hosts.csv", mapping: "mapping-hosts.json"},
	"sample_data": {csv: "sample_data.csv"},
}

// BundledDatasets returns the names of the data sets this harness can load.
func BundledDatasets() []string {
	names := make([]string, 0, len(bundled))
	for n := range bundled {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Dataset is one test index: its field catalog and its documents in file order.
type Dataset struct {
	Name    string
	Catalog esql.Catalog   // field -> ES|QL type (mapping fields plus CSV-only fields)
	Fields  []string       // CSV columns in file order
	Rows    [][]esql.Value // documents in file order, aligned with Fields; null = field missing
	index   map[string]int
}

// Value returns field of document row, or null when the document lacks it.
func (d *Dataset) Value(row int, field string) esql.Value {
	if i, ok := d.index[field]; ok {
		return d.Rows[row][i]
	}
	return null
}

// LoadDataset loads bundled data set name from dir.
func LoadDataset(dir, name string) (*Dataset, error) {
	files, ok := bundled[name]
	if !ok {
		return nil, fmt.Errorf("data set %s not bundled", name)
	}
	var mapping map[string]fieldMapping
	if files.mapping != "" {
		var err error
		if mapping, err = loadMapping(filepath.Join(dir, files.mapping)); err != nil {
			return nil, err
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, files.csv))
	if err != nil {
		return nil, err
	}
	return parseDataset(name, files.csv, string(data), mapping)
}

// fieldMapping is the part of an ES field mapping the loader needs.
type fieldMapping struct {
	Type          string
	ScalingFactor float64
}

// loadMapping flattens an ES mapping file into dotted field names, including
// multi-fields ("fields") and object sub-fields ("properties").
func loadMapping(path string) (map[string]fieldMapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	out := map[string]fieldMapping{}
	if err := flattenMapping("", root.Properties, out); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return out, nil
}

func flattenMapping(prefix string, props map[string]json.RawMessage, out map[string]fieldMapping) error {
	for name, raw := range props {
		var f struct {
			Type          string                     `json:"type"`
			ScalingFactor float64                    `json:"scaling_factor"`
			Fields        map[string]json.RawMessage `json:"fields"`
			Properties    map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("field %s%s: %v", prefix, name, err)
		}
		full := prefix + name
		if f.Type != "" || f.Properties == nil {
			t := f.Type
			if t == "" {
				t = "object"
			}
			out[full] = fieldMapping{Type: t, ScalingFactor: f.ScalingFactor}
		}
		if err := flattenMapping(full+".", f.Fields, out); err != nil {
			return err
		}
		if err := flattenMapping(full+".", f.Properties, out); err != nil {
			return err
		}
	}
	return nil
}

// headerMappingType turns a data CSV header type into the ES mapping type it
// stands for (the CSV types are mapping type names, with csv-spec aliases).
func headerMappingType(t string) (string, error) {
	ct, ok := CanonicalType(t)
	if !ok {
		return "", fmt.Errorf("unknown type %q", t)
	}
	if ct == "datetime" {
		return "date", nil
	}
	if ct == "null" {
		return "", fmt.Errorf("null type is not allowed in test data")
	}
	if strings.EqualFold(t, "short") || strings.EqualFold(t, "byte") {
		return strings.ToLower(t), nil
	}
	return ct, nil
}

// parseDataset parses a data CSV (CsvTestUtils.loadPageFromCsv): lines are
// trimmed, blank and comment lines skipped, the first line is the
// `name:type` header, cells are comma separated and trimmed, `[a,b]` is a
// multi-value, an empty cell (or `[]`) is a missing field.
func parseDataset(name, file, text string, mapping map[string]fieldMapping) (*Dataset, error) {
	d := &Dataset{Name: name, Catalog: esql.Catalog{}, index: map[string]int{}}
	var (
		kinds []fieldMapping // per column: mapping type that decides value conversion
		types []esql.DataType
	)
	for f, m := range mapping {
		d.Catalog[f] = esql.TypeFromMapping(m.Type)
	}
	for n, line := range strings.Split(text, "\n") {
		lineNo := n + 1
		line = javaTrim(line)
		if n == 0 {
			line = javaTrim(strings.TrimPrefix(line, "\ufeff"))
		}
		if skipLine(line) {
			continue
		}
		cells, err := splitDataLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", file, lineNo, err)
		}
		if d.Fields == nil {
			for _, c := range cells {
				if len(c) != 1 {
					return nil, fmt.Errorf("%s:%d: bad header cell", file, lineNo)
				}
				fname, ftype, ok := strings.Cut(c[0], ":")
				fname, ftype = javaTrim(fname), javaTrim(ftype)
				if !ok || ftype == "" {
					return nil, fmt.Errorf("%s:%d: a type is always expected in the schema definition; found %q", file, lineNo, c[0])
				}
				mt, err := headerMappingType(ftype)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: field %s: %v", file, lineNo, fname, err)
				}
				// The mapping decides the field type when it has the field
				// (that is what Elasticsearch indexes with); README: the old
				// mapping-hosts.json lacks some CSV fields, so the CSV header
				// fills the gaps.
				fm, inMapping := mapping[fname]
				if !inMapping {
					fm = fieldMapping{Type: mt}
					d.Catalog[fname] = esql.TypeFromMapping(mt)
				}
				d.index[fname] = len(d.Fields)
				d.Fields = append(d.Fields, fname)
				kinds = append(kinds, fm)
				types = append(types, d.Catalog[fname])
			}
			continue
		}
		if len(cells) != len(d.Fields) {
			return nil, fmt.Errorf("%s:%d: incorrect number of entries; expected [%d] but found [%d]", file, lineNo, len(d.Fields), len(cells))
		}
		row := make([]esql.Value, len(cells))
		for i, c := range cells {
			v, err := docValue(types[i], kinds[i], c)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: field %s value %q: %v", file, lineNo, d.Fields[i], strings.Join(c, ","), err)
			}
			row[i] = v
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Fields == nil {
		return nil, fmt.Errorf("%s: no header", file)
	}
	return d, nil
}

// docValue converts the texts of one cell into the value Elasticsearch would
// read from doc values: floats lose precision as the mapping type dictates,
// multi-values are sorted (esql.FromGo normalises them as doc values).
func docValue(t esql.DataType, fm fieldMapping, texts []string) (esql.Value, error) {
	if len(texts) == 0 || t == typeUnsupported {
		return null, nil
	}
	conv := func(s string) (any, error) {
		switch fm.Type {
		case "float", "half_float", "scaled_float":
			return indexedFloat(fm, s)
		}
		return s, nil
	}
	if len(texts) == 1 {
		x, err := conv(texts[0])
		if err != nil {
			return null, err
		}
		return esql.FromGo(t, x)
	}
	if t == typeKeyword || t == typeText {
		return esql.FromGo(t, texts)
	}
	xs := make([]any, len(texts))
	for i, s := range texts {
		x, err := conv(s)
		if err != nil {
			return null, err
		}
		xs[i] = x
	}
	return esql.FromGo(t, xs)
}

// splitDataLine splits a data CSV line into cells (CsvTestUtils
// multiValuesAwareCsvToStringArray + CsvColumn.append): commas not preceded
// by '\' separate cells; a cell from `[` to `]` is a multi-value; `"..."`
// is a string with `\,` unescaped; an empty cell or `[]` is nil (missing).
func splitDataLine(line string) ([][]string, error) {
	var raw []string
	start := 0
	for i := 0; i < len(line); i++ {
		if line[i] == ',' && (i == 0 || line[i-1] != '\\') {
			raw = append(raw, line[start:i])
			start = i + 1
		}
	}
	raw = append(raw, line[start:])

	var (
		out  [][]string
		mv   []string
		inMV bool
	)
	for _, e := range raw {
		e = javaTrim(e)
		if inMV {
			if strings.HasSuffix(e, "]") {
				mv = append(mv, javaTrim(e[:len(e)-1]))
				out = append(out, mv)
				mv, inMV = nil, false
				continue
			}
			if e == "" {
				return nil, fmt.Errorf("unexpected missing value in a multi-value column")
			}
			if strings.HasPrefix(e, "[") {
				return nil, fmt.Errorf("unexpected start of a multi-value inside a multi-value: %q", e)
			}
			mv = append(mv, e)
			continue
		}
		switch {
		case strings.HasPrefix(e, "["):
			if strings.HasSuffix(e, "]") {
				inner := javaTrim(e[1 : len(e)-1])
				if inner == "" {
					out = append(out, nil)
				} else {
					out = append(out, []string{inner})
				}
				continue
			}
			inMV, mv = true, []string{javaTrim(e[1:])}
		case strings.HasSuffix(e, "]"):
			return nil, fmt.Errorf("unexpected end of a multi-value (no starting point): %q", e)
		case e == "":
			out = append(out, nil)
		case len(e) >= 2 && e[0] == '"' && e[len(e)-1] == '"':
			out = append(out, []string{strings.ReplaceAll(e[1:len(e)-1], `\,`, ",")})
		default:
			out = append(out, []string{e})
		}
	}
	if inMV {
		return nil, fmt.Errorf("multi-value has no closing ']'")
	}
	return out, nil
}

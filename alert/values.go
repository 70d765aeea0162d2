package alert

import (
	"encoding/json"
	"math"
	"time"
)

// esTime is how ES|QL's JSON response renders a datetime (and how Kibana
// writes @timestamp): UTC with milliseconds.
const esTime = "2006-01-02T15:04:05.000Z"

// normalize prepares a result-row value for the alert: nil for null (the
// cell is then omitted, as Kibana's drop_null_columns + rowToDocument do,
// docs/esql-semantics.md §B2), NaN and infinities (not representable in JSON)
// become null, empty multi-values become null, and a time.Time is rendered as
// ES|QL renders a datetime. Other values pass through: the caller supplies
// JSON-ready values (string, bool, int64, float64, json.Number, []any).
func normalize(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil
		}
	case time.Time:
		return x.UTC().Format(esTime)
	case []any:
		if len(x) == 0 {
			return nil
		}
		var out []any // copied only if an element changes
		for i, e := range x {
			n := normalize(e)
			if out == nil && !sameScalar(n, e) {
				out = append([]any(nil), x...)
			}
			if out != nil {
				out[i] = n
			}
		}
		if out != nil {
			return out
		}
		return x
	case []string:
		if len(x) == 0 {
			return nil
		}
	case json.Number:
		return x
	}
	return v
}

// sameScalar reports whether normalize left e unchanged (only floats and
// times change, and those compare cheaply).
func sameScalar(n, e any) bool {
	switch e.(type) {
	case float64, float32, time.Time:
		return n == e
	}
	return true
}

// metadataColumns are Elasticsearch metadata fields a query can request
// (METADATA _id, _index, _version, ...). They cannot be stored inside a
// document, so Kibana keeps them out of the alert source; _id and _index
// feed kibana.alert.ancestors instead.
var metadataColumns = map[string]bool{
	"_id": true, "_index": true, "_version": true, "_score": true, "_source": true,
	"_ignored": true, "_index_mode": true, "_seq_no": true, "_routing": true, "_tsid": true,
}

// rowValue returns the normalized value of column name in the row, nil if
// the column is absent or null.
func rowValue(cols []string, row []any, name string) any {
	for i, c := range cols {
		if c == name {
			if i < len(row) {
				return normalize(row[i])
			}
			return nil
		}
	}
	return nil
}

package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// idVersion namespaces the hashed encoding, so a future change of scheme
// cannot collide with ids already sent.
const idVersion = "trailql.alert.v1"

// ID computes the alert id (kibana.alert.uuid) Build would give the row,
// without building the document: a cheap check against alerts already
// sent. Arguments are as for Build.
func ID(ruleID string, cols []string, row []any, groupBy []string) string {
	return alertID(ruleID, cols, row, groupBy)
}

// alertID computes kibana.alert.uuid: the SHA-256 (hex) of a canonical
// JSON array.
//
//   - Aggregating rules (groupBy non-nil):
//     [idVersion, "group", rule_id, by1, value1, by2, value2, ...].
//     A missing or null BY value encodes as null: the null key is a group
//     of its own (docs/esql-semantics.md §A6).
//   - Non-aggregating rules: [idVersion, "event", rule_id, "_id", v] when
//     the row has _id, else [..., "event.id", v], else
//     [..., "row", [[col, value], ...]] over the non-null columns.
//
// Why this deliberately differs from Kibana (docs/esql-semantics.md §B3):
// Kibana hashes an aggregating row with the run's time range, the query text
// and the row's position, so every overlapping run re-alerts the same group
// (Elastic's docs admit the duplicates) and batch and live runs could never
// agree. trailql's id names the logical alert: the same rule and group (or
// source event) always give the same id, whatever the run, the row order or
// the query's later revisions, so state can drop what was already sent and an
// alert whose aggregates change is an update of the same id. The id uses
// SHA-256 rather than Kibana's SHA-1 of object-hash: byte-compatibility with
// Kibana ids is not a goal, since the inputs differ anyway.
func alertID(ruleID string, cols []string, row []any, groupBy []string) string {
	parts := make([]any, 0, 4+2*len(groupBy))
	parts = append(parts, idVersion)
	switch {
	case groupBy != nil:
		parts = append(parts, "group", ruleID)
		for _, g := range groupBy {
			parts = append(parts, g, rowValue(cols, row, g))
		}
	default:
		parts = append(parts, "event", ruleID)
		if v := rowValue(cols, row, "_id"); v != nil {
			parts = append(parts, "_id", v)
		} else if v := rowValue(cols, row, "event.id"); v != nil {
			parts = append(parts, "event.id", v)
		} else {
			pairs := make([]any, 0, len(cols))
			for i, c := range cols {
				if i >= len(row) {
					break
				}
				if v := normalize(row[i]); v != nil {
					pairs = append(pairs, []any{c, v})
				}
			}
			parts = append(parts, "row", pairs)
		}
	}
	b, err := json.Marshal(parts)
	if err != nil {
		// Only unencodable values (channels, funcs) get here: hash
		// their printed form rather than fail; rows are JSON-ready.
		b = []byte(fmtFallback(parts))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// EpisodeID is the id of one episode of a replayed rule's alert: the group
// (or source event) whose ID is id, qualifying in consecutive scheduled runs
// from the run at first. A group that stops qualifying and later qualifies
// again is a new episode, and a new alert, as in Kibana; the same episode
// always gets the same id, whichever driver evaluates it.
func EpisodeID(id string, first time.Time) string {
	b, _ := json.Marshal([]any{idVersion, "episode", id, first.UTC().Format(time.RFC3339Nano)})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

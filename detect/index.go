package detect

import (
	"fmt"
	"path"
	"strings"

	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql/parser"
)

// DataStream is the name under which trailql presents CloudTrail events:
// the data stream Elastic's AWS integration writes them to.
const DataStream = "logs-aws.cloudtrail-default"

// checkIndices fails like Elasticsearch's "Unknown index" when no FROM
// pattern of the query matches the CloudTrail data stream. Rules that read
// several sources (CloudTrail and endpoint events) pass: one pattern is
// enough, and fields of the other sources simply read as null.
func checkIndices(q *parser.Query) error {
	from, ok := q.Source.(*parser.FromCommand)
	if !ok {
		return nil // ROW and the like read no index
	}
	for _, pat := range from.Indices {
		if indexMatches(pat) {
			return nil
		}
	}
	return parser.ErrorList{{Pos: from.Pos(), Msg: fmt.Sprintf("Unknown index [%s]: trailql serves CloudTrail as %s", strings.Join(from.Indices, ","), DataStream)}}
}

// indexMatches reports whether an index pattern (with * wildcards, an
// optional cluster: prefix is not supported) matches the data stream or its
// backing indices.
func indexMatches(pat string) bool {
	if strings.HasPrefix(pat, "-") {
		return false // an exclusion selects nothing by itself
	}
	for _, name := range []string{DataStream, ".ds-" + DataStream + "-2026.01.01-000001"} {
		if ok, err := path.Match(pat, name); err == nil && ok {
			return true
		}
	}
	return false
}

// fromIndices returns the query's FROM patterns (none for ROW).
func fromIndices(q *parser.Query) []string {
	if from, ok := q.Source.(*parser.FromCommand); ok {
		return from.Indices
	}
	return nil
}

// dataStreamOf names the data stream of a document of another integration
// ("logs-endpoint.events.process-default"), or "" for a CloudTrail event,
// which every loaded rule reads (checkIndices).
func dataStreamOf(ev ecs.Event) string {
	ds, _ := ev["data_stream.dataset"].(string)
	if ds == "" || ds == "aws.cloudtrail" {
		return ""
	}
	typ, _ := ev["data_stream.type"].(string)
	ns, _ := ev["data_stream.namespace"].(string)
	return typ + "-" + ds + "-" + ns
}

// matchesIndex reports whether some pattern selects the data stream.
func matchesIndex(patterns []string, stream string) bool {
	for _, p := range patterns {
		if ok, err := path.Match(p, stream); err == nil && ok {
			return true
		}
	}
	return false
}

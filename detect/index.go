package detect

import (
	"fmt"
	"path"
	"strings"

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

package detect

import "github.com/trailql/trailql/esql/parser"

// KeyedBy reports whether every group of the rule lives within the events
// of one value of field: the rule does not aggregate (each alert is one
// event), or each of its STATS groups BY field itself (the seed rule: BY
// the time window and aws.cloudtrail.user_identity.arn). Such a rule gives
// the same alerts over events partitioned by field (Kafka keyed by the
// ARN) as over all of them.
func (c *Compiled) KeyedBy(field string) bool {
	for _, cmd := range c.Program.Query().Commands {
		s, ok := cmd.(*parser.StatsCommand)
		if !ok || s.Inline {
			continue
		}
		keyed := false
		for _, g := range s.Groups {
			if id, ok := g.Expr.(*parser.Ident); ok && id.Name == field {
				keyed = true
			}
		}
		if !keyed {
			return false
		}
	}
	return true
}

package kafka

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/esql"
	"github.com/trailql/trailql/esql/parser"
)

// The events topic is keyed by userIdentity.arn, so a rule gives the same
// alerts on a partition as on the whole stream only if each of its groups
// lives within one ARN. The others are routed by a repartition topic of
// their own, as Kafka Streams routes a groupBy on a new key: ingest
// evaluates the rule's row-local part (its commands before the first
// STATS: WHERE, EVAL, GROK, ...) on each record and produces the records
// that reach the STATS to <topic>.rekey.<rule_id>.<hash>, keyed by the
// values of the STATS' BY keys. Every record of a group then lands on the
// partition of its key. The key is a subset of the BY keys chosen so that
// ingest and watch compute it alike (docs/kafka-scaleout.md §5.3):
//
//   - keys that survive every later STATS unchanged: a group of the last
//     STATS must not gather rows from several partitions;
//   - not the time bucket (datetime keys): a group of any bucket then
//     stays on one partition, and any subset of the keys is as correct as
//     all of them;
//   - not keys computed from GeoIP enrichment (source.geo.*, source.as.*)
//     or from NOW(): ingest runs without the databases and at another
//     time than the rule's runs;
//   - not keys the alert no longer carries as columns: a record whose key
//     is multi-valued is sent to the partition of each value, and the
//     member drops the groups of the values that are not its own, which it
//     reads back from the alert.
//
// When no key is left, every record of the rule goes to one partition (a
// constant key): exact, but that rule does not scale out. Filters of the
// row-local part that read enrichment or NOW() are left out at ingest, so
// it forwards a superset of what the rule reads.

// ARNField is the ECS field the events topic is keyed by.
const ARNField = "aws.cloudtrail.user_identity.arn"

// Route is a rule's repartition topic and how ingest keys records for it.
type Route struct {
	// Topic is the repartition topic.
	Topic string
	// Rule is the rule routed.
	Rule *detect.Compiled
	// Keys are the columns the records are keyed by (none: one partition).
	Keys []string
	// Query is the ES|QL ingest evaluates on each record: the rule's
	// row-local part, then the key columns.
	Query string
	// why says what the route gave up, for logs ("" when nothing).
	why string

	prog *esql.Program
}

// Plan is where each rule of a run reads its events: the events topic (the
// rules whose groups stay within one ARN, and the non-aggregating ones) or
// a repartition topic of its own.
type Plan struct {
	// Topic is the events topic.
	Topic string
	// Main are the rules run on the events topic.
	Main []*detect.Compiled
	// Routes are the repartition topics, one per rule run on one.
	Routes []*Route
}

// NewPlan routes rules for the events topic topic.
func NewPlan(topic string, rules []*detect.Compiled) (*Plan, error) {
	p := &Plan{Topic: topic}
	for _, c := range rules {
		r, err := route(topic, c)
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", c.Rule.Name, err)
		}
		if r == nil {
			p.Main = append(p.Main, c)
		} else {
			p.Routes = append(p.Routes, r)
		}
	}
	return p, nil
}

// Topics are the topics the plan's rules read, the events topic first
// (when a rule runs there).
func (p *Plan) Topics() []string {
	var out []string
	if len(p.Main) > 0 {
		out = append(out, p.Topic)
	}
	for _, r := range p.Routes {
		out = append(out, r.Topic)
	}
	return out
}

// Rules are the rules run on topic.
func (p *Plan) Rules(topic string) []*detect.Compiled {
	if topic == p.Topic {
		return p.Main
	}
	for _, r := range p.Routes {
		if r.Topic == topic {
			return []*detect.Compiled{r.Rule}
		}
	}
	return nil
}

// Route returns the route of topic (nil for the events topic).
func (p *Plan) Route(topic string) *Route {
	for _, r := range p.Routes {
		if r.Topic == topic {
			return r
		}
	}
	return nil
}

// groupKey is a BY key of the first STATS.
type groupKey struct {
	name string
	expr parser.Expr
}

// route decides where rule c reads its events: nil for the events topic.
func route(topic string, c *detect.Compiled) (*Route, error) {
	q := c.Program.Query()
	cmds := q.Commands
	first := -1
	for i, cmd := range cmds {
		if _, ok := cmd.(*parser.StatsCommand); ok {
			first = i
			break
		}
	}
	if first < 0 {
		return nil, nil // each alert is one event: any partition will do
	}
	pre := cmds[:first]
	defs := definitions(pre)
	var keys []groupKey
	for _, g := range cmds[first].(*parser.StatsCommand).Groups {
		keys = append(keys, groupKey{name: columnName(g), expr: g.Expr})
	}
	// Keys a later STATS regroups by something else, or that a command
	// between them assigns anew, do not keep a group on one partition.
	for _, cmd := range cmds[first+1:] {
		switch cmd := cmd.(type) {
		case *parser.StatsCommand:
			var kept []groupKey
			for _, k := range keys {
				for _, g := range cmd.Groups {
					if id, ok := g.Expr.(*parser.Ident); ok && !g.Named && id.Name == k.name {
						kept = append(kept, k)
						break
					}
				}
			}
			keys = kept
		default:
			keys = slices.DeleteFunc(keys, func(k groupKey) bool { return assigns(cmd, k.name) })
		}
	}
	local := true
	for _, cmd := range pre {
		if _, sort := cmd.(*parser.SortCommand); !sort && esql.CommandKind(cmd) != esql.RowLocal {
			local = false
		}
	}
	for _, k := range keys {
		if id, ok := k.expr.(*parser.Ident); ok && local && id.Name == ARNField && k.name == ARNField && defs[ARNField] == nil {
			return nil, nil // grouped by the ARN as read: the topic's own key
		}
	}

	r := &Route{Rule: c}
	var why []string
	// Keys an alert no longer carries cannot be checked by the member.
	out := map[string]bool{}
	for _, col := range c.Program.Columns() {
		out[col.Name] = true
	}
	keys = slices.DeleteFunc(keys, func(k groupKey) bool {
		if !out[k.name] {
			why = append(why, fmt.Sprintf("key %s is not a column of its alerts", k.name))
			return true
		}
		return false
	})
	keys = slices.DeleteFunc(keys, func(k groupKey) bool {
		if reads(k.expr, defs, func(n parser.Node) bool { return enrichment(n) || esql.NodeUsesNow(n) }) {
			why = append(why, fmt.Sprintf("key %s is computed from GeoIP or NOW()", k.name))
			return true
		}
		return false
	})

	// The query ingest runs: the row-local commands (filters on
	// enrichment or NOW() left out, SORT dropped: order does not change
	// which rows pass), then the keys.
	var b strings.Builder
	b.WriteString(q.Source.String())
	for _, cmd := range pre {
		switch cmd := cmd.(type) {
		case *parser.SortCommand:
			continue
		case *parser.WhereCommand:
			if w := ingestFilter(cmd.Cond, defs); w != nil {
				b.WriteString("\n| WHERE " + w.String())
			}
			continue
		}
		if esql.CommandKind(cmd) != esql.RowLocal {
			// A LIMIT (or anything not row-local) before the STATS
			// depends on all the events: forward every record to one
			// partition.
			why = append(why, fmt.Sprintf("%s before its STATS is not row-local", strings.Fields(cmd.String())[0]))
			b.Reset()
			b.WriteString(q.Source.String())
			keys = nil
			break
		}
		b.WriteString("\n| " + cmd.String())
	}
	if len(keys) > 0 {
		b.WriteString("\n| EVAL ")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "trailql_route_%d = %s", i, k.expr.String())
		}
	} else {
		b.WriteString("\n| EVAL trailql_route_0 = 0")
	}
	b.WriteString("\n| KEEP trailql_route_*")
	r.Query = b.String()
	prog, err := esql.Compile(r.Query, esql.Options{Catalog: detect.Catalog()})
	if err != nil {
		return nil, fmt.Errorf("its routing query does not compile: %w\n%s", err, r.Query)
	}
	// Datetime keys are time buckets: left out of the key.
	if len(keys) > 0 {
		cols := prog.Columns()
		var kept []string
		for i, k := range keys {
			if t := cols[i].Type; t != esql.Datetime && t != esql.DateNanos {
				kept = append(kept, k.name)
			}
		}
		if len(kept) < len(keys) {
			// Compile again without the time: a key column less.
			var exprs []string
			for i, k := range keys {
				if t := cols[i].Type; t != esql.Datetime && t != esql.DateNanos {
					exprs = append(exprs, fmt.Sprintf("trailql_route_%d = %s", len(exprs), k.expr.String()))
				}
			}
			if len(exprs) == 0 {
				exprs = []string{"trailql_route_0 = 0"}
			}
			i := strings.LastIndex(r.Query, "\n| EVAL ")
			r.Query = r.Query[:i] + "\n| EVAL " + strings.Join(exprs, ", ") + "\n| KEEP trailql_route_*"
			if prog, err = esql.Compile(r.Query, esql.Options{Catalog: detect.Catalog()}); err != nil {
				return nil, fmt.Errorf("its routing query does not compile: %w\n%s", err, r.Query)
			}
		}
		r.Keys = kept
	}
	if len(r.Keys) == 0 && len(why) == 0 {
		why = append(why, "no BY key but the time")
	}
	r.prog = prog
	r.why = strings.Join(why, "; ")
	sum := sha256.Sum256([]byte(r.Query + "\x00" + strings.Join(r.Keys, "\x00")))
	r.Topic = fmt.Sprintf("%s.rekey.%s.%s", topic, topicSafe(c.Rule.RuleID), hex.EncodeToString(sum[:4]))
	return r, nil
}

// Why says why the route keys by fewer columns than the rule groups by
// ("" when nothing was given up), for the log.
func (r *Route) Why() string { return r.why }

// columnName is the column a STATS BY field makes.
func columnName(f *parser.Field) string {
	if id, ok := f.Expr.(*parser.Ident); ok && !f.Named {
		return id.Name
	}
	return f.Name
}

// definition is how a row-local command makes a column.
type definition struct {
	exprs  []parser.Expr // what the column is computed from
	opaque bool          // a GROK or DISSECT: from its input
}

// definitions maps the columns the commands make (EVAL, GROK, DISSECT,
// RENAME) to what they are computed from.
func definitions(cmds []parser.Command) map[string]*definition {
	defs := map[string]*definition{}
	add := func(name string, d *definition) {
		if old := defs[name]; old != nil {
			d.exprs = append(d.exprs, old.exprs...)
		}
		defs[name] = d
	}
	for _, cmd := range cmds {
		switch cmd := cmd.(type) {
		case *parser.EvalCommand:
			for _, f := range cmd.Fields {
				add(f.Name, &definition{exprs: []parser.Expr{f.Expr}})
			}
		case *parser.GrokCommand:
			for _, p := range cmd.Patterns {
				for _, n := range patternNames(fmt.Sprint(p.Value)) {
					add(n, &definition{exprs: []parser.Expr{cmd.Input}, opaque: true})
				}
			}
		case *parser.DissectCommand:
			for _, n := range patternNames(fmt.Sprint(cmd.Pattern.Value)) {
				add(n, &definition{exprs: []parser.Expr{cmd.Input}, opaque: true})
			}
		case *parser.RenameCommand:
			for _, rn := range cmd.Renames {
				add(rn.New.Pattern, &definition{exprs: []parser.Expr{&parser.Ident{Name: rn.Old.Pattern}}})
			}
		}
	}
	return defs
}

// patternNames are the names a GROK or DISSECT pattern captures:
// %{SYNTAX:name}, %{name} and (?<name>...).
func patternNames(p string) []string {
	var out []string
	for rest := p; ; {
		i := strings.Index(rest, "%{")
		j := strings.Index(rest, "(?<")
		if i < 0 && j < 0 {
			return out
		}
		if i >= 0 && (j < 0 || i < j) {
			rest = rest[i+2:]
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return out
			}
			name := rest[:end]
			if c := strings.LastIndexByte(name, ':'); c >= 0 {
				name = name[c+1:]
			}
			name = strings.TrimLeft(name, "+?&*")
			if k := strings.IndexByte(name, '-'); k >= 0 {
				name = name[:k]
			}
			if name != "" {
				out = append(out, name)
			}
			rest = rest[end:]
		} else {
			rest = rest[j+3:]
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return out
			}
			out = append(out, rest[:end])
			rest = rest[end:]
		}
	}
}

// assigns reports whether cmd makes (or replaces) column name.
func assigns(cmd parser.Command, name string) bool {
	switch cmd := cmd.(type) {
	case *parser.EvalCommand:
		for _, f := range cmd.Fields {
			if f.Name == name {
				return true
			}
		}
	case *parser.RenameCommand:
		for _, rn := range cmd.Renames {
			if rn.New.Pattern == name || rn.Old.Pattern == name {
				return true
			}
		}
	case *parser.GrokCommand, *parser.DissectCommand:
		return definitions([]parser.Command{cmd})[name] != nil
	case *parser.MvExpandCommand:
		return cmd.Column.Name == name
	}
	return false
}

// reads reports whether x reads, directly or through the columns defs
// make, a node bad says yes to.
func reads(x parser.Node, defs map[string]*definition, bad func(parser.Node) bool) bool {
	seen := map[string]bool{}
	var walk func(parser.Node) bool
	walk = func(x parser.Node) bool {
		found := false
		parser.Inspect(x, func(n parser.Node) bool {
			if found {
				return false
			}
			if bad(n) {
				found = true
				return false
			}
			if id, ok := n.(*parser.Ident); ok && !seen[id.Name] {
				seen[id.Name] = true
				if d := defs[id.Name]; d != nil {
					for _, e := range d.exprs {
						if walk(e) {
							found = true
							return false
						}
					}
				}
			}
			return true
		})
		return found
	}
	return walk(x)
}

// enrichment reports a field GeoIP enrichment adds.
func enrichment(n parser.Node) bool {
	id, ok := n.(*parser.Ident)
	return ok && (strings.HasPrefix(id.Name, "source.geo.") || strings.HasPrefix(id.Name, "source.as."))
}

// ingestFilter is the part of a WHERE condition ingest can check: its
// conjuncts that read neither enrichment nor NOW() (nil when none).
func ingestFilter(cond parser.Expr, defs map[string]*definition) parser.Expr {
	var kept []parser.Expr
	var split func(parser.Expr)
	split = func(x parser.Expr) {
		if b, ok := x.(*parser.Binary); ok && b.Op == parser.OpAnd {
			split(b.L)
			split(b.R)
			return
		}
		if !reads(x, defs, func(n parser.Node) bool { return enrichment(n) || esql.NodeUsesNow(n) }) {
			kept = append(kept, x)
		}
	}
	split(cond)
	if len(kept) == 0 {
		return nil
	}
	out := kept[0]
	for _, x := range kept[1:] {
		out = &parser.Binary{Op: parser.OpAnd, L: out, R: x}
	}
	return out
}

// topicSafe keeps the characters Kafka allows in a topic name.
func topicSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// keyer computes a route's keys for raw records at ingest.
type keyer struct {
	r    *Route
	q    *detect.Query
	rows [][]esql.Value
}

func newKeyer(r *Route, opts detect.Options) *keyer {
	k := &keyer{r: r}
	k.q = detect.NewQuery(r.prog, opts, func(row []esql.Value) error {
		k.rows = append(k.rows, esql.CloneRow(row))
		return nil
	})
	return k
}

// keys returns the keys of raw for the route: none when the record does
// not reach the rule's STATS, several when a key is multi-valued (the
// record goes to the partition of each). A record that cannot be mapped
// has none: the events topic has it, and watch reports it.
func (k *keyer) keys(raw []byte) []string {
	k.rows = k.rows[:0]
	if err := k.q.Process(raw); err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, row := range k.rows {
		if len(k.r.Keys) == 0 {
			if !seen[""] {
				seen[""] = true
				out = append(out, "")
			}
			continue
		}
		parts := [][]string{nil}
		for i := range k.r.Keys {
			vals := cellKeys(row[i].JSON())
			var next [][]string
			for _, p := range parts {
				for _, v := range vals {
					next = append(next, append(slices.Clone(p), v))
				}
			}
			parts = next
		}
		for _, p := range parts {
			key := strings.Join(p, "\x1f")
			if !seen[key] {
				seen[key] = true
				out = append(out, key)
			}
		}
	}
	return out
}

// cellKeys are the key strings of a cell: one per value, JSON-encoded as
// alert documents hold them; null is one value of its own (ES|QL's null
// group).
func cellKeys(v any) []string {
	if mv, ok := v.([]any); ok {
		var out []string
		for _, e := range mv {
			out = append(out, scalarKey(e))
		}
		if len(out) == 0 {
			return []string{scalarKey(nil)}
		}
		return out
	}
	return []string{scalarKey(v)}
}

func scalarKey(v any) string {
	if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		v = nil // alert documents drop them
	}
	if v == nil {
		return "\x00"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Owns reports whether an alert of the route's rule belongs to partition p
// of n: its key's partition. A record with a multi-valued key is on the
// partitions of all its values, and there it makes groups of the others'
// values, with only part of their events: those alerts are another
// partition's and are dropped.
func (r *Route) Owns(a *alert.Alert, p int32, n int) bool {
	if len(r.Keys) == 0 {
		return true
	}
	parts := make([]string, len(r.Keys))
	for i, k := range r.Keys {
		v, _ := a.Doc.Get(k)
		parts[i] = scalarKey(v)
	}
	return partitionOf([]byte(strings.Join(parts, "\x1f")), n) == p
}

// partitionOf is the partition of key among n, as Kafka's Java client
// and franz-go's default partitioner hash keys (murmur2): the record keys
// ingest writes land where another Kafka producer would put them.
func partitionOf(key []byte, n int) int32 {
	return int32(keyHash.Partition(&kgo.Record{Key: key}, n))
}

// keyHash is Kafka's default partitioner; it keeps no state for records
// with a key, so one serves every goroutine.
var keyHash = kgo.StickyKeyPartitioner(nil).ForTopic("")

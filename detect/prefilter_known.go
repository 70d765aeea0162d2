package detect

import (
	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/ecs"
	"github.com/trailql/trailql/esql/parser"
)

// Requirements that need a record's known fields (filters_known.go). A
// literal tells what a record must hold; some predicates tell what it must
// not: `aws.cloudtrail.user_identity.type != "AWSService"` drops the
// records of AWS services, `source.ip IS NOT NULL` those whose
// sourceIPAddress is a service's name. No search of the raw record can
// tell these (the literal may be elsewhere, or escaped), but the string
// the scan found in the field can: the field's ECS value is exactly that
// string (cloudtrail.Known.OK). A record without known fields is not
// tested for them.

// knownTest is a requirement on one known field's string.
type knownTest struct {
	field knownField
	// not: the JSON strings the field must not be (f != "x", f NOT IN
	// (...)); a record without the field fails too, as null != "x" is
	// null, which WHERE drops.
	not []string
	// inet: the field (sourceIPAddress) must be an IP address, which
	// makes source.ip (source.ip IS NOT NULL).
	inet bool
}

// holds reports whether a record whose field has the JSON string v (nil:
// absent) meets the test.
func (t knownTest) holds(v []byte) bool {
	if v == nil {
		return false
	}
	for _, s := range t.not {
		if string(v) == s {
			return false
		}
	}
	return !t.inet || inetString(v)
}

// inetString reports whether the JSON string v (quotes included, no
// escapes) is an IP address as the mapping takes one for source.ip.
func inetString(v []byte) bool {
	return len(v) >= 2 && ecs.IsInetAddress(v[1:len(v)-1])
}

// knownTests returns the tests every row passing cond meets: those of its
// top-level conjuncts.
func (d *deriver) knownTests(cond parser.Expr) []knownTest {
	cond = parser.Unparen(cond)
	if b, ok := cond.(*parser.Binary); ok && b.Op == parser.OpAnd {
		return append(d.knownTests(b.L), d.knownTests(b.R)...)
	}
	if t, ok := d.knownTestOf(cond); ok {
		return []knownTest{t}
	}
	return nil
}

// knownTestOf derives a test from a predicate: f != "x", f NOT IN ("x",
// ...), NOT f == "x", NOT f IN (...) on a known field, or source.ip IS NOT
// NULL. In ES|QL's three-valued logic NOT of null is null, so each is false
// when f is null.
func (d *deriver) knownTestOf(e parser.Expr) (knownTest, bool) {
	not := false
	if u, ok := e.(*parser.Unary); ok && u.Op == parser.OpNot {
		not, e = true, parser.Unparen(u.X)
	}
	values := func(f string, lits ...parser.Expr) (knownTest, bool) {
		kf := knownOf(f)
		if kf == anywhere {
			return knownTest{}, false
		}
		t := knownTest{field: kf}
		for _, l := range lits {
			v, ok := d.str(l)
			if !ok || !safe(v) {
				return knownTest{}, false
			}
			t.not = append(t.not, jsonString(v))
		}
		return t, len(t.not) > 0
	}
	switch x := e.(type) {
	case *parser.Binary:
		negated := x.Op == parser.OpNeq && !not || x.Op == parser.OpEq && not
		if !negated {
			return knownTest{}, false
		}
		if f, ok := d.field(x.L); ok {
			return values(f, x.R)
		}
		if f, ok := d.field(x.R); ok {
			return values(f, x.L)
		}
	case *parser.In:
		if x.Not == not {
			return knownTest{}, false
		}
		if f, ok := d.field(x.X); ok {
			return values(f, x.List...)
		}
	case *parser.IsNull:
		if f, ok := d.field(x.X); ok && x.Not && !not && f == "source.ip" {
			return knownTest{field: knownField(cloudtrail.SourceIP), inet: true}, true
		}
	}
	return knownTest{}, false
}

// field returns the source field x names, unless an EVAL or RENAME
// replaced it.
func (d *deriver) field(x parser.Expr) (string, bool) {
	id, ok := parser.Unparen(x).(*parser.Ident)
	if !ok || d.assigned[id.Name] {
		return "", false
	}
	return id.Name, true
}

// str returns the string literal x.
func (d *deriver) str(x parser.Expr) (string, bool) {
	l, ok := parser.Unparen(x).(*parser.Literal)
	if !ok || l.Kind != parser.StringLit {
		return "", false
	}
	return l.Value.(string), true
}

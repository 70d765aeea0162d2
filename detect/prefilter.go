package detect

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/trailql/trailql/esql/parser"
)

// A prefilter rejects records by their raw bytes before they are parsed:
// most CloudTrail records are irrelevant to a rule, and a substring search is
// far cheaper than JSON parsing and mapping (DESIGN.md, "Performance model").
// It must be conservative: it may only reject a record that the rule's
// WHERE clauses would certainly drop.
//
// It is derived from the WHERE clauses before the first STATS, on fields
// whose ECS value is a raw CloudTrail string copied verbatim (event.action is
// eventName, ...). `f == "x"` needs the JSON string "x" somewhere in the
// record; `f IN (...)` one of them; STARTS_WITH(f, "x") the text `"x`. JSON
// escapes can hide a literal (`\u0041` for "A", `\/` for "/"), so a record
// that has such an escape is never rejected by the requirement it could hide.

// verbatimFields are ECS fields whose value, when present, is a raw JSON
// string of the record copied unchanged (cloudtrail-ecs-mapping.md §3, §5).
var verbatimFields = map[string]bool{
	"event.action": true, "event.provider": true, "event.id": true, "cloud.region": true,
	"source.address": true, "user_agent.original": true, "cloud.account.id": true, "user.name": true,
	"user.target.name": true, "aws.cloudtrail.user_identity.type": true, "aws.cloudtrail.user_identity.arn": true,
	"aws.cloudtrail.user_identity.access_key_id": true, "aws.cloudtrail.user_identity.invoked_by": true,
	"aws.cloudtrail.error_code": true, "aws.cloudtrail.event_type": true, "aws.cloudtrail.event_category": true,
	"aws.cloudtrail.recipient_account_id": true, "aws.cloudtrail.session_credential_from_console": true,
}

// capturedUANames are user_agent.name values that the user-agent rules only
// produce by capturing that very text from the user agent (uap-core rule for
// AWS clients, cloudtrail-ecs-mapping.md §6.2; no family_replacement yields
// them), so the raw userAgent must contain them.
var capturedUANames = regexp.MustCompile(`^(aws-cli|Boto3|aws-sdk-(go|java|nodejs|ruby2?|cpp))$`)

// safeLiteral limits requirements to text that JSON writes one way only:
// printable ASCII without quote or backslash (escaped in JSON) and without
// < > & (which some encoders write as \u escapes).
var safeLiteral = regexp.MustCompile(`^[\x20-\x7e]+$`)

func safe(v string) bool {
	return safeLiteral.MatchString(v) && !strings.ContainsAny(v, "\"\\<>&")
}

type prefilter struct {
	// all lists requirements; each is satisfied by any of its strings.
	all []requirement
}

type requirement struct {
	anyOf []needle
	slash bool // some string has a '/', which JSON may write as `\/`
}

// pass reports whether the record may pass the rule's WHERE clauses.
func (p *prefilter) pass(raw []byte) bool {
	if p == nil {
		return true
	}
	escapes := -1 // lazily: 0 none, 1 \u escapes present
	for _, req := range p.all {
		ok := false
		for _, s := range req.anyOf {
			if s.in(raw) {
				ok = true
				break
			}
		}
		if ok {
			continue
		}
		if escapes < 0 {
			escapes = 0
			if bytes.Contains(raw, []byte(`\u`)) {
				escapes = 1
			}
		}
		if escapes == 1 || (req.slash && bytes.Contains(raw, []byte(`\/`))) {
			continue
		}
		return false
	}
	return true
}

// newPrefilter derives a prefilter from a query, or nil when nothing can be
// derived (the rule then sees every record).
func newPrefilter(q *parser.Query) *prefilter {
	assigned := map[string]bool{}
	p := &prefilter{}
scan:
	for _, cmd := range q.Commands {
		switch c := cmd.(type) {
		case *parser.WhereCommand:
			p.all = append(p.all, conjuncts(c.Cond, assigned)...)
		case *parser.EvalCommand:
			for _, f := range c.Fields {
				assigned[f.Name] = true
			}
		case *parser.RenameCommand:
			for _, r := range c.Renames {
				assigned[r.New.Pattern] = true
			}
		case *parser.KeepCommand, *parser.DropCommand:
			// Removing columns does not change the values of those left.
		default:
			// STATS, GROK, DISSECT, MV_EXPAND, SORT, LIMIT ...: rows after
			// them are not source records any more.
			break scan
		}
	}
	if len(p.all) == 0 {
		return nil
	}
	// Every requirement must hold, so test the cheapest and most selective
	// first: those with the fewest alternatives.
	sort.SliceStable(p.all, func(i, j int) bool { return len(p.all[i].anyOf) < len(p.all[j].anyOf) })
	return p
}

// conjuncts returns the requirements every row passing cond must meet.
func conjuncts(cond parser.Expr, assigned map[string]bool) []requirement {
	cond = unparen(cond)
	if b, ok := cond.(*parser.Binary); ok && b.Op == parser.OpAnd {
		return append(conjuncts(b.L, assigned), conjuncts(b.R, assigned)...)
	}
	if r, ok := requirementOf(cond, assigned); ok {
		return []requirement{r}
	}
	return nil
}

// requirementOf derives one any-of requirement from a predicate.
func requirementOf(e parser.Expr, assigned map[string]bool) (requirement, bool) {
	var lits []string
	add := func(s string) bool {
		lits = append(lits, s)
		return true
	}
	field := func(x parser.Expr) (string, bool) {
		id, ok := unparen(x).(*parser.Ident)
		if !ok || assigned[id.Name] {
			return "", false
		}
		return id.Name, true
	}
	str := func(x parser.Expr) (string, bool) {
		l, ok := unparen(x).(*parser.Literal)
		if !ok || l.Kind != parser.StringLit {
			return "", false
		}
		return l.Value.(string), true
	}
	// equal: f == "x" needs "x" (quoted) for verbatim fields.
	equal := func(f, v string) bool {
		if !safe(v) {
			return false
		}
		switch {
		case verbatimFields[f]:
			return add(jsonString(v))
		case f == "user_agent.name" && capturedUANames.MatchString(v):
			return add(v)
		}
		return false
	}
	switch x := unparen(e).(type) {
	case *parser.Binary:
		switch x.Op {
		case parser.OpOr:
			l, lok := requirementOf(x.L, assigned)
			r, rok := requirementOf(x.R, assigned)
			if lok && rok {
				return requirement{anyOf: append(l.anyOf, r.anyOf...), slash: l.slash || r.slash}, true
			}
			return requirement{}, false
		case parser.OpEq:
			f, fok := field(x.L)
			v, vok := str(x.R)
			if !fok || !vok {
				f, fok = field(x.R)
				v, vok = str(x.L)
			}
			if !fok || !vok || !equal(f, v) {
				return requirement{}, false
			}
		default:
			return requirement{}, false
		}
	case *parser.In:
		if x.Not {
			return requirement{}, false
		}
		if l, ok := unparen(x.X).(*parser.Literal); ok && l.Kind == parser.BoolLit && l.Value == true {
			// true IN (p1, p2, ...): one of the predicates holds.
			var out requirement
			for _, item := range x.List {
				r, ok := requirementOf(item, assigned)
				if !ok {
					return requirement{}, false
				}
				out.anyOf, out.slash = append(out.anyOf, r.anyOf...), out.slash || r.slash
			}
			return out, len(out.anyOf) > 0
		}
		f, ok := field(x.X)
		if !ok {
			return requirement{}, false
		}
		for _, item := range x.List {
			v, ok := str(item)
			if !ok || !equal(f, v) {
				return requirement{}, false
			}
		}
	case *parser.Call:
		if (x.Name != "starts_with" && x.Name != "ends_with") || len(x.Args) != 2 {
			return requirement{}, false
		}
		f, fok := field(x.Args[0])
		v, vok := str(x.Args[1])
		if !fok || !vok || v == "" || !verbatimFields[f] || !safe(v) {
			return requirement{}, false
		}
		quoted := jsonString(v)
		if x.Name == "starts_with" {
			quoted = quoted[:len(quoted)-1] // "x
		} else {
			quoted = quoted[1:] // x"
		}
		if !add(quoted) {
			return requirement{}, false
		}
	default:
		return requirement{}, false
	}
	r := requirement{}
	for _, l := range lits {
		r.anyOf = append(r.anyOf, newNeedle([]byte(l)))
		r.slash = r.slash || strings.Contains(l, "/")
	}
	return r, len(r.anyOf) > 0
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

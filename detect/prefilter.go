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
// far cheaper than JSON parsing and mapping (docs/architecture.md "Performance model").
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
// string of the record copied unchanged (docs/cloudtrail-ecs-mapping.md §3, §5).
var verbatimFields = map[string]bool{
	"event.action": true, "event.provider": true, "event.id": true, "cloud.region": true,
	"source.address": true, "user_agent.original": true, "cloud.account.id": true, "user.name": true,
	"user.target.name": true, "aws.cloudtrail.user_identity.type": true, "aws.cloudtrail.user_identity.arn": true,
	"aws.cloudtrail.user_identity.access_key_id": true, "aws.cloudtrail.user_identity.invoked_by": true,
	"aws.cloudtrail.error_code": true, "aws.cloudtrail.event_type": true, "aws.cloudtrail.event_category": true,
	"aws.cloudtrail.recipient_account_id": true, "aws.cloudtrail.session_credential_from_console": true,
}

// presenceLiterals are fields whose value comes only from a key whose name
// must then be in the record: aws.cloudtrail.resources.* from the resources
// array (ecs/resources.go), or, in another integration's document passed
// through, from a key with "resources" in its (nested or dotted) name. `f
// IS NOT NULL` needs the text, unquoted.
var presenceLiterals = map[string]string{
	"aws.cloudtrail.resources.arn":        "resources",
	"aws.cloudtrail.resources.account_id": "resources",
	"aws.cloudtrail.resources.type":       "resources",
}

// capturedUANames are user_agent.name values that the user-agent rules only
// produce by capturing that very text from the user agent (uap-core rule for
// AWS clients, docs/cloudtrail-ecs-mapping.md §6.2; no family_replacement yields
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
	// tests are requirements on known fields, tested only on records
	// whose known fields the scan found (prefilter_known.go).
	tests []knownTest
	// none: a requirement is never met, and the rule sees no record.
	none bool
}

type requirement struct {
	anyOf []needle
	slash bool // some string has a '/', which JSON may write as `\/`
	// weak: on a field of few values that most records have (the identity
	// type, the region), so it rejects few records.
	weak bool
}

// weakFields have few distinct values, each common: requirements on them
// are chosen last where one of several may be (strongest).
var weakFields = map[string]bool{
	"aws.cloudtrail.user_identity.type": true, "aws.cloudtrail.event_type": true, "aws.cloudtrail.event_category": true,
	"cloud.region": true, "cloud.account.id": true, "aws.cloudtrail.recipient_account_id": true,
	"aws.cloudtrail.session_credential_from_console": true,
}

// never is the requirement no record meets: a condition on a field that no
// CloudTrail event has (prefilterOptions.absent).
var never = requirement{}

// prefilterOptions are what a prefilter may assume about the events.
type prefilterOptions struct {
	// absent reports ECS fields that no CloudTrail event has with this
	// configuration (source.geo.* and source.as.* without GeoIP). Used only
	// for rules that read CloudTrail alone: other integrations' documents
	// pass through with fields of their own.
	absent func(field string) bool
}

// pass reports whether the record may pass the rule's WHERE clauses.
func (p *prefilter) pass(raw []byte) bool {
	if p == nil {
		return true
	}
	if p.none {
		return false
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
		if !ok && !req.hidden(raw, &escapes) {
			return false
		}
	}
	return true
}

// hidden reports whether raw, which has none of req's literals, may still
// meet req because a JSON escape hides one: a \u escape anywhere, or `\/`
// for a literal with a slash. escapes caches the \u test for one record
// (-1 unknown, 0 none, 1 some).
func (req requirement) hidden(raw []byte, escapes *int) bool {
	if *escapes < 0 {
		*escapes = 0
		if bytes.Contains(raw, []byte(`\u`)) {
			*escapes = 1
		}
	}
	return *escapes == 1 || req.slash && bytes.Contains(raw, []byte(`\/`))
}

// newPrefilter derives a prefilter from a query, or nil when nothing can be
// derived (the rule then sees every record).
func newPrefilter(q *parser.Query, opts prefilterOptions) *prefilter {
	if opts.absent != nil && !cloudTrailOnly(fromIndices(q)) {
		opts.absent = nil
	}
	d := deriver{assigned: map[string]bool{}, opts: opts}
	p := &prefilter{}
scan:
	for _, cmd := range q.Commands {
		switch c := cmd.(type) {
		case *parser.WhereCommand:
			p.all = append(p.all, d.conjuncts(c.Cond)...)
			p.tests = append(p.tests, d.knownTests(c.Cond)...)
		case *parser.EvalCommand:
			for _, f := range c.Fields {
				d.assigned[f.Name] = true
			}
		case *parser.RenameCommand:
			for _, r := range c.Renames {
				d.assigned[r.New.Pattern] = true
			}
		case *parser.KeepCommand, *parser.DropCommand:
			// Removing columns does not change the values of those left.
		default:
			// STATS, GROK, DISSECT, MV_EXPAND, SORT, LIMIT ...: rows after
			// them are not source records any more.
			break scan
		}
	}
	if len(p.all) == 0 && len(p.tests) == 0 {
		return nil
	}
	for _, r := range p.all {
		p.none = p.none || len(r.anyOf) == 0
	}
	// Every requirement must hold, so test the cheapest and most selective
	// first: those with the fewest alternatives.
	sort.SliceStable(p.all, func(i, j int) bool { return len(p.all[i].anyOf) < len(p.all[j].anyOf) })
	return p
}

// deriver derives requirements from conditions.
type deriver struct {
	assigned map[string]bool // columns an EVAL or RENAME has replaced
	opts     prefilterOptions
}

// conjuncts returns the requirements every row passing cond must meet: a
// conjunction of any-of requirements (conjunctive normal form). An OR of
// conjunctions distributes, (a AND b) OR (c AND d) needing (a OR c), (a OR
// d), (b OR c) and (b OR d), so that a requirement of each branch counts
// (a rule's "AssumedRole" beside a list of common actions); past
// maxClauses the branches contribute their strongest requirement only.
func (d *deriver) conjuncts(cond parser.Expr) []requirement {
	cond = parser.Unparen(cond)
	if b, ok := cond.(*parser.Binary); ok {
		switch b.Op {
		case parser.OpAnd:
			return append(d.conjuncts(b.L), d.conjuncts(b.R)...)
		case parser.OpOr:
			l, r := d.conjuncts(b.L), d.conjuncts(b.R)
			if len(l) == 0 || len(r) == 0 {
				return nil // a branch without requirements: anything may pass
			}
			if len(l)*len(r) > maxClauses {
				ls, _ := strongest(l)
				rs, _ := strongest(r)
				l, r = []requirement{ls}, []requirement{rs}
			}
			var out []requirement
			for _, a := range l {
				for _, c := range r {
					out = append(out, requirement{anyOf: append(append([]needle(nil), a.anyOf...), c.anyOf...),
						slash: a.slash || c.slash, weak: a.weak || c.weak})
				}
			}
			return out
		}
	}
	if r, ok := d.requirementOf(cond); ok {
		return []requirement{r}
	}
	return nil
}

// maxClauses bounds the requirements an OR distributes into.
const maxClauses = 8

// strongest picks, of requirements that all hold, the one a record is least
// likely to meet by chance: never, else one not weak, else the fewest
// alternatives, else the longest shortest literal.
func strongest(reqs []requirement) (requirement, bool) {
	if len(reqs) == 0 {
		return requirement{}, false
	}
	shortest := func(r requirement) int {
		n := 1 << 30
		for _, a := range r.anyOf {
			n = min(n, len(a.s))
		}
		return n
	}
	better := func(r, than requirement) bool {
		switch {
		case len(r.anyOf) == 0 || len(than.anyOf) == 0:
			return len(r.anyOf) == 0 && len(than.anyOf) > 0
		case r.weak != than.weak:
			return !r.weak
		case len(r.anyOf) != len(than.anyOf):
			return len(r.anyOf) < len(than.anyOf)
		}
		return shortest(r) > shortest(than)
	}
	best := reqs[0]
	for _, r := range reqs[1:] {
		if better(r, best) {
			best = r
		}
	}
	return best, true
}

// requirementOf derives one any-of requirement from a predicate.
func (d *deriver) requirementOf(e parser.Expr) (requirement, bool) {
	var lits []needle
	weak := false
	// add adds literal s, which is in the JSON text of field f's value
	// when the predicate holds (anywhere: somewhere in the record).
	add := func(s string, f knownField) bool {
		lits = append(lits, newFieldNeedle(s, f))
		return true
	}
	field, str := d.field, d.str
	// equal: f == "x" needs "x" (quoted) for verbatim fields.
	equal := func(f, v string) bool {
		if !safe(v) {
			return false
		}
		switch {
		case verbatimFields[f]:
			weak = weak || weakFields[f]
			return add(jsonString(v), knownOf(f))
		case f == "user_agent.name" && capturedUANames.MatchString(v):
			return add(v, knownOf("user_agent.original"))
		case (f == "data_stream.dataset" || f == "event.dataset") && v != "aws.cloudtrail":
			// Only a document of another integration, passed through as
			// it is, has another dataset, written in it as a string.
			return add(jsonString(v), datasetField)
		}
		return false
	}
	// A comparison with a field no event has is null, never true, even
	// negated (f != "x", f NOT IN (...), f NOT LIKE "...": null).
	absent := func(x parser.Expr) bool {
		f, ok := field(x)
		return ok && d.opts.absent != nil && d.opts.absent(f)
	}
	switch x := parser.Unparen(e).(type) {
	case *parser.Binary:
		if x.Op >= parser.OpEq && x.Op <= parser.OpEqIgnoreCase && (absent(x.L) || absent(x.R)) {
			return never, true
		}
	case *parser.In:
		if absent(x.X) {
			return never, true
		}
	case *parser.Like:
		if absent(x.X) {
			return never, true
		}
	}
	switch x := parser.Unparen(e).(type) {
	case *parser.Binary:
		switch x.Op {
		case parser.OpOr:
			l, lok := d.requirementOf(x.L)
			r, rok := d.requirementOf(x.R)
			if lok && rok {
				return requirement{anyOf: append(l.anyOf, r.anyOf...), slash: l.slash || r.slash, weak: l.weak || r.weak}, true
			}
			return requirement{}, false
		case parser.OpAnd:
			// Within an OR: any one conjunct's requirement holds.
			return strongest(d.conjuncts(x))
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
		if l, ok := parser.Unparen(x.X).(*parser.Literal); ok && l.Kind == parser.BoolLit && l.Value == true {
			// true IN (p1, p2, ...): one of the predicates holds.
			var out requirement
			for _, item := range x.List {
				r, ok := d.requirementOf(item)
				if !ok {
					return requirement{}, false
				}
				out.anyOf, out.slash, out.weak = append(out.anyOf, r.anyOf...), out.slash || r.slash, out.weak || r.weak
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
	case *parser.Like:
		// f LIKE "pre*mid*suf": the longest run of plain characters is in
		// the value, anchored by the JSON quote at either end.
		f, ok := field(x.X)
		if !ok || x.Not || x.Regex || !verbatimFields[f] {
			return requirement{}, false
		}
		weak = weakFields[f]
		for _, pat := range x.Patterns {
			p, ok := pat.Value.(string)
			if !ok {
				return requirement{}, false
			}
			lit, ok := likeLiteral(p)
			if !ok {
				return requirement{}, false
			}
			add(lit, knownOf(f))
		}
	case *parser.IsNull:
		f, ok := field(x.X)
		if !ok || !x.Not {
			return requirement{}, false
		}
		// f IS NOT NULL on a field no event has.
		if d.opts.absent != nil && d.opts.absent(f) {
			return never, true
		}
		lit, ok := presenceLiterals[f]
		if !ok {
			return requirement{}, false
		}
		add(lit, anywhere)
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
		add(quoted, knownOf(f))
	default:
		return requirement{}, false
	}
	r := requirement{weak: weak, anyOf: lits}
	for _, l := range lits {
		r.slash = r.slash || bytes.IndexByte(l.s, '/') >= 0
	}
	return r, len(r.anyOf) > 0
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// cloudTrailOnly reports whether FROM names CloudTrail's data streams only.
func cloudTrailOnly(indices []string) bool {
	for _, ix := range indices {
		if !strings.HasPrefix(ix, "logs-aws.cloudtrail") {
			return false
		}
	}
	return len(indices) > 0
}

// geoAbsent is prefilterOptions.absent without GeoIP: the mapper adds
// source.geo.* and source.as.* only from the GeoIP databases.
func geoAbsent(field string) bool {
	return strings.HasPrefix(field, "source.geo.") || strings.HasPrefix(field, "source.as.")
}

// prefilterOpts are the prefilter options for a mapper with or without
// GeoIP databases.
func prefilterOpts(geoIP bool) prefilterOptions {
	if geoIP {
		return prefilterOptions{}
	}
	return prefilterOptions{absent: geoAbsent}
}

// likeLiteral returns text that every value matching the LIKE pattern p has
// in its JSON string: the longest run without wildcards, with the opening
// quote when the run starts p and the closing one when it ends p. Runs of
// fewer than 3 characters, or with an escape, give nothing.
func likeLiteral(p string) (string, bool) {
	if strings.ContainsRune(p, '\\') {
		return "", false
	}
	best, at := "", -1
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '*' || p[i] == '?' {
			if i-start > len(best) {
				best, at = p[start:i], start
			}
			start = i + 1
		}
	}
	if len(best) < 3 || !safe(best) {
		return "", false
	}
	lit := best
	if at == 0 {
		lit = `"` + lit
	}
	if at+len(best) == len(p) {
		lit += `"`
	}
	return lit, true
}

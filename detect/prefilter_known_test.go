package detect

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trailql/trailql/esql/parser"
)

// The predicates that known fields can test and a search of the record
// cannot: what a field must not be, and an IP address in sourceIPAddress.
func TestPrefilterKnownTests(t *testing.T) {
	for _, tc := range []struct {
		where string
		want  string // per test: the field's index, then != values or "inet"; ";" between tests
	}{
		{`aws.cloudtrail.user_identity.type != "AWSService"`, `3 != "AWSService"`},
		{`aws.cloudtrail.user_identity.type NOT IN ("AWSService", "Root")`, `3 != "AWSService" "Root"`},
		{`NOT event.action == "X"`, `0 != "X"`},
		{`NOT (event.action IN ("X", "Y"))`, `0 != "X" "Y"`},
		{`"X" != event.provider`, `1 != "X"`},
		{`NOT source.address IN ("cloudformation.amazonaws.com")`, `5 != "cloudformation.amazonaws.com"`},
		{`source.ip IS NOT NULL`, `5 inet`},
		{`event.action == "A" AND (event.provider != "p" AND source.ip IS NOT NULL)`, `1 != "p";5 inet`},
		{`NOT event.action != "X"`, ``},                      // a double negation: event.action == "X"
		{`event.action IN ("X")`, ``},                        // a literal, not a test
		{`event.outcome != "success"`, ``},                   // not a known field
		{`user_agent.name != "aws-cli"`, ``},                 // not verbatim
		{`source.ip IS NULL`, ``},                            // null is what the test rejects
		{`source.address IS NOT NULL`, ``},                   // only source.ip's is known
		{`NOT source.ip IS NOT NULL`, ``},                    // the same as IS NULL
		{`event.action != "X" OR event.provider == "y"`, ``}, // inside an OR
		{`event.action != "a\"b"`, ``},                       // several JSON encodings
		{`event.action NOT IN ("X", event.provider)`, ``},    // not all literals
		{`aws.cloudtrail.user_identity.type != 5`, ``},       // not a string
		{`NOT (event.action == "X" AND event.provider == "y")`, ``},
	} {
		q, err := parser.Parse("FROM logs-aws.cloudtrail-* | WHERE " + tc.where)
		must(t, err)
		var got []string
		if p := newPrefilter(q, prefilterOptions{}); p != nil {
			for _, kt := range p.tests {
				s := fmt.Sprint(int(kt.field))
				if kt.inet {
					s += " inet"
				}
				if len(kt.not) > 0 {
					s += " != " + strings.Join(kt.not, " ")
				}
				got = append(got, s)
			}
		}
		if g := strings.Join(got, ";"); g != tc.want {
			t.Errorf("WHERE %s: tests %q, want %q", tc.where, g, tc.want)
		}
	}
	// A field an EVAL replaced is not the record's any more.
	q, _ := parser.Parse(`FROM logs-aws.cloudtrail-* | EVAL event.action = "X" | WHERE event.action != "ListUsers"`)
	if p := newPrefilter(q, prefilterOptions{}); p != nil {
		t.Errorf("tests on an EVAL-assigned field: %v", p.tests)
	}
}

// A test holds for a record's string of the field: absent fails (null is
// not different from anything), an excluded value fails, an IP address is
// what the mapping takes for source.ip.
func TestKnownTestHolds(t *testing.T) {
	not := knownTest{not: []string{`"AWSService"`, `"Root"`}}
	inet := knownTest{inet: true}
	for _, tc := range []struct {
		t    knownTest
		v    string // "<nil>": absent
		want bool
	}{
		{not, `"IAMUser"`, true},
		{not, `"AWSService"`, false},
		{not, `"Root"`, false},
		{not, `"AWSServiceX"`, true},
		{not, `""`, true},
		{not, "<nil>", false},
		{inet, `"203.0.113.10"`, true},
		{inet, `"2001:db8::5"`, true},
		{inet, `"::ffff:192.0.2.1"`, true},
		{inet, `"ec2.amazonaws.com"`, false},
		{inet, `"010.1.2.3"`, false}, // leading zero: Elasticsearch rejects it
		{inet, `"fe80::1%eth0"`, false},
		{inet, `""`, false},
		{inet, "<nil>", false},
	} {
		var v []byte
		if tc.v != "<nil>" {
			v = []byte(tc.v)
		}
		if got := tc.t.holds(v); got != tc.want {
			t.Errorf("%+v holds %s = %v, want %v", tc.t, tc.v, got, tc.want)
		}
	}
}

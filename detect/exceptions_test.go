package detect

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/exception"
	"github.com/trailql/trailql/rule"
)

// exceptionList is a Kibana export with one item of the given entries.
func exceptionList(t *testing.T, entries string) *exception.List {
	t.Helper()
	s := exception.NewSet()
	data := `{"list_id":"allow","name":"allow","type":"detection","namespace_type":"single"}
{"list_id":"allow","item_id":"i1","name":"item one","type":"simple","entries":` + entries + `}
{"exported_exception_list_count":1,"exported_exception_list_item_count":1}`
	if err := s.Load("allow.ndjson", []byte(data)); err != nil {
		t.Fatal(err)
	}
	l, _ := s.Lookup("allow")
	return l
}

// Exceptions remove source events before the query runs (Kibana's ES|QL
// executor: docs/triage-and-exceptions.md §1.4), in the hunt and in the daemon
// alike: an item on the actor removes the burst; an item on some of the
// burst's events can push the rule under its threshold.
func TestExceptionsFilterSourceEvents(t *testing.T) {
	b := burst(7, 1000)
	bob := burst(7, 20000)
	for i := range bob {
		bob[i] = bob[i].with("userIdentity.arn", arnBob).with("eventID", fmt.Sprintf("bob-%d", i)).with("sourceIPAddress", "198.51.100.7")
	}
	b[0] = b[0].with("sourceIPAddress", "192.0.2.1")
	b[1] = b[1].with("sourceIPAddress", "192.0.2.1")
	recs := concat(b, bob)
	cases := []struct {
		name    string
		entries string
		want    []string // ARNs alerted
		removed int64
	}{
		{"none", `[{"field":"event.provider","operator":"included","type":"match","value":"nope.amazonaws.com"}]`, []string{arnAlice, arnBob}, 0},
		{"actor is", `[{"field":"aws.cloudtrail.user_identity.arn","operator":"included","type":"match","value":"` + arnBob + `"}]`, []string{arnAlice}, 7},
		{"actor is not", `[{"field":"aws.cloudtrail.user_identity.arn","operator":"excluded","type":"match","value":"` + arnBob + `"}]`, []string{arnBob}, 7},
		{"some events: under the threshold", `[{"field":"source.ip","operator":"included","type":"match","value":"192.0.2.0/24"}]`, []string{arnBob}, 2},
		{"computed column: nothing", `[{"field":"Esql.event_action_count_distinct","operator":"included","type":"match","value":"7"}]`, []string{arnAlice, arnBob}, 0},
		{"computed column, excluded: everything", `[{"field":"Esql.event_action_count_distinct","operator":"excluded","type":"match","value":"7"}]`, nil, 14},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ex := &Exceptions{Global: []*exception.List{exceptionList(t, tc.entries)}, Explain: true}
			c := mustCompile(t, rule.Seed())
			d := New([]*Compiled{c}, Options{Exceptions: ex})
			var raws [][]byte
			for _, r := range recs {
				raw, _ := json.Marshal(r)
				raws = append(raws, raw)
				must(t, d.Process(raw))
			}
			alerts, err := d.Finish()
			must(t, err)
			if got := arns(alerts); got != strings.Join(tc.want, " ") {
				t.Errorf("hunt alerts %q, want %q", got, strings.Join(tc.want, " "))
			}
			if got := d.ExceptionRemoved(); got != tc.removed {
				t.Errorf("removed %d events, want %d", got, tc.removed)
			}
			rep := d.ExceptionReport()
			if len(rep) != 1 || rep[0].Events != tc.removed || rep[0].Alerts != 2-len(tc.want) {
				t.Errorf("report %+v, want %d events and %d alerts removed", rep, tc.removed, 2-len(tc.want))
			}
			if strings.Contains(tc.name, "computed") != (len(d.ExceptionWarnings()) == 1) {
				t.Errorf("warnings %q", d.ExceptionWarnings())
			}

			l, err := NewLive([]*Compiled{mustCompile(t, rule.Seed())}, LiveOptions{Exceptions: ex, Now: func() time.Time { return time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC) }})
			must(t, err)
			for _, raw := range raws {
				must(t, l.Process(raw))
			}
			_, err = l.FlushIdle()
			must(t, err)
			if got := arns(l.Alerts()); got != strings.Join(tc.want, " ") {
				t.Errorf("live alerts %q, want %q", got, strings.Join(tc.want, " "))
			}
		})
	}
}

// A rule gets the lists its exceptions_list names (a Kibana rule export),
// and only those.
func TestExceptionsPerRule(t *testing.T) {
	set := exception.NewSet()
	must(t, set.Load("x.ndjson", []byte(`{"list_id":"mine","name":"mine","type":"rule_default"}
{"list_id":"mine","item_id":"i","name":"drop alice","type":"simple","entries":[{"field":"aws.cloudtrail.user_identity.arn","operator":"included","type":"match","value":"`+arnAlice+`"}]}
{"list_id":"other","item_id":"j","name":"drop all","type":"simple","entries":[{"field":"event.action","operator":"included","type":"exists"}]}`)))
	r := *rule.Seed()
	r.ExceptionsList = []rule.ExceptionRef{{ListID: "mine"}, {ListID: "missing"}}
	d := New([]*Compiled{mustCompile(t, &r)}, Options{Exceptions: &Exceptions{Lists: set}})
	for _, rec := range concat(burst(7, 0), func() []rec {
		bb := burst(7, 0)
		for i := range bb {
			bb[i] = bb[i].with("userIdentity.arn", arnBob).with("eventID", fmt.Sprint("b", i))
		}
		return bb
	}()) {
		raw, _ := json.Marshal(rec)
		must(t, d.Process(raw))
	}
	alerts, err := d.Finish()
	must(t, err)
	if got := arns(alerts); got != arnBob {
		t.Errorf("alerts %q, want bob only", got)
	}
	if w := strings.Join(d.ExceptionWarnings(), "\n"); !strings.Contains(w, `"missing"`) {
		t.Errorf("warnings %q: want the missing list named", w)
	}
}

func arns(alerts []*alert.Alert) string {
	var out []string
	for _, a := range alerts {
		out = append(out, fmt.Sprint(get(a.Doc, "aws.cloudtrail.user_identity.arn")))
	}
	return strings.Join(out, " ")
}

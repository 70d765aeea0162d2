package detect

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/trailql/trailql/rule"
)

// A worker that finds a rule busy (another worker holds its lock for a
// scheduled run or a spill) keeps the rule's rows and goes on; the rows
// reach the rule, in order, with the worker's next row for it once the
// lock is free, or at Finish. The alerts are those of rows handed at once.
func TestRowsWaitForABusyRule(t *testing.T) {
	bob := burst(7, 20000)
	for i := range bob {
		bob[i] = bob[i].with("userIdentity.arn", arnBob)
	}
	recs := concat(burst(7, 1000), bob)
	want := summarise(t, detectRecords(t, recs))
	if len(want) != 2 {
		t.Fatalf("%d alerts without waiting, want 2", len(want))
	}
	for _, tc := range []struct {
		name string
		free int // records processed while the lock is held; the rest after
	}{
		{"all wait, Finish hands them", len(recs)},
		{"the next row hands them", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New([]*Compiled{mustCompile(t, rule.Seed())}, Options{Workers: 1})
			w, rr := d.Worker(0), d.rules[0]
			rr.mu.Lock() // the rule is busy
			for i, r := range recs {
				if i == tc.free {
					if n := len(w.rules[0].waiting); n != tc.free {
						t.Fatalf("%d rows waiting after %d records, want %d", n, tc.free, tc.free)
					}
					rr.mu.Unlock()
				}
				raw, err := json.Marshal(r)
				must(t, err)
				must(t, w.process(raw, nil))
			}
			if tc.free == len(recs) {
				rr.mu.Unlock()
			} else if n := len(w.rules[0].waiting); n != 0 {
				t.Errorf("%d rows still waiting once the rule was free", n)
			}
			alerts, err := d.Finish()
			must(t, err)
			if got := summarise(t, alerts); !reflect.DeepEqual(got, want) {
				t.Errorf("alerts %+v, want %+v", got, want)
			}
		})
	}
}

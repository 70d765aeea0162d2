package detect

import (
	"context"
	"encoding/json"
	"sort"
	"testing"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/rule"
)

// Several workers give the same alerts as one: only the order in which rows
// reach STATS differs, and VALUES is compared as a set.
func TestParallelWorkersMatchSequential(t *testing.T) {
	rules := append([]*rule.Rule{rule.Seed()}, rule.Bundled()...)
	compiled, err := Compile(rules, time.Now())
	must(t, err)
	run := func(workers int) []string {
		d := New(compiled, Options{Workers: workers, Now: time.Unix(0, 0)})
		r := &cloudtrail.Reader{}
		_, err := d.Read(context.Background(), r, []string{"../examples", "../testdata/bad"}, func(cloudtrail.Record, error) {})
		must(t, err)
		alerts, err := d.Finish()
		must(t, err)
		var out []string
		for _, s := range alertSet(alerts) {
			out = append(out, s)
		}
		for _, a := range alerts {
			b, _ := json.Marshal(a.Doc.Keys())
			out = append(out, string(b))
		}
		sort.Strings(out)
		return out
	}
	one, two := run(1), run(2)
	if len(one) == 0 {
		t.Fatal("no alerts")
	}
	if len(one) != len(two) {
		t.Fatalf("1 worker: %d, 2 workers: %d", len(one), len(two))
	}
	for i := range one {
		if one[i] != two[i] {
			t.Errorf("differ:\n1: %s\n2: %s", one[i], two[i])
		}
	}
}

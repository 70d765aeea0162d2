package detect

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/rule"
)

// budgetCorpus is six hours of calls by many access keys, a tenth of them
// delivered an hour late: a 24-hour rule keeps every row of it.
func budgetCorpus(seed int64, n int) [][]byte {
	r := rand.New(rand.NewSource(seed))
	start := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	actions := []string{"AssumeRoleWithWebIdentity", "ListBuckets", "GetCallerIdentity", "Decrypt", "ListSecrets", "CreateUser"}
	type timed struct {
		at  time.Time
		raw []byte
	}
	var recs []timed
	for i := range n {
		ts := start.Add(time.Duration(r.Int63n(int64(6 * time.Hour))))
		rec := event(actions[r.Intn(len(actions))], 0)
		rec["eventTime"] = ts.Format("2006-01-02T15:04:05.000Z")
		rec["eventID"] = fmt.Sprint("evt-", i)
		ident := rec["userIdentity"].(map[string]any)
		ident["type"] = "AssumedRole"
		ident["accessKeyId"] = fmt.Sprintf("ASIA%05d", r.Intn(n/8+1))
		ident["arn"] = fmt.Sprintf("arn:aws:sts::111122223333:assumed-role/r%d/s", r.Intn(40))
		raw, _ := json.Marshal(rec)
		deliver := ts
		if r.Intn(10) == 0 {
			deliver = ts.Add(time.Hour)
		}
		recs = append(recs, timed{deliver, raw})
	}
	slices.SortStableFunc(recs, func(a, b timed) int { return a.at.Compare(b.at) })
	out := make([][]byte, len(recs))
	for i, x := range recs {
		out[i] = x.raw
	}
	return out
}

// Under a memory budget far too small for what the rules hold, their rows
// go to the spill file, runs read them back slot by slot and aggregate by
// partitions of their groups: the alerts are those of a run without a
// budget, for a partitionable 24-hour rule, a rule whose query cannot be
// partitioned (a LIMIT after its STATS) and the bundled rules.
func TestMemoryBudgetKeepsAlerts(t *testing.T) {
	partitionable := testRule(t, `FROM logs-aws.cloudtrail-*
| EVAL is_assume = CASE(event.action == "AssumeRoleWithWebIdentity", 1, 0)
| STATS assumes = SUM(is_assume), actions = COUNT_DISTINCT(event.action), vs = VALUES(event.action), arns = VALUES(aws.cloudtrail.user_identity.arn), earliest = MIN(@timestamp) BY aws.cloudtrail.user_identity.access_key_id
| WHERE assumes >= 1 AND actions >= 3`, "1h", "now-24h")
	limited := testRule(t, `FROM logs-aws.cloudtrail-*
| STATS n = COUNT(*) BY aws.cloudtrail.user_identity.arn
| SORT n DESC, aws.cloudtrail.user_identity.arn
| LIMIT 5`, "1h", "now-24h")
	limited.RuleID = "00000000-0000-0000-0000-0000000limit"
	raws := budgetCorpus(1, 6000)
	run := func(rules []*rule.Rule, limit int64) ([]string, *Detector) {
		return normalizedAlerts(t, rules, raws, limit)
	}
	for _, tt := range []struct {
		name  string
		rules []*rule.Rule
	}{
		{"partitionable", []*rule.Rule{partitionable}},
		{"not partitionable", []*rule.Rule{limited}},
		{"bundled", rule.Bundled()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, _ := run(tt.rules, 0)
			got, d := run(tt.rules, 64<<10)
			if len(want) == 0 && tt.name != "bundled" {
				t.Fatal("no alerts without a budget: the corpus tests nothing")
			}
			if !slices.Equal(got, want) {
				t.Errorf("with a budget: %d alerts, without: %d\nfirst with: %.300s\nfirst without: %.300s", len(got), len(want), first(got), first(want))
			}
			spilled := int64(0)
			for _, rr := range d.rules {
				spilled += rr.ev.spilledForBudget
			}
			if tt.name != "bundled" && spilled == 0 {
				t.Error("nothing was spilled for the budget")
			}
		})
	}
}

// normalizedAlerts runs rules over raws in a Detector with a memory limit
// (0: none) and returns the alerts as JSON without @timestamp, VALUES
// sorted, in order.
func normalizedAlerts(t *testing.T, rules []*rule.Rule, raws [][]byte, limit int64) ([]string, *Detector) {
	t.Helper()
	cs, err := Compile(rules, time.Now())
	must(t, err)
	d := New(cs, Options{AllowedLateness: 15 * time.Minute, MemoryLimit: limit, SpillDir: t.TempDir()})
	for _, raw := range raws {
		must(t, d.Process(raw))
	}
	alerts, err := d.Finish()
	must(t, err)
	return normalize(t, alerts), d
}

// normalize renders alerts comparably: without @timestamp, with their
// lists sorted, in order.
func normalize(t *testing.T, alerts []*alert.Alert) []string {
	t.Helper()
	var out []string
	for _, a := range alerts {
		doc, _ := json.Marshal(a.Doc)
		var m map[string]any
		must(t, json.Unmarshal(doc, &m))
		delete(m, "@timestamp")
		for k, v := range m {
			if vs, ok := v.([]any); ok && k != "trailql.evidence.event_ids" {
				slices.SortFunc(vs, func(a, b any) int { return compareAny(a, b) })
			}
		}
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

func first(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}

// compareAny orders decoded JSON values by their text.
func compareAny(a, b any) int {
	x, y := fmt.Sprint(a), fmt.Sprint(b)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// Engines sharing one budget (LiveOptions.Budget, a Kafka member's engine
// per partition) keep their rows together within it: under a budget far
// too small, saved windows leave memory and each engine's alerts are those
// it raises without a budget. Release takes a dropped engine's rows out.
func TestLiveSharedBudget(t *testing.T) {
	r := testRule(t, `FROM logs-aws.cloudtrail-*
| EVAL is_assume = CASE(event.action == "AssumeRoleWithWebIdentity", 1, 0)
| STATS assumes = SUM(is_assume), actions = COUNT_DISTINCT(event.action), vs = VALUES(event.action), earliest = MIN(@timestamp) BY aws.cloudtrail.user_identity.access_key_id
| WHERE assumes >= 1 AND actions >= 3`, "1h", "now-24h")
	raws := budgetCorpus(2, 6000)
	halves := [2][][]byte{}
	for i, raw := range raws {
		halves[i%2] = append(halves[i%2], raw)
	}
	canon := func(alerts []*alert.Alert) []string {
		var out []string
		for _, a := range alerts {
			doc, _ := json.Marshal(a.Doc)
			var m map[string]any
			must(t, json.Unmarshal(doc, &m))
			delete(m, "@timestamp")
			if vs, ok := m["vs"].([]any); ok {
				slices.SortFunc(vs, compareAny)
			}
			b, _ := json.Marshal(m)
			out = append(out, string(b))
		}
		slices.Sort(out)
		return out
	}
	cs, err := Compile([]*rule.Rule{r}, time.Now())
	must(t, err)
	budget := NewMemoryBudget(64 << 10)
	var lives []*Live
	spilled := int64(0)
	for i, half := range halves {
		newL := func(b *MemoryBudget, state mapState) func() *Live {
			return func() *Live {
				l, err := NewLive(cs, LiveOptions{Now: liveClock, State: state, Budget: b})
				must(t, err)
				return l
			}
		}
		plain, shared := mapState{}, mapState{}
		want, _ := replayLive(t, newL(nil, plain), plain, half, 250, -1)
		got, l := replayLive(t, newL(budget, shared), shared, half, 250, -1)
		if len(want) == 0 {
			t.Fatalf("engine %d: no alerts without a budget: the corpus tests nothing", i)
		}
		if g, w := canon(got), canon(want); !slices.Equal(g, w) {
			t.Errorf("engine %d with a shared budget: %d alerts, without: %d\nfirst with: %.300s\nfirst without: %.300s", i, len(g), len(w), first(g), first(w))
		}
		for _, lr := range l.rules {
			spilled += lr.ev.spilledForBudget
		}
		lives = append(lives, l)
	}
	if spilled == 0 {
		t.Error("nothing left memory for the shared budget")
	}
	if budget.Held() <= 0 {
		t.Fatalf("the budget holds %d bytes with two engines running", budget.Held())
	}
	lives[0].Release()
	lives[1].Release()
	if budget.Held() != 0 {
		t.Errorf("the budget holds %d bytes once both engines are released", budget.Held())
	}
}

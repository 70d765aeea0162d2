package detect

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/trailql/trailql/rule"
)

// lateCorpus is randomCorpus spread over two hours (a dense group every 10
// minutes) and put in delivery order: most records are delivered within 5
// minutes of their eventTime, lateShare of them 40 to 120 minutes late, as
// CloudTrail sometimes delivers. It returns the records in delivery order.
func lateCorpus(t *testing.T, seed int64, lateShare float64) [][]byte {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	type delivered struct {
		at  time.Time
		raw []byte
	}
	var all []delivered
	for k := 0; k < 12; k++ {
		for i, raw := range randomCorpus(seed*100+int64(k), 1500) {
			var rec map[string]any
			must(t, json.Unmarshal(raw, &rec))
			ts, err := time.Parse(time.RFC3339Nano, rec["eventTime"].(string))
			must(t, err)
			ts = ts.Add(time.Duration(k) * 10 * time.Minute)
			rec["eventTime"] = ts.Format(time.RFC3339Nano)
			rec["eventID"] = fmt.Sprintf("late-%d-%d", k, i)
			delay := time.Duration(r.Int63n(int64(5 * time.Minute)))
			if r.Float64() < lateShare {
				delay = 40*time.Minute + time.Duration(r.Int63n(int64(80*time.Minute)))
			}
			b, err := json.Marshal(rec)
			must(t, err)
			all = append(all, delivered{ts.Add(delay), b})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	out := make([][]byte, len(all))
	for i, d := range all {
		out[i] = d.raw
	}
	return out
}

// Late deliveries amend alerts instead of vanishing (issue "late CloudTrail
// never vanishes"): with 10% of events 40 to 120 minutes late, the hunt with
// its default lateness, and the live driver fed in delivery order (flushed
// every 100 records, restarted from its checkpoint half-way), give exactly
// the oracle's alerts on the same events in any order.
func TestLateDeliveriesMatchReference(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		raws := lateCorpus(t, seed, 0.10)
		want := referenceSeed(t, raws)
		if len(want) < 5 {
			t.Fatalf("seed %d: %d reference alerts, too few to test", seed, len(want))
		}
		c := mustCompile(t, rule.Seed())
		d := New([]*Compiled{c}, Options{AllowedLateness: DefaultHuntLateness})
		for _, raw := range raws {
			_ = d.Process(raw)
		}
		hunt, err := d.Finish()
		must(t, err)
		if got := referenceKeys(t, hunt); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("seed %d: hunt and reference disagree\n got %d: %v\nwant %d: %v", seed, len(got), got, len(want), want)
		}
		if d.Amended() == 0 || d.Late() != 0 {
			t.Errorf("seed %d: %d rows amended (want some), %d dropped (want 0)", seed, d.Amended(), d.Late())
		}

		// Saved windows leave memory and are read back from the state.
		state := mapState{}
		newLive := func(t *testing.T) *Live {
			l, err := NewLive([]*Compiled{mustCompile(t, rule.Seed())}, LiveOptions{Now: liveClock, State: state})
			must(t, err)
			return l
		}
		live, l := replayLive(t, func() *Live { return newLive(t) }, state, raws, 100, len(raws)/200*100)
		t.Logf("seed %d: %d rows held in memory by the live driver, %d reference alerts", seed, l.held(), len(want))
		if l.held() > 2000 {
			t.Errorf("seed %d: the live driver holds %d rows in memory; evaluated windows should be in the state", seed, l.held())
		}
		if fmt.Sprint(alertSet(live)) != fmt.Sprint(alertSet(hunt)) {
			t.Errorf("seed %d: live and hunt differ\nlive: %v\nhunt: %v", seed, alertSet(live), alertSet(hunt))
		}
	}
}

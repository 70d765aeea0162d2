package detect

import (
	"time"

	"github.com/trailql/trailql/alert"
)

// Window is the span of event time an alert of the rule covers: for a rule
// bucketed by event time (the seed rule), its bucket, [start, start+span);
// for a scheduled rule, the lookback of the run that raised its latest
// version, [T - lookback, T] (T = kibana.alert.intended_timestamp). ok is
// false when the alert does not say (an alert of another rule).
func (c *Compiled) Window(a *alert.Alert) (start, end time.Time, ok bool) {
	p := c.plan()
	switch p.shape {
	case bucketed:
		col := timeColumn(c)
		if col < 0 {
			return
		}
		v, _ := a.Doc.Get(c.Program.Columns()[col].Name)
		t, isTime := rowTime(v)
		if !isTime {
			return
		}
		return t, t.Add(time.Duration(p.span) * time.Millisecond), true
	default:
		v, _ := a.Doc.Get("kibana.alert.intended_timestamp")
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return
		}
		return t.Add(-time.Duration(p.lookback) * time.Millisecond), t, true
	}
}

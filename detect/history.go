package detect

import "time"

// History is how long before now a rule must see events to alert on what
// happens from now on: for a rule bucketed by event time, its bucket width
// (the bucket now open began at most that long ago, and its alert counts
// every event in it); for a rule run on a schedule, its runs' lookback
// (Lookback, the rule's from). A daemon starting afresh reads this much
// history (trailql watch's default --since), and no more: what is older can
// no longer make a new alert.
func (c *Compiled) History() time.Duration {
	if p := c.plan(); p.shape == bucketed {
		return time.Duration(p.span) * time.Millisecond
	}
	return c.Lookback()
}

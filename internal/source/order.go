package source

import (
	"time"

	"github.com/trailql/trailql/cloudtrail"
)

// Every source hands on what it finds in the order `trailql detect` reads a
// tree (cloudtrail.Reader.Read): by the delivery time in CloudTrail's file
// names, objects without one first. A backlog then reaches the rules in the
// order its events happened, across accounts and regions, which is what
// lets a time-bucketed rule close its windows (detect.Options.AllowedLateness)
// instead of seeing one region's day, then the next region's same day.
// The time comes from cloudtrail.DeliveryTime, the parser detect uses, so
// the two commands cannot disagree on a name.

// keyTime returns the delivery time in the name of an object key or path
// (its last element only).
func keyTime(key string) (time.Time, bool) { return cloudtrail.DeliveryTime(key) }

// deliveryCmp orders two delivery times as detect orders files: an object
// without one (ok false) before any with one, and those among themselves
// equal, so that a stable sort keeps the order they were found in.
func deliveryCmp(a time.Time, aok bool, b time.Time, bok bool) int {
	switch {
	case aok != bok:
		if bok {
			return -1
		}
		return 1
	case !aok:
		return 0
	}
	return a.Compare(b)
}

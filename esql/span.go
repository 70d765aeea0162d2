package esql

import (
	"time"

	"github.com/trailql/trailql/esql/parser"
)

// SpanDuration is the fixed length of a time-span literal with a sub-day
// unit (`10 seconds`, `5 minutes`). ok is false for calendar periods (day and
// longer), whose length depends on the date (docs/esql-semantics.md §A4).
func SpanDuration(ts parser.TimeSpan) (d time.Duration, ok bool) {
	v, err := timeSpanValue(ts)
	if err != nil || v.Type() != TimeDuration {
		return 0, false
	}
	return time.Duration(v.AsInt64()) * time.Millisecond, true
}

package sink

import (
	"math/rand/v2"
	"time"
)

// Backoff is an exponential backoff with jitter: attempt n (0-based)
// waits a random duration in [d/2, d] with d = Base·2ⁿ capped at Max
// ("equal jitter": spreads retries of many clients without ever retrying
// immediately).
type Backoff struct {
	Base, Max time.Duration
}

// Delay is the wait before retry attempt n (0 = the first retry).
func (b Backoff) Delay(n int) time.Duration {
	base, max := b.Base, b.Max
	if base <= 0 {
		base = time.Second
	}
	if max < base {
		max = base
	}
	d := base
	for i := 0; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}

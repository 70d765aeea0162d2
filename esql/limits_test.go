package esql

import (
	"errors"
	"testing"
)

// A STATS that would hold more groups than Options.MaxGroups fails with a
// LimitError, and keeps failing, instead of growing without bound.
func TestMaxGroups(t *testing.T) {
	for _, tc := range []struct {
		max  int
		rows int
		fail bool
	}{{2, 2, false}, {2, 3, true}, {-1, 50, false}} {
		p, err := Compile(`FROM t | STATS c = COUNT(*) BY x`, Options{Catalog: Catalog{"x": Long}, MaxGroups: tc.max})
		if err != nil {
			t.Fatal(err)
		}
		x := p.Start(func([]Value) error { return nil })
		var got error
		for i := 0; i < tc.rows && got == nil; i++ {
			got = x.Push([]Value{LongValue(int64(i))})
		}
		if got == nil {
			got = x.Finish()
		}
		var le *LimitError
		if tc.fail != errors.As(got, &le) {
			t.Errorf("max %d, %d groups: err = %v", tc.max, tc.rows, got)
		}
		if tc.fail {
			if err := x.Push([]Value{LongValue(1000)}); !errors.As(err, &le) {
				t.Errorf("max %d: a Push after the limit returned %v, want the LimitError again", tc.max, err)
			}
		}
	}
}

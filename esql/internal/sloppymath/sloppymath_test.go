package sloppymath

import (
	"math"
	"testing"
)

// The fdlibm sin, cos and asin that fill SloppyMath's tables are
// StrictMath's; Go's math functions differ from them in the last bit for
// many table arguments (834 of the 2049 sin/cos and 2569 of the 8193 asin
// entries). Reference values from Java 25's StrictMath.
func TestFdlibmMatchesJavaStrictMath(t *testing.T) {
	tablesOnce.Do(fillTables)
	type strictCase struct {
		got  float64 // fdlibm's value
		want uint64  // StrictMath's bits
	}
	for _, tc := range []strictCase{
		{fdlibmSin(1), 0x3feaed548f090cee},
		{fdlibmCos(1), 0x3fe14a280fb5068c},
		{fdlibmSin(3), 0x3fc210386db6d55b},
		{fdlibmCos(6), 0x3feeb9b7097822f6},
		{fdlibmAsin(0.5), 0x3fe0c152382d7366},
		{fdlibmAsin(0.9), 0x3ff1ea93705fa172},
		{asinMaxForTabs, 0x3fee9a0c6e7bdb1f},
	} {
		if got := math.Float64bits(tc.got); got != tc.want {
			t.Errorf("got %#x, want %#x", got, tc.want)
		}
	}
}

package csvspec

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// indexedFloat simulates the precision loss of float, half_float and
// scaled_float fields (CsvTestUtils.Type FLOAT, HALF_FLOAT, SCALED_FLOAT):
// float parses as a Java float; half_float rounds that float to IEEE half
// precision; scaled_float keeps trunc(value*factor) and reads it back as
// long/factor (division, not multiplication by 1/factor, since the
// fix_precision_of_scaled_float_fields capability: keep.csv-spec expects
// 1.63, not 1.6300000000000001).
func indexedFloat(fm fieldMapping, s string) (float64, error) {
	switch fm.Type {
	case "float":
		f, err := strconv.ParseFloat(s, 32)
		return f, err
	case "half_float":
		f, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return 0, err
		}
		return roundHalf(f), nil
	default: // scaled_float
		factor := fm.ScalingFactor
		if factor == 0 {
			factor = 100 // CsvTestUtils hard-codes 100
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return 0, fmt.Errorf("not a number")
		}
		fr, _ := new(big.Rat).SetString(strconv.FormatFloat(factor, 'f', -1, 64))
		r.Mul(r, fr)
		q := new(big.Int).Quo(r.Num(), r.Denom()) // truncates toward zero, like BigDecimal.longValue
		return float64(q.Int64()) / factor, nil
	}
}

// roundHalf rounds f to the nearest IEEE 754 half-precision value (ties to
// even), as Lucene's HalfFloatPoint stores half_float fields.
func roundHalf(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
		return f
	}
	a := math.Abs(f)
	const maxHalf = 65504
	if a >= 65520 { // rounds past the largest half
		return math.Copysign(math.Inf(1), f)
	}
	var step float64
	if a < 0x1p-14 { // subnormal halves are multiples of 2^-24
		step = 0x1p-24
	} else {
		_, exp := math.Frexp(a) // a = frac * 2^exp, frac in [0.5, 1)
		step = math.Ldexp(1, exp-11)
	}
	r := math.RoundToEven(a/step) * step
	if r > maxHalf {
		r = maxHalf
	}
	return math.Copysign(r, f)
}

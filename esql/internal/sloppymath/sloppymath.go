// Package sloppymath ports Lucene's SloppyMath.haversinMeters
// (org.apache.lucene.util.SloppyMath), the haversine distance Elasticsearch's
// ST_DISTANCE uses on geo_points, together with the fdlibm (Java
// StrictMath) sin, cos and asin that fill its lookup tables.
package sloppymath

import (
	"math"
	"sync"
)

// ST_DISTANCE on geo_point is Lucene's SloppyMath.haversinMeters over the
// quantized coordinates (StDistance.GeoDistanceCalculator). SloppyMath is
// not the textbook haversine: it computes cos and asin from lookup tables
// with a Taylor expansion around the nearest entry, and the tables are
// filled with StrictMath (fdlibm) values. Its results differ from the exact
// formula by up to 0.4 m, so a faithful ST_DISTANCE needs the same tables
// and the same order of floating-point operations.
//
// Everything here is evaluated at run time on float64 variables (Go would
// otherwise fold constant expressions exactly and round once, unlike Java),
// and every product that feeds an addition is wrapped in float64(...),
// which forbids the compiler from fusing it into an FMA instruction (Java
// never does).

// earthMeanRadius is SloppyMath's TO_METERS and Elasticsearch's
// GeoUtils.EARTH_MEAN_RADIUS: the WGS 84 mean radius in meters.
const earthMeanRadius = 6371008.7714

// Lucene's sloppy sin/cos tables: 2^11 intervals over [0, 2*pi].
const sinCosTabsSize = 1<<11 + 1

// Lucene's sloppy asin tables: 2^13 intervals over [0, sin(73 degrees)].
const asinTabsSize = 1<<13 + 1

var (
	sloppyPio2Hi = math.Float64frombits(0x3FF921FB54400000) // first 33 bits of pi/2
	sloppyPio2Lo = math.Float64frombits(0x3DD0B4611A626331) // pi/2 - sloppyPio2Hi

	sinCosDeltaHi, sinCosDeltaLo, sinCosIndexer float64
	sinCosMaxForIntModulo                       float64
	sinTab, cosTab                              [sinCosTabsSize]float64

	asinMaxForTabs, asinDelta, asinIndexer float64
	asinTab, asinDer1, asinDer2            [asinTabsSize]float64
	asinDer3, asinDer4                     [asinTabsSize]float64

	// fdlibm's split of pi/2 for asin near 1.
	asinPio2Hi = math.Float64frombits(0x3FF921FB54442D18)
	asinPio2Lo = math.Float64frombits(0x3C91A62633145C07)
)

// The rational approximation of asin near 1 (fdlibm e_asin.c), which
// SloppyMath uses above its tables.
var (
	asinPS = [6]float64{
		math.Float64frombits(0x3fc5555555555555),
		math.Float64frombits(0xbfd4d61203eb6f7d),
		math.Float64frombits(0x3fc9c1550e884455),
		math.Float64frombits(0xbfa48228b5688f3b),
		math.Float64frombits(0x3f49efe07501b288),
		math.Float64frombits(0x3f023de10dfdf709),
	}
	asinQS = [4]float64{
		math.Float64frombits(0xc0033a271c8a2d4b),
		math.Float64frombits(0x40002ae59c598ac8),
		math.Float64frombits(0xbfe6066c1b8d0159),
		math.Float64frombits(0x3fb3b8c5b12e9282),
	}
)

// tablesOnce fills the tables when first needed: only a query calling
// ST_DISTANCE on geo points needs them, and filling them cost every
// start-up 2 ms.
var tablesOnce sync.Once

func fillTables() {
	twoPiHi := 4 * sloppyPio2Hi
	twoPiLo := 4 * sloppyPio2Lo
	steps := float64(sinCosTabsSize - 1)
	sinCosDeltaHi = twoPiHi / steps
	sinCosDeltaLo = twoPiLo / steps
	sinCosIndexer = 1 / (sinCosDeltaHi + sinCosDeltaLo)
	sinCosMaxForIntModulo = float64(math.MaxInt32>>9) / sinCosIndexer * 0.99
	const piIndex = (sinCosTabsSize - 1) / 2
	for i := 0; i < sinCosTabsSize; i++ {
		angle := float64(float64(i)*sinCosDeltaHi) + float64(float64(i)*sinCosDeltaLo)
		s, c := fdlibmSin(angle), fdlibmCos(angle)
		// Exact zeros where sine or cosine vanish, as Lucene sets them.
		switch i {
		case piIndex, 2 * piIndex:
			s = 0
		case piIndex / 2, 3 * piIndex / 2:
			c = 0
		}
		sinTab[i], cosTab[i] = s, c
	}

	asinMaxForTabs = fdlibmSin(73.0 * degreesToRadians)
	asinDelta = asinMaxForTabs / float64(asinTabsSize-1)
	asinIndexer = 1 / asinDelta
	for i := 0; i < asinTabsSize; i++ {
		x := float64(float64(i) * asinDelta)
		asinTab[i] = fdlibmAsin(x)
		inv := 1 / (1 - float64(x*x))
		inv05 := math.Sqrt(inv)
		inv15 := float64(inv05 * inv)
		inv25 := float64(inv15 * inv)
		inv35 := float64(inv25 * inv)
		asinDer1[i] = inv05
		asinDer2[i] = float64(x*inv15) * (1 / 2.0)
		asinDer3[i] = float64((1+float64(float64(2*x)*x))*inv25) * (1 / 6.0)
		inner := 5 + float64(float64(2*x)*(2+float64(x*(5-float64(2*x)))))
		asinDer4[i] = float64(inner*inv35) * (1 / 24.0)
	}
}

// degreesToRadians is java.lang.Math's DEGREES_TO_RADIANS: Math.toRadians
// multiplies by it. A variable, so that products with it are rounded from
// the double, not computed from the exact decimal.
var degreesToRadians = 0.017453292519943295

// HaversinMeters is SloppyMath.haversinMeters(lat1, lon1, lat2, lon2).
func HaversinMeters(lat1, lon1, lat2, lon2 float64) float64 {
	tablesOnce.Do(fillTables)
	x1 := float64(lat1 * degreesToRadians)
	x2 := float64(lat2 * degreesToRadians)
	h1 := 1 - sloppyCos(x1-x2)
	h2 := 1 - sloppyCos(float64((lon1-lon2)*degreesToRadians))
	h := h1 + float64(float64(sloppyCos(x1)*sloppyCos(x2))*h2)
	// Lucene clears the three low bits "so subsequent rounding does not
	// create ties".
	key := math.Float64frombits(math.Float64bits(h) &^ 7)
	return 2 * earthMeanRadius * sloppyAsin(math.Min(1, math.Sqrt(float64(key*0.5))))
}

// sloppyCos is SloppyMath.cos: the nearest table entry and a fourth-order
// Taylor expansion around it.
func sloppyCos(a float64) float64 {
	tablesOnce.Do(fillTables)
	if a < 0 {
		a = -a
	}
	if a > sinCosMaxForIntModulo {
		return math.Cos(a)
	}
	index := int(float64(a*sinCosIndexer) + 0.5)
	delta := (a - float64(float64(index)*sinCosDeltaHi)) - float64(float64(index)*sinCosDeltaLo)
	index &= sinCosTabsSize - 2
	c, s := cosTab[index], sinTab[index]
	t := float64(s*(1/6.0)) + float64(float64(delta*c)*(1/24.0))
	t = float64(-c*(1/2.0)) + float64(delta*t)
	t = -s + float64(delta*t)
	return c + float64(delta*t)
}

// sloppyAsin is SloppyMath.asin: tables and a Taylor expansion up to
// sin(73 degrees), fdlibm's rational approximation above.
func sloppyAsin(a float64) float64 {
	tablesOnce.Do(fillTables)
	neg := a < 0
	if neg {
		a = -a
	}
	var r float64
	switch {
	case a <= asinMaxForTabs:
		i := int(float64(a*asinIndexer) + 0.5)
		d := a - float64(float64(i)*asinDelta)
		t := asinDer3[i] + float64(d*asinDer4[i])
		t = asinDer2[i] + float64(d*t)
		t = asinDer1[i] + float64(d*t)
		r = asinTab[i] + float64(d*t)
	case a < 1:
		t := float64((1 - a) * 0.5)
		p := float64(t * asinRational(t))
		q := asinDenominator(t)
		s := math.Sqrt(t)
		z := s + float64(s*(p/q))
		r = asinPio2Hi - ((z + z) - asinPio2Lo)
	case a == 1:
		r = math.Pi / 2
	default:
		return math.NaN()
	}
	if neg {
		return -r
	}
	return r
}

// asinRational is pS0 + t*(pS1 + t*(pS2 + t*(pS3 + t*(pS4 + t*pS5)))).
func asinRational(t float64) float64 {
	p := asinPS[4] + float64(t*asinPS[5])
	p = asinPS[3] + float64(t*p)
	p = asinPS[2] + float64(t*p)
	p = asinPS[1] + float64(t*p)
	return asinPS[0] + float64(t*p)
}

// asinDenominator is 1 + t*(qS1 + t*(qS2 + t*(qS3 + t*qS4))).
func asinDenominator(t float64) float64 {
	q := asinQS[2] + float64(t*asinQS[3])
	q = asinQS[1] + float64(t*q)
	q = asinQS[0] + float64(t*q)
	return 1 + float64(t*q)
}

// The tables are filled with java.lang.StrictMath values, which are
// fdlibm's. Go's math.Sin, Cos and Asin are other algorithms and differ in
// the last bit for some arguments, so the fdlibm algorithms (public domain,
// Sun Microsystems 1993) are implemented here for the arguments the tables
// need: sin and cos on [0, 2*pi], asin on [0, 1).

// fdlibm kernel polynomial coefficients (k_sin.c, k_cos.c).
var (
	kSin = [6]float64{
		-1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04,
		2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10,
	}
	kCos = [6]float64{
		4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05,
		-2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11,
	}
)

// highWord is the upper 32 bits of x, as fdlibm's __HI.
func highWord(x float64) int32 { return int32(math.Float64bits(x) >> 32) }

// kernelSin is fdlibm's __kernel_sin(x, y, iy) on [-pi/4, pi/4], x+y the
// reduced argument.
func kernelSin(x, y float64, iy bool) float64 {
	if highWord(x)&0x7fffffff < 0x3e400000 && int(x) == 0 {
		return x // |x| < 2^-27
	}
	z := float64(x * x)
	v := float64(z * x)
	r := kSin[4] + float64(z*kSin[5])
	r = kSin[3] + float64(z*r)
	r = kSin[2] + float64(z*r)
	r = kSin[1] + float64(z*r)
	if !iy {
		return x + float64(v*(kSin[0]+float64(z*r)))
	}
	return x - ((float64(z*(float64(0.5*y)-float64(v*r))) - y) - float64(v*kSin[0]))
}

// kernelCos is fdlibm's __kernel_cos(x, y) on [-pi/4, pi/4].
func kernelCos(x, y float64) float64 {
	ix := highWord(x) & 0x7fffffff
	if ix < 0x3e400000 && int(x) == 0 {
		return 1
	}
	z := float64(x * x)
	r := kCos[4] + float64(z*kCos[5])
	r = kCos[3] + float64(z*r)
	r = kCos[2] + float64(z*r)
	r = kCos[1] + float64(z*r)
	r = kCos[0] + float64(z*r)
	r = float64(z * r)
	if ix < 0x3FD33333 { // |x| < 0.3
		return 1 - (float64(0.5*z) - (float64(z*r) - float64(x*y)))
	}
	var qx float64
	if ix > 0x3fe90000 { // |x| > 0.78125
		qx = 0.28125
	} else {
		qx = math.Float64frombits(uint64(uint32(ix-0x00200000)) << 32) // x/4
	}
	hz := float64(0.5*z) - qx
	a := 1 - qx
	return a - (hz - (float64(z*r) - float64(x*y)))
}

// remPio2 is fdlibm's __ieee754_rem_pio2 for |x| up to 2^19*(pi/2): it
// returns n and x - n*pi/2 as y0+y1.
func remPio2(x float64) (n int, y0, y1 float64) {
	const (
		invPio2 = 6.36619772367581382433e-01
		pio2_1  = 1.57079632673412561417e+00
		pio2_1t = 6.07710050650619224932e-11
		pio2_2  = 6.07710050630396597660e-11
		pio2_2t = 2.02226624879595063154e-21
		pio2_3  = 2.02226624871116645580e-21
		pio2_3t = 8.47842766036889956997e-32
	)
	hx := highWord(x)
	ix := hx & 0x7fffffff
	if ix <= 0x3fe921fb { // |x| <= pi/4
		return 0, x, 0
	}
	if ix < 0x4002d97c { // |x| < 3pi/4: n = +-1
		if hx > 0 {
			z := x - pio2_1
			if ix != 0x3ff921fb {
				y0 = z - pio2_1t
				y1 = (z - y0) - pio2_1t
			} else { // near pi/2: use the 33+33+53-bit pi
				z -= pio2_2
				y0 = z - pio2_2t
				y1 = (z - y0) - pio2_2t
			}
			return 1, y0, y1
		}
		z := x + pio2_1
		if ix != 0x3ff921fb {
			y0 = z + pio2_1t
			y1 = (z - y0) + pio2_1t
		} else {
			z += pio2_2
			y0 = z + pio2_2t
			y1 = (z - y0) + pio2_2t
		}
		return -1, y0, y1
	}
	// Medium size (the tables never need more).
	t := math.Abs(x)
	n = int(float64(t*invPio2) + 0.5)
	fn := float64(n)
	r := t - float64(fn*pio2_1)
	w := float64(fn * pio2_1t) // first round, good to 85 bits
	j := int(ix >> 20)
	y0 = r - w
	if n >= 32 || ix == npio2HighWord(n) {
		if i := j - int((highWord(y0)>>20)&0x7ff); i > 16 {
			// Second round, good to 118 bits.
			t = r
			w = float64(fn * pio2_2)
			r = t - w
			w = float64(fn*pio2_2t) - ((t - r) - w)
			y0 = r - w
			if i = j - int((highWord(y0)>>20)&0x7ff); i > 49 {
				// Third round, 151 bits.
				t = r
				w = float64(fn * pio2_3)
				r = t - w
				w = float64(fn*pio2_3t) - ((t - r) - w)
				y0 = r - w
			}
		}
	}
	y1 = (r - y0) - w
	if hx < 0 {
		return -n, -y0, -y1
	}
	return n, y0, y1
}

// npio2HighWord is fdlibm's npio2_hw[n-1], the high word of n*pi/2; the
// quick path of remPio2 is taken only when x is not close to it.
func npio2HighWord(n int) int32 {
	return highWord(float64(n) * (math.Pi / 2))
}

// fdlibmSin is fdlibm's sin (StrictMath.sin).
func fdlibmSin(x float64) float64 {
	if highWord(x)&0x7fffffff <= 0x3fe921fb {
		return kernelSin(x, 0, false)
	}
	n, y0, y1 := remPio2(x)
	switch n & 3 {
	case 0:
		return kernelSin(y0, y1, true)
	case 1:
		return kernelCos(y0, y1)
	case 2:
		return -kernelSin(y0, y1, true)
	}
	return -kernelCos(y0, y1)
}

// fdlibmCos is fdlibm's cos (StrictMath.cos).
func fdlibmCos(x float64) float64 {
	if highWord(x)&0x7fffffff <= 0x3fe921fb {
		return kernelCos(x, 0)
	}
	n, y0, y1 := remPio2(x)
	switch n & 3 {
	case 0:
		return kernelCos(y0, y1)
	case 1:
		return -kernelSin(y0, y1, true)
	case 2:
		return -kernelCos(y0, y1)
	}
	return kernelSin(y0, y1, true)
}

// fdlibmAsin is fdlibm's asin (StrictMath.asin, e_asin.c).
func fdlibmAsin(x float64) float64 {
	const pio4Hi = 7.85398163397448278999e-01
	hx := highWord(x)
	ix := hx & 0x7fffffff
	var t float64
	switch {
	case ix >= 0x3ff00000: // |x| >= 1
		if x == 1 || x == -1 {
			return float64(x*asinPio2Hi) + float64(x*asinPio2Lo)
		}
		return math.NaN()
	case ix < 0x3fe00000: // |x| < 0.5
		if ix < 0x3e400000 {
			return x // |x| < 2^-27
		}
		t = float64(x * x)
		w := float64(t*asinRational(t)) / asinDenominator(t)
		return x + float64(x*w)
	}
	w := 1 - math.Abs(x)
	t = float64(w * 0.5)
	p := float64(t * asinRational(t))
	q := asinDenominator(t)
	s := math.Sqrt(t)
	if ix >= 0x3FEF3333 { // |x| > 0.975
		w = p / q
		t = asinPio2Hi - (float64(2.0*(s+float64(s*w))) - asinPio2Lo)
	} else {
		w = math.Float64frombits(math.Float64bits(s) &^ 0xffffffff) // s with its low word cleared
		c := (t - float64(w*w)) / (s + w)
		r := p / q
		p = float64(float64(2.0*s)*r) - (asinPio2Lo - float64(2.0*c))
		q = pio4Hi - float64(2.0*w)
		t = pio4Hi - (p - q)
	}
	if hx > 0 {
		return t
	}
	return -t
}

package csvspec

import (
	"fmt"
	"strconv"
	"strings"
)

// ModelledVersion is the Elasticsearch version whose ES|QL trailql follows;
// it decides which `#[skip:lo-hi]` version ranges on test names apply.
const ModelledVersion = "9.2.0"

// SkippedInVersion reports whether the case's `#[skip:lo-hi, reason:...]`
// instruction covers version v, as CsvTestUtils.isEnabled/skipVersionRange
// decide: an empty lo is the first version, an empty hi the current one
// (so it always covers v). It returns the instruction's reason.
func (c *Case) SkippedInVersion(v string) (bool, string, error) {
	open := strings.IndexByte(c.Instructions, '[')
	end := strings.IndexByte(c.Instructions, ']')
	if open < 0 || end < open {
		return false, "", nil
	}
	pairs := map[string]string{}
	for _, kv := range strings.Split(c.Instructions[open+1:end], ",") {
		k, val, ok := strings.Cut(kv, ":")
		if !ok {
			return false, "", fmt.Errorf("expected instruction in [k1:v1,k2:v2] format; got %q", c.Instructions)
		}
		pairs[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	rng, ok := pairs["skip"]
	if !ok {
		return false, "", nil
	}
	lo, hi, ok := strings.Cut(rng, "-")
	if !ok || strings.Contains(hi, "-") {
		return false, "", fmt.Errorf("malformed version range: %q", rng)
	}
	lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
	if lo != "" && compareVersions(v, lo) < 0 {
		return false, pairs["reason"], nil
	}
	if hi != "" && compareVersions(v, hi) > 0 {
		return false, pairs["reason"], nil
	}
	return true, pairs["reason"], nil
}

// compareVersions compares dotted numeric versions ("8.11.99" < "9.2.0").
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

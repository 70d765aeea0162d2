package esql

import (
	"net/netip"

	"github.com/trailql/trailql/esql/parser"
)

// IP functions.

func init() {
	// CIDR_MATCH(ip, block...) is true when ip is in any of the blocks.
	register("cidr_match", 2, -1, func(c *checker, n parser.Expr, a []*cexpr) *cexpr {
		if !c.want(n, a, 0, "ip", func(t DataType) bool { return t == IP }) {
			return badExpr(n)
		}
		for i := 1; i < len(a); i++ {
			if !c.want(n, a, i, "string", isStringT) {
				return badExpr(n)
			}
		}
		return c.resultOf(n, Boolean, a, func(v []Value) (Value, *evalError) {
			ip := v[0].AsAddr()
			for _, b := range v[1:] {
				p, err := netip.ParsePrefix(b.s)
				if err != nil {
					if a, aerr := netip.ParseAddr(b.s); aerr == nil {
						p = netip.PrefixFrom(a, a.BitLen())
					} else {
						return Value{}, illegalArg("'%s' is not a valid CIDR", b.s)
					}
				}
				if p.Contains(ip) || (p.Addr().Is4In6() && p.Contains(netip.AddrFrom16(ip.As16()))) {
					return Bool(true), nil
				}
			}
			return Bool(false), nil
		})
	})
}

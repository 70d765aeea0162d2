package rule_test

import (
	"fmt"

	"github.com/trailql/trailql/rule"
)

// The seed rule, its schedule, and where an ES|QL error position in its
// query lies in the TOML file.
func ExampleSeed() {
	r := rule.Seed()
	fmt.Println(r.Name)
	fmt.Println(r.Severity, r.RiskScore, r.From, r.Interval, r.MaxSignals)
	line, col := r.FileLine(3, 7) // "line 3:7" as the ES|QL parser reports it
	fmt.Printf("%s:%d:%d\n", r.Path, line, col)
	// Output:
	// AWS Discovery API Calls via CLI from a Single Resource
	// low 21 now-6m 5m 100
	// rule/bundled/seed/discovery_multiple_discovery_api_calls_via_cli.toml:142:7
}

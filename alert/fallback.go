package alert

import "fmt"

// fmtFallback prints a value encoding/json cannot encode; used only as a
// last resort so alert building never fails.
func fmtFallback(v any) string { return fmt.Sprint(v) }

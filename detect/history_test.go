package detect

import (
	"testing"
	"time"
)

// A bucketed rule needs its bucket width of history, whatever its from; a
// scheduled one its from.
func TestHistory(t *testing.T) {
	bucketedQ := `FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY user.name, w = DATE_TRUNC(1 hour, @timestamp) | WHERE n > 5`
	if h := mustCompile(t, testRule(t, bucketedQ, "5m", "now-6m")).History(); h != time.Hour {
		t.Errorf("bucketed by 1 hour, from now-6m: History %v, want 1h", h)
	}
	replayedQ := `FROM logs-aws.cloudtrail-* | STATS n = COUNT(*) BY user.name | WHERE n > 5`
	if h := mustCompile(t, testRule(t, replayedQ, "5m", "now-2h")).History(); h != 2*time.Hour {
		t.Errorf("scheduled, from now-2h: History %v, want 2h", h)
	}
}

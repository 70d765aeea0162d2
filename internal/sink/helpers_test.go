package sink

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailql/trailql/alert"
	"github.com/trailql/trailql/internal/state"
	"github.com/trailql/trailql/rule"
)

// seedAlert builds a real alert document of the seed rule (the shape
// alert.Build gives Kibana's fields) for a discovery burst by user with n
// distinct actions; extra columns override row values.
func seedAlert(t *testing.T, user string, n int) (id string, doc []byte) {
	t.Helper()
	actions := []any{"DescribeInstances", "GetCallerIdentity", "ListBuckets", "ListRoles", "ListUsers", "DescribeRegions", "ListKeys", "GetBucketAcl"}[:n]
	cols := []string{"Esql.event_action_count_distinct", "Esql.event_action_values", "Esql.source_ip_values", "Esql.cloud_account_id_values", "Esql.time_window_date_trunc", "aws.cloudtrail.user_identity.arn"}
	row := []any{int64(n), actions, "203.0.113.7", "123456789012", "2024-11-04T10:00:10.000Z", user}
	groupBy := []string{"Esql.time_window_date_trunc", "aws.cloudtrail.user_identity.arn"}
	a := alert.Build(rule.Seed(), cols, row, groupBy, time.Now())
	b, err := a.Doc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return a.ID, b
}

// newStore opens a state database in a temp dir with the given sinks.
func newStore(t *testing.T, sinks ...string) *state.Store {
	t.Helper()
	st, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.SetSinks(sinks...)
	return st
}

// upsert records alerts for users u0..u(n-1) and returns their ids in order.
func upsert(t *testing.T, st *state.Store, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		id, doc := seedAlert(t, fmt.Sprintf("arn:aws:iam::123456789012:user/u%d", i), 6)
		if ch, err := st.Upsert(id, doc); err != nil || !ch {
			t.Fatalf("upsert: %v %v", ch, err)
		}
		ids = append(ids, id)
	}
	return ids
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fastOpts make the dispatcher retry quickly in tests.
func fastOpts() DispatcherOptions {
	return DispatcherOptions{
		Backoff: Backoff{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond},
		Poll:    20 * time.Millisecond,
		Grace:   2 * time.Second,
		Logger:  quietLogger(),
	}
}

func stats(t *testing.T, st *state.Store, sink string) state.OutboxStats {
	t.Helper()
	s, err := st.Stats(sink)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// eventually polls cond until it holds or 10s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		if sleep(ctx, 5*time.Millisecond) != nil {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Package investigate builds the timeline of an actor around an alert: every
// event of the alert's identity from a margin before its window to a margin
// after, the events behind the alert marked, follow-on sensitive actions
// marked from a catalogue, and a summary; then renders it as text, NDJSON
// or a self-contained HTML report. It answers the seed rule's investigation
// guide ("search the same ARN ±30 minutes for follow-on actions") with the
// logs at hand (docs/triage-and-exceptions.md §3).
package investigate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trailql/trailql/cloudtrail"
	"github.com/trailql/trailql/ecs"
)

// Event is one event of a timeline, as ECS fields.
type Event struct {
	Time      time.Time
	ID        string
	Action    string
	Provider  string
	Outcome   string
	SourceIP  string
	UserAgent string
	Region    string
	ARN       string
	AccessKey string // aws.cloudtrail.user_identity.access_key_id
	ErrorCode string
	ASOrg     string // source.as.organization.name (GeoIP)
	Country   string // source.geo.country_iso_code (GeoIP)
	// InAlert marks the events behind the alert (its evidence).
	InAlert bool
	// Sensitive is the catalogue group of a sensitive action, or nil.
	Sensitive *Sensitive
}

// Service is the event's provider without .amazonaws.com (iam, ec2).
func (e *Event) Service() string { return strings.TrimSuffix(e.Provider, ".amazonaws.com") }

// Fields are the ECS fields a timeline reads.
var Fields = []string{"@timestamp", "event.id", "event.action", "event.provider", "event.outcome", "source.ip",
	"user_agent.original", "cloud.region", "aws.cloudtrail.user_identity.arn", "aws.cloudtrail.user_identity.access_key_id",
	"aws.cloudtrail.error_code", "source.as.organization.name", "source.geo.country_iso_code"}

// Identity says which events belong to the actor: each field must have one
// of its values (any value of a multi-valued field).
type Identity struct {
	Fields []string
	Values [][]string
}

// ARN is the identity of one ARN (aws.cloudtrail.user_identity.arn).
func ARN(arns ...string) Identity {
	return Identity{Fields: []string{"aws.cloudtrail.user_identity.arn"}, Values: [][]string{arns}}
}

// AccessKey is the identity of access key ids
// (aws.cloudtrail.user_identity.access_key_id): every caller of the keys,
// whatever the ARN (a long-term key's user, a temporary key's session).
func AccessKey(ids ...string) Identity {
	return Identity{Fields: []string{"aws.cloudtrail.user_identity.access_key_id"}, Values: [][]string{ids}}
}

// String names the identity: "field=value" pairs.
func (id Identity) String() string {
	var parts []string
	for i, f := range id.Fields {
		parts = append(parts, f+"="+strings.Join(id.Values[i], "|"))
	}
	return strings.Join(parts, " ")
}

// matches reports whether ev belongs to the identity.
func (id Identity) matches(ev ecs.Event) bool {
	for i, f := range id.Fields {
		if !slices.ContainsFunc(values(ev[f]), func(v string) bool { return slices.Contains(id.Values[i], v) }) {
			return false
		}
	}
	return len(id.Fields) > 0
}

// values are a field's values as strings.
func values(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

// Query is what to collect.
type Query struct {
	Identity Identity
	// From and To bound event times (zero: unbounded).
	From, To time.Time
	// InAlert are the event ids behind the alert.
	InAlert map[string]bool
	// Catalog marks sensitive actions (nil: DefaultCatalog).
	Catalog *Catalog
}

// Collect reads paths with r and returns the events of q, sorted by time
// then id. Records that cannot be mapped are passed to bad and skipped.
func Collect(ctx context.Context, r *cloudtrail.Reader, m *ecs.Mapper, paths []string, q Query, bad func(cloudtrail.Record, error)) ([]Event, cloudtrail.Stats, error) {
	cat := q.Catalog
	if cat == nil {
		cat = DefaultCatalog()
	}
	var out []Event
	st, err := r.Read(ctx, paths, func(rec cloudtrail.Record) error {
		ev, err := m.Map(rec.Raw)
		if err != nil {
			if bad != nil {
				bad(rec, err)
			}
			return nil
		}
		t, _ := ev["@timestamp"].(time.Time)
		if (!q.From.IsZero() && t.Before(q.From)) || (!q.To.IsZero() && t.After(q.To)) || !q.Identity.matches(ev) {
			return nil
		}
		e := eventOf(ev, t)
		e.InAlert = q.InAlert[e.ID]
		e.Sensitive = cat.Match(e.Provider, e.Action)
		out = append(out, e)
		return nil
	})
	slices.SortStableFunc(out, func(a, b Event) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	// The same event delivered twice is one event.
	out = slices.CompactFunc(out, func(a, b Event) bool { return a.ID != "" && a.ID == b.ID })
	return out, st, err
}

// eventOf reads a mapped event's timeline fields.
func eventOf(ev ecs.Event, t time.Time) Event {
	s := func(k string) string {
		vs := values(ev[k])
		if len(vs) == 0 {
			return ""
		}
		return vs[0]
	}
	return Event{Time: t, ID: s("event.id"), Action: s("event.action"), Provider: s("event.provider"), Outcome: s("event.outcome"),
		SourceIP: s("source.ip"), UserAgent: s("user_agent.original"), Region: s("cloud.region"), ARN: s("aws.cloudtrail.user_identity.arn"),
		AccessKey: s("aws.cloudtrail.user_identity.access_key_id"), ErrorCode: s("aws.cloudtrail.error_code"), ASOrg: s("source.as.organization.name"), Country: s("source.geo.country_iso_code")}
}

package investigate

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Report is an investigation: the timeline and what it says.
type Report struct {
	// Rule and AlertID name the alert investigated ("" for --arn).
	Rule, AlertID string
	// Guide is the rule's investigation guide (Markdown, untrusted only as
	// far as rule files are).
	Guide    string
	Identity Identity
	// WindowStart and WindowEnd are the alert's window (zero for --arn
	// without --at); From and To the timeline's bounds.
	WindowStart, WindowEnd time.Time
	From, To               time.Time
	Events                 []Event
	Summary                Summary
}

// Count is a value and how often it occurs.
type Count struct {
	Value  string
	N      int
	Errors int // events with an error code among them
}

// Summary is what the timeline adds up to.
type Summary struct {
	Events, InAlert, Errors int
	FirstSeen, LastSeen     time.Time
	Actions, ErrorCodes     []Count
	SourceIPs, UserAgents   []Count
	Regions                 []Count
	// AccessKeys are the access key ids used (AKIA: an IAM user's
	// long-term key, ASIA: temporary session credentials).
	AccessKeys []Count
	// Sensitive are the indices in Events of the sensitive actions.
	Sensitive []int
	// NetworkOf gives, per source IP, its AS organisation and country
	// (GeoIP), when known.
	NetworkOf map[string]string
}

// Summarize fills r.Summary from r.Events.
func (r *Report) Summarize() {
	s := Summary{NetworkOf: map[string]string{}}
	actions, codes, ips, uas, regions, keys := counter{}, counter{}, counter{}, counter{}, counter{}, counter{}
	for i, e := range r.Events {
		s.Events++
		if e.InAlert {
			s.InAlert++
		}
		failed := e.ErrorCode != ""
		if failed {
			s.Errors++
			codes.add(e.ErrorCode, true)
		}
		if s.FirstSeen.IsZero() || e.Time.Before(s.FirstSeen) {
			s.FirstSeen = e.Time
		}
		if e.Time.After(s.LastSeen) {
			s.LastSeen = e.Time
		}
		actions.add(e.Service()+":"+e.Action, failed)
		ips.add(e.SourceIP, failed)
		uas.add(e.UserAgent, failed)
		regions.add(e.Region, failed)
		keys.add(e.AccessKey, failed)
		if e.Sensitive != nil {
			s.Sensitive = append(s.Sensitive, i)
		}
		if e.SourceIP != "" && (e.ASOrg != "" || e.Country != "") {
			s.NetworkOf[e.SourceIP] = joinNonEmpty(e.ASOrg, e.Country)
		}
	}
	s.Actions, s.ErrorCodes, s.SourceIPs, s.UserAgents, s.Regions = actions.sorted(), codes.sorted(), ips.sorted(), uas.sorted(), regions.sorted()
	s.AccessKeys = keys.sorted()
	r.Summary = s
}

type counter map[string]*Count

func (c counter) add(v string, failed bool) {
	if v == "" {
		return
	}
	n := c[v]
	if n == nil {
		n = &Count{Value: v}
		c[v] = n
	}
	n.N++
	if failed {
		n.Errors++
	}
}

// sorted lists the counts, most frequent first.
func (c counter) sorted() []Count {
	out := make([]Count, 0, len(c))
	for _, n := range c {
		out = append(out, *n)
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Value, b.Value)) })
	return out
}

func joinNonEmpty(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += ", "
		}
		out += p
	}
	return out
}

// Offset says when e happened relative to the alert's window: "-20m3s"
// before it, "+4m12s" after it, "in window" inside; "" without a window.
func (r *Report) Offset(e Event) string {
	switch {
	case r.WindowStart.IsZero():
		return ""
	case e.Time.Before(r.WindowStart):
		return "-" + fmtOffset(r.WindowStart.Sub(e.Time))
	case e.Time.After(r.WindowEnd):
		return "+" + fmtOffset(e.Time.Sub(r.WindowEnd))
	}
	return "in window"
}

// fmtOffset prints a duration to the second, without zero units at its
// end: 4m12s, 10m, 1h, 1h0m5s.
func fmtOffset(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// eventJSON is an event as one NDJSON line: ECS names, trailql's marks.
type eventJSON struct {
	Timestamp      string `json:"@timestamp"`
	ID             string `json:"event.id,omitempty"`
	Action         string `json:"event.action,omitempty"`
	Provider       string `json:"event.provider,omitempty"`
	Outcome        string `json:"event.outcome,omitempty"`
	SourceIP       string `json:"source.ip,omitempty"`
	ASOrg          string `json:"source.as.organization.name,omitempty"`
	Country        string `json:"source.geo.country_iso_code,omitempty"`
	UserAgent      string `json:"user_agent.original,omitempty"`
	Region         string `json:"cloud.region,omitempty"`
	ARN            string `json:"aws.cloudtrail.user_identity.arn,omitempty"`
	AccessKey      string `json:"aws.cloudtrail.user_identity.access_key_id,omitempty"`
	ErrorCode      string `json:"aws.cloudtrail.error_code,omitempty"`
	InAlert        bool   `json:"trailql.in_alert"`
	Sensitive      bool   `json:"trailql.sensitive"`
	SensitiveGroup string `json:"trailql.sensitive_group,omitempty"`
	Technique      string `json:"trailql.sensitive_technique,omitempty"`
	Offset         string `json:"trailql.offset,omitempty"`
}

// WriteNDJSON writes one JSON object per event, in time order.
func (r *Report) WriteNDJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, e := range r.Events {
		j := eventJSON{Timestamp: e.Time.UTC().Format("2006-01-02T15:04:05.000Z"), ID: e.ID, Action: e.Action, Provider: e.Provider,
			Outcome: e.Outcome, SourceIP: e.SourceIP, ASOrg: e.ASOrg, Country: e.Country, UserAgent: e.UserAgent, Region: e.Region,
			ARN: e.ARN, AccessKey: e.AccessKey, ErrorCode: e.ErrorCode, InAlert: e.InAlert, Sensitive: e.Sensitive != nil, Offset: r.Offset(e)}
		if e.Sensitive != nil {
			j.SensitiveGroup, j.Technique = e.Sensitive.Group, e.Sensitive.Technique
		}
		if err := enc.Encode(j); err != nil {
			return fmt.Errorf("writing the timeline: %w", err)
		}
	}
	return nil
}

package sink

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// bulkWriter is the _bulk protocol the elasticsearch: and opensearch: sinks
// share: the request body for a batch of deliveries and the mapping of the
// response's items back to them. Two document profiles:
//
//   - the default: the alert document as Kibana writes alerts, _id = alert
//     id, a first version created and later ones indexed over it, so that
//     an alert is one document whatever the retries;
//   - external (elasticsearch:URL?profile=external): an ECS event with
//     event.kind "alert" in the data stream logs-trailql.alert-<namespace>,
//     which Kibana's prebuilt rule "External Alerts" (rule_id
//     eb079c62-4481-4d6e-9643-3ca499df7aaa: event.kind:alert on logs-*,
//     rule name from message, severity from event.severity 21/47/73/99,
//     risk score from event.risk_score, time from event.ingested) turns into
//     alerts of the Security app (externalDoc: no kibana.* field). A data
//     stream only takes creates, so each version of an alert is a document
//     of its own (_id alert id and revision, so that a retried create is a
//     409, delivered, never a duplicate); trailql.alert.id ties them
//     together, and Kibana raises an alert for each.
type bulkWriter struct {
	index     string // the index, or the data stream of the external profile
	external  bool
	namespace string

	mu        sync.Mutex
	templated bool // the external profile's index template is in place, or is not ours to install
}

// ExternalDataset is the data stream dataset of the external profile.
const ExternalDataset = "trailql.alert"

// externalTemplate is the external profile's index template: a data stream
// for logs-trailql.alert-*, with a priority above the stack's logs-*-*
// template (100), mapping strings as keywords and the time fields as dates.
var externalTemplate = []byte(`{
  "index_patterns": ["logs-trailql.alert-*"],
  "data_stream": {},
  "priority": 200,
  "_meta": {"managed_by": "trailql", "description": "trailql alerts for Kibana's External Alerts rule"},
  "template": {
    "settings": {"index.mapping.total_fields.limit": 5000},
    "mappings": {
      "dynamic_templates": [{"strings_as_keyword": {"match_mapping_type": "string", "mapping": {"type": "keyword", "ignore_above": 1024}}}],
      "properties": {
        "@timestamp": {"type": "date"},
        "event": {"properties": {"ingested": {"type": "date"}, "kind": {"type": "keyword"}, "severity": {"type": "long"}, "risk_score": {"type": "float"}}},
        "message": {"type": "match_only_text"},
        "data_stream": {"properties": {"type": {"type": "constant_keyword"}, "dataset": {"type": "constant_keyword"}, "namespace": {"type": "constant_keyword"}}}
      }
    }
  }
}`)

// body is the _bulk request for ds.
func (b *bulkWriter) body(ds []state.Delivery) []byte {
	var out []byte
	for _, d := range ds {
		action, id, doc := "create", d.AlertID, d.Doc
		switch {
		case b.external:
			id = fmt.Sprintf("%s-%d", d.AlertID, d.Revision)
			doc = b.externalDoc(d)
		case d.Update():
			action = "index"
		}
		meta, _ := json.Marshal(map[string]map[string]string{action: {"_index": b.index, "_id": id}})
		out = append(out, meta...)
		out = append(out, '\n')
		out = appendLine(out, doc)
	}
	return out
}

// externalSeverity is event.severity for each severity, the values the
// External Alerts rule's severity_mapping reads.
var externalSeverity = map[string]int{"low": 21, "medium": 47, "high": 73, "critical": 99}

// externalDoc is an alert version as an external alert: the alert's own
// fields (the row's ECS fields and Esql.* columns, the evidence), event.kind
// "alert", and the ECS fields the External Alerts rule and the Security app
// read: message (the rule name: rule_name_override), event.severity
// (severity_mapping), event.risk_score (risk_score_mapping), event.ingested
// (timestamp_override), event.reason, rule.*, threat.* (the rule's MITRE
// mapping) and tags. The kibana.alert.* fields are left out: Kibana takes a
// source document with kibana.alert.uuid for an alert of its own, and
// would build an alert on an alert (depth 2, the ancestors of our document
// as its own); what they say is in the fields above and in
// trailql.alert.* (id, version, revision, severity, risk score).
func (b *bulkWriter) externalDoc(d state.Delivery) []byte {
	var src map[string]any
	if err := json.Unmarshal(d.Doc, &src); err != nil || src == nil {
		src = map[string]any{}
	}
	doc := make(map[string]any, len(src)+32)
	for k, v := range src {
		if k == "kibana" || strings.HasPrefix(k, "kibana.") || k == "signal" || strings.HasPrefix(k, "signal.") {
			continue
		}
		doc[k] = v
	}
	set := func(k string, v any) {
		switch x := v.(type) {
		case nil:
			return
		case string:
			if x == "" {
				return
			}
		case []any:
			if len(x) == 0 {
				return
			}
		}
		doc[k] = v
	}
	sev, _ := src["kibana.alert.severity"].(string)
	name, _ := src["kibana.alert.rule.name"].(string)
	if name == "" {
		name = "trailql alert"
	}
	doc["event.kind"] = "alert"
	doc["event.module"] = "trailql"
	doc["event.dataset"] = ExternalDataset
	doc["event.ingested"] = time.Now().UTC().Format(esTime)
	if n, ok := externalSeverity[sev]; ok {
		doc["event.severity"] = n
	}
	set("event.risk_score", src["kibana.alert.risk_score"])
	set("event.reason", src["kibana.alert.reason"])
	doc["message"] = name
	doc["rule.name"] = name
	set("rule.id", src["kibana.alert.rule.rule_id"])
	set("rule.uuid", src["kibana.alert.rule.rule_id"])
	set("rule.description", src["kibana.alert.rule.description"])
	set("rule.version", text(src["kibana.alert.rule.version"])) // ECS: a keyword
	set("rule.license", src["kibana.alert.rule.license"])
	set("rule.author", src["kibana.alert.rule.author"])
	set("rule.reference", src["kibana.alert.rule.references"])
	doc["rule.ruleset"] = "trailql"
	if _, ok := doc["tags"]; !ok {
		set("tags", src["kibana.alert.rule.tags"])
	}
	for k, v := range ecsThreat(src["kibana.alert.rule.threat"]) {
		doc[k] = v
	}
	doc["trailql.alert.id"] = d.AlertID
	doc["trailql.alert.version"] = d.Version
	doc["trailql.alert.revision"] = d.Revision
	set("trailql.alert.severity", sev)
	set("trailql.alert.risk_score", src["kibana.alert.risk_score"])
	set("trailql.alert.original_time", src["kibana.alert.original_time"])
	doc["data_stream.type"] = "logs"
	doc["data_stream.dataset"] = ExternalDataset
	doc["data_stream.namespace"] = b.namespace
	out, _ := json.Marshal(doc)
	return out
}

// ecsThreat flattens a rule's threat mapping (Kibana's
// kibana.alert.rule.threat: [{framework, tactic{id,name,reference},
// technique[{id,name,reference,subtechnique[...]}]}]) into ECS threat.*
// fields, each an array of the distinct values in order.
func ecsThreat(v any) map[string]any {
	threats, _ := v.([]any)
	vals := map[string][]any{}
	add := func(k string, x any) {
		s, _ := x.(string)
		if s == "" {
			return
		}
		for _, y := range vals[k] {
			if y == s {
				return
			}
		}
		vals[k] = append(vals[k], s)
	}
	for _, th := range threats {
		m, _ := th.(map[string]any)
		add("threat.framework", m["framework"])
		tactic, _ := m["tactic"].(map[string]any)
		for _, f := range []string{"id", "name", "reference"} {
			add("threat.tactic."+f, tactic[f])
		}
		techs, _ := m["technique"].([]any)
		for _, te := range techs {
			tm, _ := te.(map[string]any)
			for _, f := range []string{"id", "name", "reference"} {
				add("threat.technique."+f, tm[f])
			}
			subs, _ := tm["subtechnique"].([]any)
			for _, st := range subs {
				sm, _ := st.(map[string]any)
				for _, f := range []string{"id", "name", "reference"} {
					add("threat.technique.subtechnique."+f, sm[f])
				}
			}
		}
	}
	out := make(map[string]any, len(vals))
	for k, v := range vals {
		if k == "threat.framework" {
			out[k] = v[0] // ECS: one keyword
			continue
		}
		out[k] = v
	}
	return out
}

// esTime is how trailql's alert documents write times.
const esTime = "2006-01-02T15:04:05.000Z"

// ensureTemplate installs the external profile's index template once,
// before the first write (put: PUT _index_template/NAME).
func (b *bulkWriter) ensureTemplate(ctx context.Context, name string, put func(ctx context.Context, name string, body []byte) (int, string, error)) error {
	if !b.external {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.templated {
		return nil
	}
	status, snippet, err := put(ctx, "logs-trailql.alert", externalTemplate)
	if err != nil {
		return fmt.Errorf("%s: index template: %w", name, err)
	}
	if status < 200 || status >= 300 {
		err := fmt.Errorf("%s: index template: HTTP %d: %s", name, status, snippet)
		if retryable(status) {
			return err
		}
		return Permanent(err)
	}
	b.templated = true
	return nil
}

// bulkItem is one entry of a _bulk response's items: an object with one
// key, the action ("create", "index").
type bulkItem map[string]struct {
	ID     string `json:"_id"`
	Status int    `json:"status"`
	Error  *struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// outcome maps a _bulk response back to the deliveries (the items array is
// in request order, per the Bulk API docs). Item outcomes: 2xx delivered;
// 409 on a create means the document exists (an earlier attempt landed),
// delivered; 429 and 5xx retried; other errors (a mapping conflict) are
// permanent for that alert.
func (b *bulkWriter) outcome(name string, ds []state.Delivery, status int, header http.Header, body io.Reader) error {
	if status < 200 || status >= 300 {
		err := fmt.Errorf("%s: bulk: HTTP %d: %s", name, status, bodySnippet(body))
		if retryable(status) {
			if ra, ok := parseRetryAfter(header.Get("Retry-After"), time.Now()); ok {
				return retryAfterError{err, ra}
			}
			return err
		}
		return Permanent(err)
	}
	var br struct {
		Errors bool       `json:"errors"`
		Items  []bulkItem `json:"items"`
	}
	if err := json.NewDecoder(body).Decode(&br); err != nil {
		return fmt.Errorf("%s: bulk response: %w", name, err)
	}
	if len(br.Items) != len(ds) {
		return fmt.Errorf("%s: bulk response has %d items for %d actions", name, len(br.Items), len(ds))
	}
	if !br.Errors {
		return nil
	}
	be := &BatchError{Errs: make([]error, len(ds))}
	failed := false
	for i, item := range br.Items {
		for action, r := range item {
			if r.Status >= 200 && r.Status < 300 {
				continue
			}
			if r.Status == http.StatusConflict && action == "create" {
				continue // already there: a retry of a create that landed
			}
			reason := ""
			if r.Error != nil {
				reason = r.Error.Type + ": " + r.Error.Reason
			}
			err := fmt.Errorf("%s: %s %s: HTTP %d: %s", name, action, ds[i].AlertID, r.Status, reason)
			if !retryable(r.Status) {
				err = Permanent(err)
			}
			be.Errs[i] = err
			failed = true
		}
	}
	if failed {
		return be
	}
	return nil
}

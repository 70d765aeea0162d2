package sink

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// fakeES speaks enough of Elasticsearch's _bulk API for the sink: NDJSON
// action/source pairs (the body must end with a newline), create failing
// with 409 version_conflict_engine_exception on an existing _id, index
// replacing, per-item results in request order, and the
// X-Elastic-Product header the official client checks.
type fakeES struct {
	*httptest.Server
	mu       sync.Mutex
	docs     map[string]map[string]json.RawMessage // index -> _id -> source
	bulks    int
	actions  []string // "create <id>", "index <id>" in arrival order
	statuses [][]int  // per bulk request, per item
	auth     []string
	// loseFirst bulk responses: the request is applied but answered 502,
	// as when a proxy times out after Elasticsearch did the work.
	loseFirst int
	// itemStatus forces an item's status (0 = normal processing).
	itemStatus func(bulk int, action, id string) int
	// templates are the index templates PUT, by name; check, when set,
	// sees every request (auth checks of the OpenSearch tests).
	templates map[string]json.RawMessage
	check     func(r *http.Request, body []byte) error
}

func newFakeES(t *testing.T) *fakeES {
	es := &fakeES{docs: map[string]map[string]json.RawMessage{}}
	es.Server = httptest.NewServer(http.HandlerFunc(es.serve))
	t.Cleanup(es.Close)
	return es
}

func (es *fakeES) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json")
	if es.check != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if err := es.check(r, b); err != nil {
			w.WriteHeader(403)
			fmt.Fprintf(w, `{"message":%q}`, err.Error())
			return
		}
	}
	if name, ok := strings.CutPrefix(r.URL.Path, "/_index_template/"); ok && r.Method == http.MethodPut {
		b, _ := io.ReadAll(r.Body)
		es.mu.Lock()
		if es.templates == nil {
			es.templates = map[string]json.RawMessage{}
		}
		es.templates[name] = b
		es.mu.Unlock()
		io.WriteString(w, `{"acknowledged":true}`)
		return
	}
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/_bulk") {
		w.WriteHeader(404)
		fmt.Fprintf(w, `{"error":"no handler for %s %s","status":404}`, r.Method, r.URL.Path)
		return
	}
	body, _ := io.ReadAll(r.Body)
	es.mu.Lock()
	defer es.mu.Unlock()
	es.bulks++
	es.auth = append(es.auth, r.Header.Get("Authorization"))
	if !strings.Contains(r.Header.Get("Content-Type"), "ndjson") || len(body) == 0 || body[len(body)-1] != '\n' {
		w.WriteHeader(400)
		io.WriteString(w, `{"error":{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"},"status":400}`)
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<24)
	var items []map[string]any
	var statuses []int
	anyErr := false
	for sc.Scan() {
		var action map[string]struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &action); err != nil || len(action) != 1 {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"type":"x_content_parse_exception","reason":%q},"status":400}`, sc.Text())
			return
		}
		if !sc.Scan() || !json.Valid(sc.Bytes()) {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"type":"parse_exception","reason":"source missing or invalid"},"status":400}`)
			return
		}
		src := json.RawMessage(append([]byte(nil), sc.Bytes()...))
		for op, meta := range action {
			es.actions = append(es.actions, op+" "+meta.ID)
			idx := es.docs[meta.Index]
			if idx == nil {
				idx = map[string]json.RawMessage{}
				es.docs[meta.Index] = idx
			}
			status := 0
			if es.itemStatus != nil {
				status = es.itemStatus(es.bulks, op, meta.ID)
			}
			res := map[string]any{"_index": meta.Index, "_id": meta.ID}
			switch {
			case status != 0:
				res["error"] = map[string]any{"type": "forced", "reason": http.StatusText(status)}
			case strings.HasPrefix(meta.Index, "logs-") && op != "create":
				status = 400
				res["error"] = map[string]any{"type": "illegal_argument_exception", "reason": "only write ops with an op_type of create are allowed in data streams"}
			case op == "create" && idx[meta.ID] != nil:
				status = 409
				res["error"] = map[string]any{"type": "version_conflict_engine_exception",
					"reason": "[" + meta.ID + "]: version conflict, document already exists (current version [1])"}
			case op == "create":
				status, res["result"] = 201, "created"
				idx[meta.ID] = src
			case op == "index":
				status, res["result"] = 200, "updated"
				if idx[meta.ID] == nil {
					status, res["result"] = 201, "created"
				}
				idx[meta.ID] = src
			default:
				status = 400
				res["error"] = map[string]any{"type": "illegal_argument_exception", "reason": "unexpected action " + op}
			}
			res["status"] = status
			if status >= 300 {
				anyErr = true
			}
			statuses = append(statuses, status)
			items = append(items, map[string]any{op: res})
		}
	}
	es.statuses = append(es.statuses, statuses)
	if es.bulks <= es.loseFirst {
		w.WriteHeader(502)
		io.WriteString(w, `<html>502 Bad Gateway</html>`)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"took": 1, "errors": anyErr, "items": items})
}

func (es *fakeES) doc(t *testing.T, index, id string) map[string]any {
	t.Helper()
	es.mu.Lock()
	defer es.mu.Unlock()
	var m map[string]any
	if raw := es.docs[index][id]; raw != nil {
		json.Unmarshal(raw, &m)
	}
	return m
}

func clearESEnv(t *testing.T) {
	for _, k := range []string{"ELASTICSEARCH_API_KEY", "ELASTICSEARCH_USERNAME", "ELASTICSEARCH_PASSWORD"} {
		t.Setenv(k, "")
	}
}

// TestElasticsearchCreateThenIndex: the first version of an alert is a
// create with _id = kibana.alert.uuid; a changed alert is an index of the
// same _id, so the index holds one document per alert, the newest.
func TestElasticsearchCreateThenIndex(t *testing.T) {
	clearESEnv(t)
	es := newFakeES(t)
	s, err := Parse("elasticsearch:" + es.URL + "?index=alerts-test")
	if err != nil {
		t.Fatal(err)
	}
	if want := "elasticsearch:" + es.URL + "/alerts-test"; s.Name() != want {
		t.Errorf("Name() = %q, want %q", s.Name(), want)
	}
	st := newStore(t, s.Name())
	ids := upsert(t, st, 2)
	d := NewDispatcher(st, []Sink{s}, fastOpts())
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(es.actions, ","); got != "create "+ids[0]+",create "+ids[1] {
		t.Errorf("actions = %s", got)
	}
	for _, id := range ids {
		if doc := es.doc(t, "alerts-test", id); doc["kibana.alert.uuid"] != id {
			t.Errorf("document %s: kibana.alert.uuid = %v", id, doc["kibana.alert.uuid"])
		}
	}
	// The first alert's burst grows: an update.
	_, doc := seedAlert(t, "arn:aws:iam::123456789012:user/u0", 8)
	if ch, _ := st.Upsert(ids[0], doc); !ch {
		t.Fatal("changed alert not recorded as changed")
	}
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if last := es.actions[len(es.actions)-1]; last != "index "+ids[0] {
		t.Errorf("update sent as %q, want index", last)
	}
	if n := len(es.docs["alerts-test"]); n != 2 {
		t.Errorf("index holds %d documents, want 2", n)
	}
	if c := es.doc(t, "alerts-test", ids[0])["Esql.event_action_count_distinct"]; c != float64(8) {
		t.Errorf("updated count = %v, want 8", c)
	}
	if s := stats(t, st, s.Name()); s.Pending != 0 || s.Sent != 2 {
		t.Errorf("outbox = %+v", s)
	}
}

// TestElasticsearchLostResponseIsNotDuplicated: the first bulk is applied
// but its response lost (502); the retry's creates get 409 and count as
// delivered: one document per alert, nothing left pending.
func TestElasticsearchLostResponseIsNotDuplicated(t *testing.T) {
	clearESEnv(t)
	es := newFakeES(t)
	es.loseFirst = 1
	s, err := NewElasticsearch(ElasticsearchOptions{Addresses: []string{es.URL}})
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t, s.Name())
	upsert(t, st, 3)
	if err := NewDispatcher(st, []Sink{s}, fastOpts()).Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if es.bulks != 2 {
		t.Fatalf("bulk requests = %d, want 2 (one lost, one retry)", es.bulks)
	}
	if fmt.Sprint(es.statuses[1]) != "[409 409 409]" {
		t.Errorf("retry statuses = %v, want 409s", es.statuses[1])
	}
	if n := len(es.docs[DefaultIndex]); n != 3 {
		t.Errorf("%s holds %d documents, want 3", DefaultIndex, n)
	}
	if s := stats(t, st, s.Name()); s.Pending != 0 || s.Sent != 3 {
		t.Errorf("outbox = %+v", s)
	}
}

// TestElasticsearchItemFailures: per-item results are honoured: a mapping
// error (400) parks that alert, a 429 item is retried later, the others
// are delivered in the same request.
func TestElasticsearchItemFailures(t *testing.T) {
	clearESEnv(t)
	es := newFakeES(t)
	st := newStore(t)
	s, _ := NewElasticsearch(ElasticsearchOptions{Addresses: []string{es.URL}, Index: "a"})
	st.SetSinks(s.Name())
	ids := upsert(t, st, 3)
	es.itemStatus = func(bulk int, op, id string) int {
		switch {
		case id == ids[0]:
			return 400
		case id == ids[1] && bulk == 1:
			return 429
		}
		return 0
	}
	d := NewDispatcher(st, []Sink{s}, fastOpts())
	if err := d.Flush(context.Background()); err == nil {
		t.Fatal("Flush hid a retryable item failure")
	}
	if got := stats(t, st, s.Name()); got.Parked != 1 || got.Pending != 1 || got.Sent != 1 {
		t.Fatalf("after first bulk: %+v, want 1 parked, 1 pending, 1 sent", got)
	}
	ds, _ := st.PendingAt(s.Name(), 10, time.Now().Add(time.Hour))
	if len(ds) != 1 || ds[0].AlertID != ids[1] || ds[0].Attempts != 1 || !strings.Contains(ds[0].LastError, "HTTP 429") {
		t.Fatalf("pending = %+v", ds)
	}
	eventually(t, "the 429 item to be delivered", func() bool {
		d.Flush(context.Background())
		return stats(t, st, s.Name()).Sent == 2
	})
}

// TestElasticsearchCredentialsFromEnvironment: API key or basic auth come
// from the environment, never the URL.
func TestElasticsearchCredentialsFromEnvironment(t *testing.T) {
	es := newFakeES(t)
	send := func(spec string) string {
		t.Helper()
		s, err := Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		id, doc := seedAlert(t, "arn:aws:iam::1:user/x", 6)
		st := newStore(t, s.Name())
		st.Upsert(id, doc)
		if err := NewDispatcher(st, []Sink{s}, fastOpts()).Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		return es.auth[len(es.auth)-1]
	}
	clearESEnv(t)
	t.Setenv("ELASTICSEARCH_API_KEY", "a2V5aWQ6c2VjcmV0")
	// The scheme is case-insensitive (RFC 9110 §11.1); the client writes "APIKey".
	isAPIKey := func(got, key string) bool {
		scheme, cred, _ := strings.Cut(got, " ")
		return strings.EqualFold(scheme, "ApiKey") && cred == key
	}
	if got := send("elasticsearch:" + es.URL); !isAPIKey(got, "a2V5aWQ6c2VjcmV0") {
		t.Errorf("Authorization = %q, want the API key", got)
	}
	clearESEnv(t)
	t.Setenv("ELASTICSEARCH_USERNAME", "trailql")
	t.Setenv("ELASTICSEARCH_PASSWORD", "pw")
	if got := send("elasticsearch:" + es.URL + "?index=b"); got != "Basic "+base64.StdEncoding.EncodeToString([]byte("trailql:pw")) {
		t.Errorf("Authorization = %q, want basic", got)
	}
	clearESEnv(t)
	t.Setenv("MY_KEY", "bXk6a2V5")
	if got := send("elasticsearch:" + es.URL + "?index=c&api-key-env=MY_KEY"); !isAPIKey(got, "bXk6a2V5") {
		t.Errorf("Authorization = %q, want MY_KEY", got)
	}
	clearESEnv(t)
	t.Setenv("ELASTICSEARCH_USERNAME", "trailql")
	if _, err := Parse("elasticsearch:" + es.URL); err == nil || !strings.Contains(err.Error(), "ELASTICSEARCH_PASSWORD") {
		t.Errorf("username without password: err = %v", err)
	}
}

// profile=external writes Kibana external alerts: the index template for
// logs-trailql.alert-* first, then each alert version as its own document
// (data streams only take creates) with event.kind "alert", message the rule
// name and event.severity as the External Alerts rule's severity_mapping
// reads it.
func TestElasticsearchExternalProfile(t *testing.T) {
	es := newFakeES(t)
	s, err := Parse("elasticsearch:" + es.URL + "?profile=external&namespace=prod")
	if err != nil {
		t.Fatal(err)
	}
	id, doc := seedAlert(t, "alice", 6)
	ds := []state.Delivery{{AlertID: id, Version: "v1", Revision: 1, Doc: doc}, {AlertID: id, Version: "v2", Revision: 2, Doc: doc}}
	if err := s.Send(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	if _, ok := es.templates["logs-trailql.alert"]; !ok {
		t.Fatalf("no index template PUT (templates %v)", es.templates)
	}
	var tmpl map[string]any
	json.Unmarshal(es.templates["logs-trailql.alert"], &tmpl)
	if fmt.Sprint(tmpl["index_patterns"]) != "[logs-trailql.alert-*]" || tmpl["data_stream"] == nil {
		t.Errorf("template %v", tmpl)
	}
	ds1 := es.doc(t, "logs-trailql.alert-prod", id+"-1")
	ds2 := es.doc(t, "logs-trailql.alert-prod", id+"-2")
	if ds1 == nil || ds2 == nil {
		t.Fatalf("documents %v", es.actions)
	}
	for k, want := range map[string]any{"event.kind": "alert", "event.module": "trailql", "message": "AWS Discovery API Calls via CLI from a Single Resource",
		"event.severity": 21.0, "event.risk_score": 21.0, "data_stream.dataset": "trailql.alert", "data_stream.namespace": "prod", "trailql.alert.id": id} {
		if ds2[k] != want {
			t.Errorf("%s = %v, want %v", k, ds2[k], want)
		}
	}
	if _, ok := ds2["event.ingested"]; !ok {
		t.Error("no event.ingested (the External Alerts rule's timestamp_override)")
	}
	for _, bad := range []string{"?profile=external&index=x", "?profile=other", "?profile=external&namespace=a-b"} {
		if _, err := Parse("elasticsearch:" + es.URL + bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

package ecs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// Fields of Elastic's expected documents that trailql does not produce (yet),
// with the reason; they are left out of the comparison.
var ignoredExpected = []struct{ prefix, why string }{
	{"actor.entity.id", "entity fields need the opt-in actor_target_mapping tag (docs/cloudtrail-ecs-mapping.md §9)"},
	{"related.entity", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"target.entity.id", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"user.entity.id", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"service.entity.id", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"host.entity.id", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"entity.id", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"user.target.entity.id", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"service.target.entity.id", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"host.target.entity.id", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"host.target.id", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"entity.target.id", "entity field (docs/cloudtrail-ecs-mapping.md §9)"},
	{"event.original", "raw record text; not indexed, unusable in rules"},
	{"event.created", "agent read time (test config value)"},
	{"tags", "set by the agent / test config"},
	{"ecs.version", "constant added by the pipeline, not a rule field"},
}

// Fields trailql adds that the pipeline tests lack because the agent and the
// index template (not the pipeline) provide them (docs/cloudtrail-ecs-mapping.md §1 stages 2 and 5).
var agentProvided = map[string]bool{
	"data_stream.type": true, "data_stream.dataset": true, "data_stream.namespace": true,
	"event.module": true, "event.dataset": true,
}

func ignoredField(k string) bool {
	for _, ig := range ignoredExpected {
		if k == ig.prefix || strings.HasPrefix(k, ig.prefix) {
			return true
		}
	}
	return agentProvided[k]
}

// flattenExpected turns an expected document into dotted keys. Objects under
// aws.cloudtrail.flattened.*, web_id_federation_data.attributes and the
// source.geo.location geo_point ({lat, lon}) stay whole;
// the aws.cloudtrail.resources object array becomes one list per subfield, the
// shape the Event uses.
func flattenExpected(prefix string, v any, out map[string]any) {
	m, ok := v.(map[string]any)
	if !ok || strings.HasPrefix(prefix, "aws.cloudtrail.flattened.") ||
		prefix == "aws.cloudtrail.user_identity.session_context.web_id_federation_data.attributes" ||
		prefix == "source.geo.location" {
		if prefix == "aws.cloudtrail.resources" {
			if list, ok := v.([]any); ok {
				for _, r := range list {
					rm, _ := r.(map[string]any)
					for k, x := range rm {
						key := prefix + "." + k
						l, _ := out[key].([]any)
						out[key] = append(l, x)
					}
				}
				return
			}
		}
		out[prefix] = v
		return
	}
	for k, c := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		flattenExpected(key, c, out)
	}
}

// normalize renders an Event value the way the expected JSON holds it.
func normalize(v any) any {
	b, err := json.Marshal(nestedValue(v))
	if err != nil {
		return fmt.Sprintf("unmarshalable %T", v)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// fixtureCase names one expected file and, for the older ones, the only fields
// the MANIFEST says are still valid there.
type fixtureCase struct {
	expected string
	only     []string // field prefixes to compare; nil = all
	skip     []string // extra prefixes to leave out, with the reason in why
	why      string
}

// TestConformance maps every input of the fixtures that have Elastic's
// expected output and compares every field trailql produces or Elastic
// expects (minus ignoredExpected). source.geo.* / source.as.* are compared
// too: the mapper uses the committed test databases (testdata/geoip), which
// hold the values of Elasticsearch's test MaxMind databases for the fixture
// IPs (see geoip_testdb_test.go).
func TestConformance(t *testing.T) {
	shared := sharedDir(t)
	dir := filepath.Join(shared, "testdata", "elastic-cloudtrail-pipeline")
	matches, _ := filepath.Glob(filepath.Join(dir, "*-expected.json"))
	if len(matches) != 8 {
		t.Errorf("expected 8 current golden files, found %d", len(matches))
	}
	var cases []fixtureCase
	for _, m := range matches {
		fc := fixtureCase{expected: m}
		if strings.Contains(m, "copy-object-json-minimal") {
			fc.skip = []string{"aws.cloudtrail.flattened."}
			fc.why = "test config sets _conf.retain=minimal, which prunes the flattened objects; trailql maps with the default retain (everything)"
		}
		cases = append(cases, fc)
	}
	cases = append(cases,
		fixtureCase{expected: filepath.Join(dir, "older-pipeline-expected", "test-terminate-session-json.log-expected.json"),
			only: []string{"user.id", "tls.", "user_agent.", "source.geo.", "source.as."}},
		fixtureCase{expected: filepath.Join(dir, "older-pipeline-expected", "test-user-authentication.log-expected.json"),
			only: []string{"user.name", "user_agent."}},
	)
	m := NewMapper(Options{GeoIP: openTestGeoIP(t)})
	totalCompared, totalAgree := 0, 0
	for _, fc := range cases {
		name := filepath.Base(fc.expected)
		input := filepath.Join(dir, strings.TrimSuffix(name, "-expected.json"))
		raw, err := os.ReadFile(input)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		expRaw, err := os.ReadFile(fc.expected)
		if err != nil {
			t.Fatal(err)
		}
		var exp struct{ Expected []map[string]any }
		if err := json.Unmarshal(expRaw, &exp); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Pair each expected doc with its input line through event.original (the
		// pipeline keeps the raw line there); docs without it come from blank
		// lines and carry no record fields.
		inputLines := map[string]bool{}
		for _, l := range strings.Split(string(raw), "\n") {
			inputLines[l] = true
		}
		compared, agree := 0, 0
		for i, doc := range exp.Expected {
			evn, _ := doc["event"].(map[string]any)
			line, ok := evn["original"].(string)
			if !ok {
				continue
			}
			if !inputLines[line] {
				t.Errorf("%s doc %d: event.original is not a line of %s", name, i+1, filepath.Base(input))
			}
			ev, err := m.Map([]byte(line))
			if err != nil {
				t.Errorf("%s doc %d: %v", name, i+1, err)
				continue
			}
			want := map[string]any{}
			flattenExpected("", doc, want)
			keys := map[string]bool{}
			for k := range want {
				keys[k] = true
			}
			for k := range ev {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				if ignoredField(k) || !selected(k, fc.only) || (fc.skip != nil && selected(k, fc.skip)) {
					continue
				}
				if fc.only != nil {
					if _, ok := want[k]; !ok {
						continue // older pipeline lacks fields added since
					}
				}
				compared++
				got, ok := ev[k]
				var g any
				if ok {
					g = normalize(got)
				}
				if reflect.DeepEqual(g, want[k]) {
					agree++
					continue
				}
				t.Errorf("%s doc %d: %s:\n got  %s\n want %s", name, i+1, k, js(g), js(want[k]))
			}
		}
		t.Logf("%-58s fields compared %3d, agreeing %3d", name, compared, agree)
		totalCompared += compared
		totalAgree += agree
	}
	t.Logf("TOTAL fields compared %d, agreeing %d", totalCompared, totalAgree)
}

func selected(k string, prefixes []string) bool {
	if prefixes == nil {
		return true
	}
	for _, p := range prefixes {
		if k == p || strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func js(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 400 {
		return string(b[:400]) + "..."
	}
	return string(b)
}

// TestAllPipelineInputs maps every record line of the 94 upstream test inputs:
// no panic, and no error except for the records the MANIFEST documents as
// having no eventTime (the synthetic test-update-lambda record). Blank lines
// are not records.
func TestAllPipelineInputs(t *testing.T) {
	shared := sharedDir(t)
	files, _ := filepath.Glob(filepath.Join(shared, "testdata", "elastic-cloudtrail-pipeline", "test-*.log"))
	if len(files) != 94 {
		t.Errorf("expected 94 inputs, found %d", len(files))
	}
	allowedNoTime := map[string]bool{"test-update-lambda-json.log": true}
	m := NewMapper(Options{})
	types := FieldTypes()
	records, mapped := 0, 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		line := 0
		for sc.Scan() {
			line++
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			records++
			ev, err := m.Map(b)
			if err != nil {
				if errors.Is(err, ErrNoTimestamp) && allowedNoTime[filepath.Base(f)] {
					continue
				}
				t.Errorf("%s:%d: %v", filepath.Base(f), line, err)
				continue
			}
			if _, ok := ev["@timestamp"].(time.Time); !ok {
				t.Errorf("%s:%d: no @timestamp", filepath.Base(f), line)
			}
			for k := range ev {
				if types[k] == "" {
					t.Errorf("%s:%d: produced field %s is not in FieldTypes", filepath.Base(f), line, k)
				}
			}
			mapped++
		}
		fh.Close()
	}
	t.Logf("records %d, mapped %d", records, mapped)
}

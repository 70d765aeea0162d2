package ecs

import (
	"fmt"
	"testing"
	"time"
)

func TestPassThroughECSDocuments(t *testing.T) {
	m := NewMapper(Options{Fields: []string{"process.name"}})
	ev, err := m.Map([]byte(`{"@timestamp":"2026-11-02T15:13:02.123Z","data_stream":{"type":"logs","dataset":"endpoint.events.process"},
		"process":{"name":"curl","pid":42,"args":["curl","-s"],"parent":{"command_line":"/bin/sh x"}},"host.os.type":"linux","event":{"category":["process"]},"empty":"","nil":null}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"@timestamp": "2026-11-02 15:13:02.123 +0000 UTC", "process.name": "curl", "process.pid": "42",
		"process.args": "[curl -s]", "process.parent.command_line": "/bin/sh x", "host.os.type": "linux",
		"event.category": "process", "data_stream.dataset": "endpoint.events.process",
		"data_stream.namespace": "default", "data_stream.type": "logs",
	}
	for k, v := range want {
		got := ev[k]
		if tm, ok := got.(time.Time); ok {
			got = tm.UTC()
		}
		if fmt.Sprint(got) != v {
			t.Errorf("%s = %v, want %s", k, got, v)
		}
	}
	if _, ok := ev["empty"]; ok {
		t.Error(`"" is absent in Elasticsearch (purge)`)
	}
	for _, bad := range []string{
		`{"data_stream":{"dataset":"endpoint.events.process"},"process":{"name":"x"}}`,                         // no @timestamp, no eventTime
		`{"@timestamp":"yesterday","data_stream":{"dataset":"endpoint.events.process"}}`,                       // bad @timestamp
		`{"@timestamp":"2026-11-02T15:13:02Z","data_stream":{"dataset":"aws.cloudtrail"},"eventName":"X"}`,     // CloudTrail needs eventTime
		`{"@timestamp":"2026-11-02T15:13:02Z","@version":"1","eventName":"ListBuckets","eventSource":"s3..."}`, // Logstash-reshaped, no data stream
	} {
		if _, err := m.Map([]byte(bad)); err == nil {
			t.Errorf("%s: mapped, want an error", bad)
		}
	}
}

package ecs

import (
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
)

// Documents of other Elastic integrations.
//
// A few of Elastic's CloudTrail rules also read other data streams in the
// same query: Elastic Defend process events (the SSM LOLBin rule), Azure,
// GCP and Kubernetes audit logs (the multi-cloud secrets rule). Such events
// reach trailql already in ECS form, exported from Elasticsearch or written
// by Elastic Agent: a JSON object with "@timestamp" and a data stream
// ("data_stream": {"type", "dataset", "namespace"}, or the dotted keys), and
// no CloudTrail eventTime. Map passes them through: nested objects become
// dotted field names, values are kept as they are. Detectors route each
// document only to the rules whose FROM patterns match its data stream.

// ecsDocument reports whether root is an ECS document of another
// integration: it has @timestamp and a data_stream.dataset other than
// CloudTrail's, and no eventTime (a CloudTrail record always has one).
func ecsDocument(root *fastjson.Value) bool {
	if root.Get("eventTime") != nil || root.Get("@timestamp") == nil {
		return false
	}
	ds := datasetOf(root)
	return ds != "" && ds != "aws.cloudtrail"
}

// datasetOf reads data_stream.dataset, nested or dotted.
func datasetOf(root *fastjson.Value) string {
	for _, path := range [][]string{{"data_stream", "dataset"}, {"data_stream.dataset"}} {
		if v := root.Get(path...); v != nil && v.Type() == fastjson.TypeString {
			b, _ := v.StringBytes()
			return string(b)
		}
	}
	return ""
}

// passThrough flattens an ECS document into an Event.
func (b *builder) passThrough() error {
	ts := b.root.Get("@timestamp")
	s := ""
	if ts.Type() == fastjson.TypeString {
		sb, _ := ts.StringBytes()
		s = string(sb)
	}
	t, ok := parseISO8601(s)
	if !ok {
		return fmt.Errorf("invalid @timestamp %q: not an ISO-8601 date", truncate(s, 64))
	}
	flatten(b.ev, "", b.root)
	b.ev["@timestamp"] = t
	if _, ok := b.ev["data_stream.namespace"]; !ok {
		b.ev["data_stream.namespace"] = b.m.namespace
	}
	if _, ok := b.ev["data_stream.type"]; !ok {
		b.ev["data_stream.type"] = "logs"
	}
	return nil
}

// flatten stores every leaf of v under its dotted path; arrays of scalars
// become multi-values, arrays of objects contribute each leaf of each element
// (as Elasticsearch indexes them: no nested type in these mappings).
func flatten(ev Event, prefix string, v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(k []byte, c *fastjson.Value) {
			name := string(k)
			if prefix != "" {
				name = prefix + "." + name
			}
			flatten(ev, name, c)
		})
	case fastjson.TypeArray:
		items, _ := v.Array()
		for _, it := range items {
			if it.Type() == fastjson.TypeObject || it.Type() == fastjson.TypeArray {
				flatten(ev, prefix, it)
				continue
			}
			if x := scalar(it); x != nil {
				appendValue(ev, prefix, x)
			}
		}
	default:
		if x := scalar(v); x != nil {
			appendValue(ev, prefix, x)
		}
	}
}

// scalar converts a JSON scalar; null and "" are absent (the purge).
func scalar(v *fastjson.Value) any {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if len(b) == 0 {
			return nil
		}
		return strings.Clone(string(b))
	case fastjson.TypeNumber:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case fastjson.TypeTrue:
		return true
	case fastjson.TypeFalse:
		return false
	}
	return nil
}

// appendValue adds x to field name, turning it into a multi-value when the
// field already has a value.
func appendValue(ev Event, name string, x any) {
	old, ok := ev[name]
	if !ok {
		ev[name] = x
		return
	}
	if list, ok := old.([]any); ok {
		ev[name] = append(list, x)
		return
	}
	ev[name] = []any{old, x}
}

package ecs

import (
	"strings"

	"github.com/valyala/fastjson"
)

// hosts builds related.hosts (docs/cloudtrail-ecs-mapping.md §3), in the pipeline's order: the TLS host
// header unless it is an AWS endpoint; source.address when it is a host name
// (not an IP, contains '.', no space, not *.amazonaws.com);
// requestParameters.computerName; then EC2 instance ids (strings "i-..." of at
// least 10 chars) from resource ARNs containing ":instance/" and from
// request/response instanceId, target, resourceId, instanceIds[] and
// instancesSet.items[].instanceId (script_append_related_hosts_instance_ids).
func (b *builder) hosts(serverName string, resourceARNs []string) {
	if serverName != "" && !strings.HasSuffix(serverName, ".amazonaws.com") {
		b.related.hosts = appendUnique(b.related.hosts, serverName)
	}
	if addr, ok := b.ev["source.address"].(string); ok {
		if _, isIP := b.ev["source.ip"]; !isIP && strings.Contains(addr, ".") &&
			!strings.Contains(addr, " ") && !strings.HasSuffix(addr, ".amazonaws.com") {
			b.related.hosts = appendUnique(b.related.hosts, addr)
		}
	}
	if s, ok := b.str(b.root, "requestParameters", "computerName"); ok {
		b.related.hosts = appendUnique(b.related.hosts, s)
	}
	addID := func(v *fastjson.Value) {
		if isString(v) {
			s, _ := text(v)
			if len(s) >= 10 && strings.HasPrefix(s, "i-") {
				b.related.hosts = appendUnique(b.related.hosts, s)
			}
		}
	}
	for _, arn := range resourceARNs {
		if strings.Contains(arn, ":instance/") {
			id := arn[strings.LastIndexByte(arn, '/')+1:]
			if len(id) >= 10 && strings.HasPrefix(id, "i-") {
				b.related.hosts = appendUnique(b.related.hosts, id)
			}
		}
	}
	for _, src := range []string{"requestParameters", "responseElements"} {
		c := field(b.root, src)
		if c == nil || c.Type() != fastjson.TypeObject {
			continue
		}
		for _, k := range []string{"instanceId", "target", "resourceId"} {
			addID(field(c, k))
		}
		if ids := field(c, "instanceIds"); ids != nil && ids.Type() == fastjson.TypeArray {
			a, _ := ids.Array()
			for _, id := range a {
				addID(id)
			}
		}
		if items := path(c, "instancesSet", "items"); items != nil && items.Type() == fastjson.TypeArray {
			a, _ := items.Array()
			for _, it := range a {
				addID(field(it, "instanceId"))
			}
		}
	}
}

package ecs

import (
	"slices"

	"github.com/valyala/fastjson"
)

// resources maps resources[] to aws.cloudtrail.resources.{arn,account_id,type}
// (script_deduplicate_json_resources): each element object's ARN -> arn,
// accountId -> account_id; elements with the same "arn_accountId_type" key are
// kept once (the last one wins, at the first one's position) and the list comes
// out in java.util.HashMap order of those keys. The Event stores one
// multi-valued field per subfield, which is how ES|QL reads the object array.
// It returns the ARNs in that order (for related.hosts).
func (b *builder) resources() []string {
	v := field(b.root, "resources")
	if v == nil || v.Type() != fastjson.TypeArray {
		return nil
	}
	items, _ := v.Array()
	type res struct {
		key                      []byte
		arn, account, typ        string
		hasArn, hasAcct, hasType bool
	}
	var list []res
	for _, it := range items {
		if !present(it) || it.Type() != fastjson.TypeObject {
			continue
		}
		var r res
		r.arn, r.hasArn = b.str(it, "ARN")
		if a, ok := b.str(it, "arn"); ok && !r.hasArn {
			r.arn, r.hasArn = a, true
		}
		r.account, r.hasAcct = b.str(it, "accountId")
		if a, ok := b.str(it, "account_id"); ok && !r.hasAcct {
			r.account, r.hasAcct = a, true
		}
		r.typ, r.hasType = b.str(it, "type")
		r.key = []byte(r.arn + "_" + r.account + "_" + r.typ)
		dup := false
		for i := range list {
			if string(list[i].key) == string(r.key) {
				list[i] = r
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, r)
		}
	}
	if len(list) == 0 {
		return nil
	}
	capacity := hashMapCapacity(len(list))
	slices.SortStableFunc(list, func(x, y res) int {
		bx := hashMapBucket(javaStringHash(x.key), capacity)
		by := hashMapBucket(javaStringHash(y.key), capacity)
		switch {
		case bx < by:
			return -1
		case bx > by:
			return 1
		}
		return 0
	})
	var arns, accts, types []string
	for _, r := range list {
		if r.hasArn && r.arn != "" {
			arns = append(arns, r.arn)
		}
		if r.hasAcct && r.account != "" {
			accts = append(accts, r.account)
		}
		if r.hasType && r.typ != "" {
			types = append(types, r.typ)
		}
	}
	if len(arns) > 0 {
		b.ev["aws.cloudtrail.resources.arn"] = arns
	}
	if len(accts) > 0 {
		b.ev["aws.cloudtrail.resources.account_id"] = accts
	}
	if len(types) > 0 {
		b.ev["aws.cloudtrail.resources.type"] = types
	}
	return arns
}

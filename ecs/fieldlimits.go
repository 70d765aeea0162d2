package ecs

import "strings"

// Keyword values longer than a field's ignore_above are not indexed and have
// no doc values, so ES|QL, which reads keyword fields from doc values, sees
// them as null (docs/cloudtrail-ecs-mapping.md §10); in a multi-valued field only the long values are
// dropped. Where the limits come from, for a logs-aws.cloudtrail-* index:
//
//   - aws.cloudtrail.request_parameters and .response_elements declare
//     ignore_above: 8191 in the integration's data_stream/cloudtrail/fields/fields.yml
//     (elastic/integrations, packages/aws).
//   - Every other keyword (or wildcard) field declared in the package's fields
//     files gets ignore_above: 1024: Fleet writes DEFAULT_IGNORE_ABOVE = 1024 into
//     the index template for static keyword and wildcard fields that set none
//     (elastic/kibana x-pack/platform/plugins/shared/fleet/server/services/epm/
//     elasticsearch/template/mappings.ts keyword(), field_type_registry.ts
//     wildcardType); ECS "external" fields carry ECS's own ignore_above: 1024.
//     That covers additional_eventdata and service_event_details, whose
//     fields.yml entries set no limit.
//   - Fields the package does not declare are mapped by the ecs@mappings
//     dynamic templates (elastic/elasticsearch x-pack/plugin/core/
//     template-resources/src/main/resources/ecs@mappings.json): strings become
//     keyword with ignore_above 1024 (all_strings_to_keywords), except the ECS
//     name-like paths matched earlier (*.name, *.title, file.path, os.full,
//     user_agent.original, ... -> keyword without a limit; *command_line,
//     url.*, ... -> wildcard without a limit).
//   - Non-keyword types (constant_keyword, text, flattened, date, ip, long,
//     boolean, geo_point) have no limit here.
//
// Elasticsearch compares the Java String length (UTF-16 code units) with
// the limit: a value is dropped when its length is greater than ignore_above.

// DefaultIgnoreAbove is the limit of keyword fields that set none in the
// integration (Fleet's DEFAULT_IGNORE_ABOVE) and of dynamically mapped strings.
const DefaultIgnoreAbove = 1024

// ignoreAboveOverrides are the fields whose limit differs from what their type
// in fieldTypes implies.
var ignoreAboveOverrides = map[string]int{
	"aws.cloudtrail.request_parameters": 8191,
	"aws.cloudtrail.response_elements":  8191,
	// Produced by the pipeline but not declared by the package (neither in
	// fields.yml nor ecs.yml): mapped dynamically by ecs@mappings' *.name
	// template, which sets no ignore_above.
	"cloud.service.name": 0,
	"service.name":       0,
	// Declared as ECS event.original (index: false, doc_values: false), for
	// which Fleet drops ignore_above.
	"event.original": 0,
}

// IgnoreAbove returns the ignore_above of field in a logs-aws.cloudtrail-*
// index (0 = no limit). It applies to keyword values only: a value whose
// Java length (UTF-16 code units) is greater than the limit reads as null in
// ES|QL. Fields the mapping does not know are treated as dynamically mapped
// strings (ecs@mappings).
func IgnoreAbove(field string) int {
	if n, ok := ignoreAboveOverrides[field]; ok {
		return n
	}
	switch fieldTypes[field] {
	case "keyword", "wildcard":
		return DefaultIgnoreAbove
	case "":
		return dynamicIgnoreAbove(field)
	default:
		return 0
	}
}

// ExceedsIgnoreAbove reports whether the keyword value s of field is longer
// than the field's ignore_above, i.e. Elasticsearch does not index it.
func ExceedsIgnoreAbove(field, s string) bool {
	n := IgnoreAbove(field)
	// A value of n bytes has at most n UTF-16 units: skip counting short ones.
	return n > 0 && len(s) > n && utf16Len(s) > n
}

// dynamicIgnoreAbove is the ignore_above ecs@mappings gives an undeclared
// string field: the first matching dynamic template wins, and only the
// catch-all all_strings_to_keywords sets one.
func dynamicIgnoreAbove(field string) int {
	for _, p := range ecsNoLimitPaths {
		if matchPath(p, field) {
			return 0
		}
	}
	return DefaultIgnoreAbove
}

// ecsNoLimitPaths are the path_match / match patterns of the ecs@mappings
// dynamic templates before all_strings_to_keywords that map strings to
// keyword, wildcard or match_only_text without ignore_above ("match"
// patterns, which test the last path element, are written with a leading
// "*" so they match as full-path suffixes too).
var ecsNoLimitPaths = []string{
	"message", "*.message", // ecs_message_match_only_text
	"*.io.text", "*.message_id", "*registry.data.strings", "*url.path", // ecs_wildcard
	"*.body.content", "*url.full", "*url.original", // ecs_path_match_wildcard_and_match_only_text
	"*command_line", "*stack_trace", // ecs_match_wildcard_and_match_only_text
	"*.title", "*.executable", "*.name", "*.working_directory", "*.full_name", // ecs_path_match_keyword_and_match_only_text
	"*file.path", "*file.target_path", "*os.full", "email.subject", "vulnerability.description", "user_agent.original",
}

// matchPath is Elasticsearch's simple pattern match for path_match, limited
// to the forms used above: a literal or a leading "*".
func matchPath(pattern, s string) bool {
	switch {
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(s, pattern[1:])
	default:
		return s == pattern
	}
}

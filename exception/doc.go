// Package exception reads Kibana exception lists and applies them to source
// events as Kibana's ES|QL rule executor does.
//
// Formats (docs: docs/triage-and-exceptions.md §1.2, §1.3):
//
//   - a Kibana exception list export (POST /api/exception_lists/_export):
//     NDJSON of the list container, its items and a details line, in any
//     order; the details line is skipped;
//   - a Kibana rule export (POST /api/detection_engine/rules/_export), whose
//     list and item lines are read here and whose rule lines package rule
//     reads;
//   - a detection-rules exception TOML file ([metadata], [[exceptions]]
//     with a container and its items).
//
// Semantics (docs/triage-and-exceptions.md §1.1, §1.4): Kibana compiles the
// items of every list attached to a rule into one Query DSL filter and
// passes it, negated, in the filter of the ES|QL request, so that
// Elasticsearch drops the matching documents before the query runs.
// Exceptions therefore act on source events, not on alerts:
//
//   - the entries of an item are ANDed, the items ORed, the whole negated:
//     an event that matches any item is removed;
//   - entry types match (match_phrase), match_any, exists, wildcard (`*`,
//     `?`, `\` escapes), list (a value list of keyword, ip or ip_range
//     values) and nested; values are compared case-sensitively, and any
//     element of a multi-valued field may match;
//   - operator "excluded" negates its entry, so it also matches an event
//     that lacks the field (must_not of a clause on a missing field);
//   - an item whose expire_time has passed is dropped.
//
// An item on a field the source events do not have (every Esql.* column a
// query computes) therefore has no effect when its entries are "included",
// and removes every event when they are "excluded"; Compile warns about
// such items, since it is rarely what the author meant.
package exception

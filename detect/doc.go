// Package detect runs compiled ES|QL rules over CloudTrail records and turns
// their result rows into alerts. It is the glue between the record reader
// (cloudtrail), the ECS mapping (ecs), the query engine (esql) and the alert
// documents (alert); none of those packages knows about the others.
//
// How a record becomes an alert, in every mode:
//
//   - Compile checks a rule's query against the CloudTrail catalog; its plan
//     (plan.go) decides once how the rule is evaluated over time: bucketed by
//     event time (a STATS BY DATE_TRUNC of @timestamp, the seed rule) or
//     replayed on its schedule (every other rule), and cuts the query, with
//     esql.Program.Split, into a streaming prefix and the rest.
//   - The record reader (record.go) tests a raw record against the rules'
//     byte-level prefilters (prefilter.go, filters.go), maps a wanted one to
//     ECS once and reads the fields the rules need.
//   - Each rule's prefix runs on the record; its rows go to the rule's
//     evaluator (evaluator.go), which holds them in time windows and
//     evaluates a window when the watermark passes it, and again when a late
//     row reaches it (eval_buckets.go, eval_runs.go), keeping evaluated
//     windows for that in a spill store or the daemon's state
//     (retention.go, spill.go, live_state.go).
//   - The evaluator's results become the rule's alerts in one place
//     (alerts.go): alert ids, episodes of scheduled runs, max_signals and
//     alert_suppression.
//
// Two drivers use that core and differ only in when they ask: Detector (the
// hunt, trailql detect: files read in parallel, every alert printed once in
// its final state) and Live (trailql watch: objects as they arrive, alerts
// reported as they appear and change, checkpoints for restarts). Query runs
// ad-hoc queries with the same record reader.
package detect

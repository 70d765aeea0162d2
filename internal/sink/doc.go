// Package sink delivers alerts to where people look at them: stdout, an
// NDJSON or OCSF file, an HTTP webhook (JSON, a Slack Block Kit message or
// OCSF; HMAC and Standard Webhooks signatures), PagerDuty, Elasticsearch
// (alert documents, or Kibana external alerts), OpenSearch, AWS Security
// Hub and Amazon EventBridge. Parse makes one from a --sink value.
//
// Sinks do not read alerts from the detection engine directly: the engine
// upserts them into the state database (package state), which enqueues one
// delivery per configured sink in the same transaction, and a Dispatcher
// moves deliveries from that outbox to the sinks, marking each delivered or
// failed. A sink that is down therefore loses nothing: its deliveries wait
// in the database, across restarts, and are retried with backoff.
//
// Delivery is at least once per (sink, alert version). A sink's receiver
// can de-duplicate on the alert id and version, which every sink passes
// (kibana.alert.uuid in the document; X-Trailql-Alert-Id and
// X-Trailql-Alert-Version on webhooks; webhook-id with Standard Webhooks);
// Elasticsearch and OpenSearch do it by themselves, since documents are
// written with _id = alert id, PagerDuty merges triggers of one dedup_key
// (the alert id), and Security Hub updates the finding of one Id (the
// alert id).
//
// Everything an alert carries beyond the rule comes from the logs, and is
// treated as hostile wherever it lands: escaped for Slack, cut to each
// receiver's limits, never taken for markup or an id's delimiter.
package sink

// Package sink delivers alerts to where people look at them: stdout, an
// NDJSON file, an HTTP webhook (JSON or Slack text), Elasticsearch.
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
// X-Trailql-Alert-Version on webhooks); Elasticsearch does it by itself,
// since documents are written with _id = alert id.
package sink

// Package state is trailql's embedded, crash-safe state: which inputs
// (S3 objects, SQS messages) were processed, per-source read checkpoints,
// the live engine's open-bucket snapshots, every alert with its newest
// version, and an outbox of deliveries per sink. It is one SQLite file
// (modernc.org/sqlite, pure Go, so the binary stays cgo-free; docs/architecture.md
// "Dependencies").
//
// # Exactly-once effect
//
// The guarantee is built from one rule: an input's done-mark and all of its
// effects are committed in ONE transaction (Store.Batch). A caller that
//
//  1. skips inputs already Done,
//  2. rebuilds its in-memory state only from what is committed (GetBlobs),
//  3. processes an input, then commits MarkDone + PutBlob + Upsert (+
//     SetCheckpoint) together in one Batch,
//
// sees every input's effects exactly once, whatever the moment of a crash
// (kill -9, power loss: the database runs with synchronous=FULL): either the
// transaction committed, and the input is never processed again, or it did
// not, and nothing of it is visible, so it is processed again from the same
// committed state and gives the same effects.
//
// Alerts are upserted by id with a version (a content hash that ignores the
// alert time, see Version): an alert already recorded with the same version
// is not enqueued again, so re-processing after a crash, overlapping rule
// runs or redelivered messages never send an alert twice. A changed alert is
// recorded and enqueued as a new revision. Recording the alert and
// enqueueing it to every configured sink happen in the same transaction.
//
// The outbox then gives at-least-once delivery per sink: a delivery leaves
// the outbox only when the sink has acknowledged it (Delivered). The limit
// of the guarantee is the sink boundary: a crash after a sink accepted an
// alert but before Delivered committed sends that version again after the
// restart. Idempotent sinks (Elasticsearch, writing with _id = alert id)
// absorb it; for the others the receiver can de-duplicate on the alert id
// and version, which every sink passes along.
package state

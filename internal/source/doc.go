// Package source finds new CloudTrail log objects for `trailql watch`: in a
// local directory, in an S3 bucket that CloudTrail delivers to, or through an
// SQS queue that receives the bucket's notifications.
//
// A Source hands each object to a callback and advances its checkpoint (or
// deletes the SQS message) only after the callback returned nil, so a crash
// never loses an object: at worst an object is read again, and the callback
// is expected to record the object as done (see Checkpoints) in the same
// commit as its effects so that a restart skips it.
//
// CloudTrail input is neither ordered nor prompt: delivery files arrive about
// five minutes after the events, without a guarantee
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html),
// and organisation trails fan out over accounts and regions. The S3 source
// therefore keeps one checkpoint per account and region and lists again a
// window (Options.Lookback) before it, so that a file delivered late is still
// found; the Done check keeps it from being read twice.
//
// # SQS message shapes
//
// The SQS source accepts, in the message body:
//   - an S3 event notification {"Records":[{"eventSource":"aws:s3",
//     "eventName":"ObjectCreated:Put","s3":{"bucket":{"name":...},
//     "object":{"key":...,"size":...}}}]}, whose keys are URL-encoded in
//     form style ("+" for a space, %XX otherwise):
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html;
//   - CloudTrail's own notification {"s3Bucket":...,"s3ObjectKey":[...]}
//     (keys not encoded);
//   - an EventBridge S3 "Object Created" event (keys not encoded:
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html);
//   - any of these wrapped in an SNS envelope {"Type":"Notification",
//     "Message":"<the JSON as a string>"}, or delivered raw (SNS raw message
//     delivery, or S3 notifying SQS directly).
//
// Test messages (S3's s3:TestEvent, CloudTrail's "CloudTrail validation
// message.") are deleted. A message whose objects are all digests, deletions
// or already done is deleted. A message that cannot be understood is logged
// as a warning and left in the queue, not deleted: SQS delivers it again
// after its visibility timeout, and the queue's redrive policy moves it to
// the dead-letter queue after maxReceiveCount receives, where an operator can
// look at it. Deleting it would lose data silently if the shape is one this
// package should learn.
//
// # IAM permissions
//
//   - directory: none.
//   - s3://bucket/prefix: s3:ListBucket on the bucket (with an s3:prefix
//     condition if wanted) and s3:GetObject on bucket/prefix*; kms:Decrypt on
//     the trail's key when the logs are SSE-KMS encrypted.
//   - sqs://queue: sqs:ReceiveMessage, sqs:DeleteMessage,
//     sqs:ChangeMessageVisibility on the queue (sqs:GetQueueUrl too when the
//     queue is given by name), plus s3:GetObject on the buckets the
//     notifications name (and kms:Decrypt as above). Whoever can send to
//     the queue chooses what is fetched within those permissions, so the
//     source also fetches only from Options.Buckets (accept.go).
package source

// Package integrity validates CloudTrail log file integrity as AWS documents
// it, so that a responder can say whether a trail's logs are complete and
// unmodified since CloudTrail wrote them, or exactly which files are
// missing, changed or unaccounted for.
//
// CloudTrail writes, every hour and for each account and region of a trail,
// a digest file (AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/
// <account>_CloudTrail-Digest_<region>_<trail>_<home-region>_<time>.json.gz)
// that lists the log files it delivered in that hour with the SHA-256 of
// each one's uncompressed content, the SHA-256 and signature of the
// previous digest (a chain), and the fingerprint of the key that signed it.
// The signature itself is in the digest object's S3 metadata (signature,
// signature-algorithm "SHA256withRSA"): an RSA PKCS#1 v1.5 signature over
//
//	digestEndTime + "\n" + bucket/key of the digest + "\n" +
//	hex(SHA-256(uncompressed digest)) + "\n" + previousDigestSignature
//
// with "null" for the first digest of a chain. Public keys come from
// CloudTrail's ListPublicKeys for the period (DER-encoded PKCS#1).
//
// References: "CloudTrail digest file structure" and "Custom
// implementations of CloudTrail log file integrity validation" in the AWS
// CloudTrail User Guide
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html,
// .../cloudtrail-log-file-custom-validation.html), and the reference
// implementation behind `aws cloudtrail validate-logs`
// (aws-cli, awscli/customizations/cloudtrail/validation.py).
//
// A copy of a trail on local disk has lost the digests' S3 metadata (aws s3
// cp and sync do not keep it): the signatures cannot be checked and each
// digest is reported as no-signature, while the hashes and the chain still
// are. Keeping a sidecar <digest>.metadata.json ({"signature": ...,
// "signature-algorithm": ...}) next to each digest restores the check.
package integrity

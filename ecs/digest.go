package ecs

// digest maps the fields of a CloudTrail digest record (docs/cloudtrail-ecs-mapping.md §3): the
// aws.cloudtrail.digest.* renames end up in the flattened object
// aws.cloudtrail.flattened.digest; digestS3Object -> file.path;
// previousDigestHashValue -> related.hash; awsAccountId is the last
// cloud.account.id fallback.
func (b *builder) digest() {
	root := b.root
	if _, ok := b.ev["cloud.account.id"]; !ok {
		b.copyStr("cloud.account.id", root, "awsAccountId")
	}
	if !b.m.wantDigest {
		return
	}
	b.optStr("file.path", root, "digestS3Object")
	var d map[string]any // allocated only for digest records
	set := func(key string, v any) {
		if d == nil {
			d = make(map[string]any, 14)
		}
		d[key] = v
	}
	put := func(key, src string) {
		if v := field(root, src); v != nil {
			set(key, toGo(v))
		}
	}
	putDate := func(key, src string) {
		if t, ok := b.dateField(root, src); ok {
			set(key, formatDate(t))
		}
	}
	put("previous_s3_object", "previousDigestS3Object")
	put("previous_signature", "previousDigestSignature")
	put("previous_hash_value", "previousDigestHashValue")
	if s, ok := b.str(root, "previousDigestHashValue"); ok && s != "" {
		b.ev["related.hash"] = []string{s}
	}
	put("log_files", "logFiles")
	putDate("start_time", "digestStartTime")
	putDate("end_time", "digestEndTime")
	put("s3_bucket", "digestS3Bucket")
	putDate("newest_event_time", "newestEventTime")
	putDate("oldest_event_time", "oldestEventTime")
	put("previous_s3_bucket", "previousDigestS3Bucket")
	put("previous_hash_algorithm", "previousDigestHashAlgorithm")
	put("public_key_fingerprint", "digestPublicKeyFingerprint")
	if _, ok := d["public_key_fingerprint"]; !ok {
		put("public_key_fingerprint", "publicKeyFingerprint")
	}
	put("signature_algorithm", "digestSignatureAlgorithm")
	if len(d) > 0 {
		b.ev["aws.cloudtrail.flattened.digest"] = d
	}
}

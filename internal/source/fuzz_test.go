package source

import "testing"

// FuzzParseMessage: queue messages are untrusted (anyone who can send to
// the queue): the parser must never panic, every object it returns names a
// bucket and a key, never a digest, and a test message names none. Seeded
// with every shape TestParseMessage knows, and a few edges.
func FuzzParseMessage(f *testing.F) {
	for _, c := range parseCases() {
		f.Add(c.body)
	}
	key := ctKey(rootA, acctA, "us-east-1", "20240102T1000Z", "a")
	for _, seed := range []string{
		s3EventBody("trail", key),
		cloudTrailBody("trail", key, key),
		snsWrap(s3EventBody("trail", key)),
		snsWrap("CloudTrail validation message."),
		s3TestEvent,
		`{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":""},"object":{"key":"%zz"}}}]}`,
		`{"detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"trail"},"object":{"key":"k","size":3}}}`,
		`{"Type":"Notification","Message":"{\"s3Bucket\":\"b\",\"s3ObjectKey\":[\"k\"]}"}`,
		`[]`, `null`, `{"Records":null}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		kind, refs, err := parseMessage(body)
		if err != nil {
			return
		}
		if kind == msgTest && len(refs) > 0 {
			t.Fatalf("test message with objects %+v from %q", refs, body)
		}
		for _, r := range refs {
			if r.Bucket == "" || r.Key == "" || isDigestKey(r.Key) {
				t.Fatalf("ref %+v from %q", r, body)
			}
		}
	})
}

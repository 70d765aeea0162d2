package integrity_test

import (
	"bytes"
	"context"
	"github.com/trailql/trailql/integrity"
	"github.com/trailql/trailql/integrity/integritytest"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// In the bucket, the digests' signatures come from their S3 metadata: an
// intact trail has no finding, a forged digest is found.
func TestVerifyS3(t *testing.T) {
	be := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(be).Server())
	t.Cleanup(srv.Close)
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: aws.AnonymousCredentials{}})
	ctx := context.Background()
	tr := integritytest.New(t, 3)
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(tr.Bucket)}); err != nil {
		t.Fatal(err)
	}
	put := func(key string, data []byte) {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(tr.Bucket), Key: aws.String(key),
			Body: bytes.NewReader(data), Metadata: tr.Meta[key]}); err != nil {
			t.Fatal(err)
		}
	}
	for key, data := range tr.Files {
		put(key, data)
	}
	keys, err := integrity.LoadKeyDir(tr.KeyDir(t))
	if err != nil {
		t.Fatal(err)
	}
	store := integrity.S3Store{Client: client, Bucket: tr.Bucket, Prefix: "AWSLogs/"}
	rep, err := integrity.Verify(ctx, store, integrity.Options{Keys: integrity.StaticKeys{keys}})
	if err != nil {
		t.Fatal(err)
	}
	assertFindings(t, rep, nil)
	if rep.Digests != 3 || rep.LogFiles != 9 {
		t.Errorf("%d digests, %d log files checked; want 3 and 9", rep.Digests, rep.LogFiles)
	}
	// A digest rewritten in place keeps its metadata, not its validity.
	raw := integritytest.Inflate(tr.Files[tr.Digests[0]])
	put(tr.Digests[0], integritytest.Gzip(bytes.Replace(raw, []byte(`"awsAccountId":"111122223333"`), []byte(`"awsAccountId":"111122223334"`), 1)))
	rep, err = integrity.Verify(ctx, store, integrity.Options{Keys: integrity.StaticKeys{keys}})
	if err != nil {
		t.Fatal(err)
	}
	assertFindings(t, rep, []string{"bad-signature " + dg(0), "chain-broken " + dg(1)})
}

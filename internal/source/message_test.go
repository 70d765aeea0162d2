package source

import (
	"encoding/json"
	"reflect"
	"testing"
)

// snsWrap puts a payload in an SNS envelope as SNS delivers it to SQS
// without raw message delivery: the payload becomes the string "Message".
func snsWrap(payload string) string {
	b, _ := json.Marshal(map[string]any{
		"Type": "Notification", "MessageId": "5b0e8b4e-0000", "TopicArn": "arn:aws:sns:us-east-1:111111111111:trail",
		"Subject": "Amazon S3 Notification", "Message": payload, "Timestamp": "2024-01-02T10:05:00.000Z",
		"SignatureVersion": "1", "Signature": "x", "SigningCertURL": "https://sns.example/cert.pem", "UnsubscribeURL": "https://sns.example/u",
	})
	return string(b)
}

// s3EventBody is an S3 event notification as documented in
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
// (key URL-encoded).
func s3EventBody(bucket, encodedKey string) string {
	return `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2024-01-02T10:05:00.000Z",` +
		`"eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:X"},"requestParameters":{"sourceIPAddress":"1.2.3.4"},` +
		`"responseElements":{"x-amz-request-id":"R","x-amz-id-2":"I"},"s3":{"s3SchemaVersion":"1.0","configurationId":"c",` +
		`"bucket":{"name":"` + bucket + `","ownerIdentity":{"principalId":"P"},"arn":"arn:aws:s3:::` + bucket + `"},` +
		`"object":{"key":"` + encodedKey + `","size":1234,"eTag":"e","sequencer":"0055AED6DCD90281E5"}}}]}`
}

// cloudTrailBody is CloudTrail's SNS notification of delivered files.
func cloudTrailBody(bucket string, keys ...string) string {
	b, _ := json.Marshal(map[string]any{"s3Bucket": bucket, "s3ObjectKey": keys})
	return string(b)
}

const s3TestEvent = `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-01-02T10:00:00.000Z","Bucket":"trail","RequestId":"R","HostId":"H"}`

// parseCase is one message body and what parseMessage makes of it.
type parseCase struct {
	name string
	body string
	kind msgKind
	refs []s3Ref
	bad  bool
}

// parseCases are the message shapes the tests know: TestParseMessage's
// table and FuzzParseMessage's seeds.
func parseCases() []parseCase {
	key := "AWSLogs/111111111111/CloudTrail/us-east-1/2024/01/02/111111111111_CloudTrail_us-east-1_20240102T1005Z_Ab.json.gz"
	ref := s3Ref{Bucket: "trail", Key: key, Size: 1234, Region: "us-east-1"}
	ctRef := s3Ref{Bucket: "trail", Key: key}
	digest := "AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2024/01/02/111111111111_CloudTrail-Digest_us-east-1_t_us-east-1_20240102T1005Z.json.gz"
	eventBridge := `{"version":"0","id":"17793124","detail-type":"Object Created","source":"aws.s3","account":"111111111111",` +
		`"time":"2024-01-02T10:05:00Z","region":"ca-central-1","resources":["arn:aws:s3:::trail"],"detail":{"version":"0",` +
		`"bucket":{"name":"trail"},"object":{"key":"logs/a b:c.json.gz","size":5,"etag":"e","sequencer":"1"},"request-id":"R","requester":"1","reason":"PutObject"}}`
	return []parseCase{
		{"S3 event, direct", s3EventBody("trail", key), msgObjects, []s3Ref{ref}, false},
		{"S3 event in SNS", snsWrap(s3EventBody("trail", key)), msgObjects, []s3Ref{ref}, false},
		// "+" is a space and %XX a byte in S3 notification keys.
		{"S3 event, encoded key", s3EventBody("trail", "dir/a+b%2Bc%3Dd%C3%A9.json.gz"), msgObjects,
			[]s3Ref{{Bucket: "trail", Key: "dir/a b+c=dé.json.gz", Size: 1234, Region: "us-east-1"}}, false},
		{"S3 event, removal", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"trail"},"object":{"key":"k"}}}]}`, msgObjects, nil, false},
		{"S3 event, digest", s3EventBody("trail", digest), msgObjects, nil, false},
		{"S3 event, bad escape", s3EventBody("trail", "a%zz"), 0, nil, true},
		{"CloudTrail in SNS", snsWrap(cloudTrailBody("trail", key, digest)), msgObjects, []s3Ref{ctRef}, false},
		{"CloudTrail raw", cloudTrailBody("trail", key), msgObjects, []s3Ref{ctRef}, false},
		// CloudTrail keys are not encoded: a "+" stays.
		{"CloudTrail key with plus", cloudTrailBody("trail", "a+b.json.gz"), msgObjects, []s3Ref{{Bucket: "trail", Key: "a+b.json.gz"}}, false},
		{"EventBridge", eventBridge, msgObjects, []s3Ref{{Bucket: "trail", Key: "logs/a b:c.json.gz", Size: 5, Region: "ca-central-1"}}, false},
		{"S3 test event", s3TestEvent, msgTest, nil, false},
		{"S3 test event in SNS", snsWrap(s3TestEvent), msgTest, nil, false},
		{"CloudTrail validation in SNS", snsWrap("CloudTrail validation message."), msgTest, nil, false},
		{"unknown JSON", `{"hello":"world"}`, 0, nil, true},
		{"not JSON", `hello`, 0, nil, true},
		{"unknown in SNS", snsWrap(`{"hello":"world"}`), 0, nil, true},
		{"SNS subscription confirmation", `{"Type":"SubscriptionConfirmation","Message":"You have chosen to subscribe","SubscribeURL":"https://x"}`, 0, nil, true},
		{"Records not from S3", `{"Records":[{"eventSource":"aws:dynamodb"}]}`, 0, nil, true},
	}
}

func TestParseMessage(t *testing.T) {
	for _, tc := range parseCases() {
		t.Run(tc.name, func(t *testing.T) {
			kind, refs, err := parseMessage(tc.body)
			if (err != nil) != tc.bad {
				t.Fatalf("err = %v, want error %v", err, tc.bad)
			}
			if err == nil && (kind != tc.kind || !reflect.DeepEqual(refs, tc.refs)) {
				t.Errorf("got %v %+v, want %v %+v", kind, refs, tc.kind, tc.refs)
			}
		})
	}
}

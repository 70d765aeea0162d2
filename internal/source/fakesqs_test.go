package source

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeSQS is a minimal SQS server speaking the AWS JSON 1.0 protocol the SDK
// v2 client uses (POST /, Content-Type application/x-amz-json-1.0,
// X-Amz-Target: AmazonSQS.<Operation>): GetQueueUrl, ReceiveMessage (with
// long polling and visibility timeouts), DeleteMessage and
// ChangeMessageVisibility, enough for the source and strict enough to catch
// a delete with a stale receipt handle.
type fakeSQS struct {
	base string // the server's URL
	mu   sync.Mutex
	seq  int
	msgs []*fakeMsg
	// What the client did, for assertions.
	deleted    []string // message bodies
	extensions int      // ChangeMessageVisibility calls
	targets    []string // X-Amz-Target values seen
}

type fakeMsg struct {
	id, body, handle string
	visibleAt        time.Time
	receives         int
	deleted          bool
}

const fakeQueueName = "trail-events"

// newFakeAWS starts one loopback server speaking S3 (gofakes3, path-style)
// and SQS (requests with X-Amz-Target), as LocalStack does, so that one
// EndpointURL serves both.
func newFakeAWS(t *testing.T, buckets ...string) (*fakeS3, *fakeSQS) {
	t.Helper()
	be := s3mem.New()
	s3h := gofakes3.New(be).Server()
	f := &fakeSQS{}
	fs3 := &fakeS3{be: be}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "" {
			f.serve(w, r)
			return
		}
		fs3.requests.Add(1)
		s3h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.base = srv.URL
	for _, b := range buckets {
		if err := be.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	fs3.url = srv.URL
	return fs3, f
}

func (f *fakeSQS) queueURL() string { return f.base + "/000000000000/" + fakeQueueName }

// send enqueues a message body.
func (f *fakeSQS) send(body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	f.msgs = append(f.msgs, &fakeMsg{id: fmt.Sprintf("msg-%d", f.seq), body: body})
}

// state returns, under the lock, how often body was received and whether it
// was deleted.
func (f *fakeSQS) state(body string) (receives int, deleted bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.msgs {
		if m.body == body {
			return m.receives, m.deleted
		}
	}
	return 0, false
}

// invisible reports whether the message with body is in flight: received,
// not deleted, and its visibility timeout not yet over.
func (f *fakeSQS) invisible(body string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.msgs {
		if m.body == body {
			return !m.deleted && time.Now().Before(m.visibleAt)
		}
	}
	return false
}

func (f *fakeSQS) fail(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-query-error", code+";Sender")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": msg})
}

func (f *fakeSQS) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.0") || !strings.HasPrefix(target, "AmazonSQS.") {
		f.fail(w, "InvalidAction", "want an AWS JSON 1.0 request")
		return
	}
	var in struct {
		QueueName, QueueUrl, ReceiptHandle   string
		MaxNumberOfMessages, WaitTimeSeconds int
		VisibilityTimeout                    *int
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.fail(w, "InvalidParameterValue", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.targets = append(f.targets, target)
	op := strings.TrimPrefix(target, "AmazonSQS.")
	if op != "GetQueueUrl" && in.QueueUrl != f.queueURL() {
		f.fail(w, "QueueDoesNotExist", "no queue "+in.QueueUrl)
		return
	}
	out := map[string]any{}
	switch op {
	case "GetQueueUrl":
		if in.QueueName != fakeQueueName {
			f.fail(w, "QueueDoesNotExist", "no queue "+in.QueueName)
			return
		}
		out["QueueUrl"] = f.queueURL()
	case "ReceiveMessage":
		vis := 30
		if in.VisibilityTimeout != nil {
			vis = *in.VisibilityTimeout
		}
		max := in.MaxNumberOfMessages
		if max == 0 {
			max = 1
		}
		deadline := time.Now().Add(time.Duration(in.WaitTimeSeconds) * time.Second)
		var got []map[string]any
		for {
			now := time.Now()
			for _, m := range f.msgs {
				if len(got) == max {
					break
				}
				if m.deleted || now.Before(m.visibleAt) {
					continue
				}
				m.receives++
				m.visibleAt = now.Add(time.Duration(vis) * time.Second)
				m.handle = fmt.Sprintf("%s-r%d", m.id, m.receives)
				sum := md5.Sum([]byte(m.body))
				got = append(got, map[string]any{
					"MessageId": m.id, "ReceiptHandle": m.handle, "Body": m.body,
					"MD5OfBody":  hex.EncodeToString(sum[:]),
					"Attributes": map[string]string{"ApproximateReceiveCount": strconv.Itoa(m.receives)},
				})
			}
			if len(got) > 0 || !time.Now().Before(deadline) || r.Context().Err() != nil {
				break
			}
			// Long poll: look again shortly (a deadline passes, a message
			// is sent or becomes visible again).
			f.mu.Unlock()
			time.Sleep(10 * time.Millisecond)
			f.mu.Lock()
		}
		if len(got) > 0 {
			out["Messages"] = got
		}
	case "DeleteMessage", "ChangeMessageVisibility":
		var m *fakeMsg
		for _, c := range f.msgs {
			if c.handle == in.ReceiptHandle && !c.deleted {
				m = c
			}
		}
		if m == nil {
			f.fail(w, "ReceiptHandleIsInvalid", "unknown receipt handle "+in.ReceiptHandle)
			return
		}
		if op == "DeleteMessage" {
			m.deleted = true
			f.deleted = append(f.deleted, m.body)
		} else {
			f.extensions++
			m.visibleAt = time.Now().Add(time.Duration(*in.VisibilityTimeout) * time.Second)
		}
	default:
		f.fail(w, "InvalidAction", "unsupported "+target)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(out)
}

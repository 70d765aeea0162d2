package source

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// s3Ref is one object a queue message names.
type s3Ref struct {
	Bucket, Key string // Key decoded
	Size        int64  // 0 when the message does not say
	Region      string // the bucket's region when the message says
}

// msgKind is what a queue message turned out to be.
type msgKind uint8

const (
	msgObjects msgKind = iota // names objects (possibly none left after filtering)
	msgTest                   // a test or validation message: delete it
)

// The shapes below are decoded with encoding/json: a message is small and
// read once, and its fields are few.
type (
	snsEnvelope struct {
		Type    string  `json:"Type"`
		Message *string `json:"Message"`
	}
	s3Event struct {
		Records *[]struct {
			EventSource string `json:"eventSource"`
			EventName   string `json:"eventName"`
			AWSRegion   string `json:"awsRegion"`
			S3          *struct {
				Bucket struct {
					Name string `json:"name"`
				} `json:"bucket"`
				Object struct {
					Key  string `json:"key"`
					Size int64  `json:"size"`
				} `json:"object"`
			} `json:"s3"`
		} `json:"Records"`
		// s3:TestEvent, sent when a notification is configured.
		Event   string `json:"Event"`
		Service string `json:"Service"`
		// CloudTrail's SNS notification.
		S3Bucket    *string  `json:"s3Bucket"`
		S3ObjectKey []string `json:"s3ObjectKey"`
		// EventBridge (S3 -> EventBridge -> SQS).
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Region     string `json:"region"`
		Detail     *struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key  string `json:"key"`
				Size int64  `json:"size"`
			} `json:"object"`
		} `json:"detail"`
	}
)

// cloudTrailValidation is the plain-text message CloudTrail publishes to the
// SNS topic when a trail's notifications are set up.
const cloudTrailValidation = "CloudTrail validation message."

// parseMessage reads a queue message body: an S3 event notification,
// CloudTrail's notification or an EventBridge S3 event, bare (S3 -> SQS, SNS
// raw delivery) or in an SNS envelope. Digest keys are dropped here. An error
// means the shape is unknown: the caller leaves the message in the queue.
func parseMessage(body string) (msgKind, []s3Ref, error) {
	b := strings.TrimSpace(body)
	if b == cloudTrailValidation {
		return msgTest, nil, nil
	}
	var env snsEnvelope
	if err := json.Unmarshal([]byte(b), &env); err != nil {
		return 0, nil, fmt.Errorf("not JSON: %v", err)
	}
	if env.Type != "" {
		if env.Type != "Notification" || env.Message == nil {
			return 0, nil, fmt.Errorf("SNS message of type %q (only Notification carries objects; a SubscriptionConfirmation must be confirmed by hand)", env.Type)
		}
		b = strings.TrimSpace(*env.Message)
		if b == cloudTrailValidation {
			return msgTest, nil, nil
		}
	}
	return parseEvent(b)
}

// parseEvent reads the payload (SNS's Message, or the body itself).
func parseEvent(b string) (msgKind, []s3Ref, error) {
	var ev s3Event
	if err := json.Unmarshal([]byte(b), &ev); err != nil {
		return 0, nil, fmt.Errorf("not a JSON object: %v", err)
	}
	var refs []s3Ref
	add := func(r s3Ref) {
		if r.Bucket != "" && r.Key != "" && !isDigestKey(r.Key) {
			refs = append(refs, r)
		}
	}
	switch {
	case ev.Event == "s3:TestEvent":
		return msgTest, nil, nil
	case ev.Records != nil:
		for i, r := range *ev.Records {
			if r.EventSource != "aws:s3" || r.S3 == nil {
				return 0, nil, fmt.Errorf("Records[%d] is not an S3 event (eventSource %q)", i, r.EventSource)
			}
			if !strings.HasPrefix(r.EventName, "ObjectCreated:") {
				continue // removals, restores, replication: nothing new to read
			}
			// S3 notifications encode keys as HTML forms do: "+" is a space.
			key, err := url.QueryUnescape(r.S3.Object.Key)
			if err != nil {
				return 0, nil, fmt.Errorf("Records[%d]: object key %q: %v", i, r.S3.Object.Key, err)
			}
			add(s3Ref{Bucket: r.S3.Bucket.Name, Key: key, Size: r.S3.Object.Size, Region: r.AWSRegion})
		}
	case ev.S3Bucket != nil:
		if len(ev.S3ObjectKey) == 0 {
			return 0, nil, fmt.Errorf("CloudTrail notification without s3ObjectKey")
		}
		for _, k := range ev.S3ObjectKey {
			add(s3Ref{Bucket: *ev.S3Bucket, Key: k})
		}
	case ev.Source == "aws.s3" && ev.Detail != nil:
		if ev.DetailType == "Object Created" {
			add(s3Ref{Bucket: ev.Detail.Bucket.Name, Key: ev.Detail.Object.Key, Size: ev.Detail.Object.Size, Region: ev.Region})
		}
	default:
		return 0, nil, fmt.Errorf("unknown message shape (want an S3 event notification, a CloudTrail notification or an SNS envelope of one)")
	}
	return msgObjects, refs, nil
}

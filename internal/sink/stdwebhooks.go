package sink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trailql/trailql/internal/state"
)

// Standard Webhooks (standard-webhooks/standard-webhooks,
// spec/standard-webhooks.md): besides X-Trailql-Signature, a webhook sink
// given a secret signs each attempt with
//
//	webhook-id:        the delivery's id: alert id and version, the same on every retry
//	webhook-timestamp: Unix seconds of the attempt
//	webhook-signature: v1,<base64 HMAC-SHA256(key, id.timestamp.body)>
//
// so that receivers using a Standard Webhooks library verify trailql's
// requests and reject replays (they check the timestamp's age).
const (
	StdWebhookIDHeader        = "webhook-id"
	StdWebhookTimestampHeader = "webhook-timestamp"
	StdWebhookSignatureHeader = "webhook-signature"
)

// ParseStdWebhookSecret decodes a Standard Webhooks secret: "whsec_" and the
// base64 of the key (the prefix is optional, as in the reference
// libraries). The spec asks for keys of 24 to 64 bytes.
func ParseStdWebhookSecret(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(strings.TrimSpace(s), "whsec_"))
	if err != nil {
		return nil, fmt.Errorf("not whsec_<base64>")
	}
	if len(key) < 24 || len(key) > 64 {
		return nil, fmt.Errorf("a key of %d bytes; Standard Webhooks keys have 24 to 64", len(key))
	}
	return key, nil
}

// stdWebhookID is the delivery's webhook-id: receivers de-duplicate on it,
// so it names the alert version, not the attempt.
func stdWebhookID(d state.Delivery) string {
	return "trailql_" + d.AlertID + "_" + d.Version
}

// stdWebhookSign returns the webhook-signature value for one attempt.
func stdWebhookSign(key []byte, id string, at time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return timestamp, "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

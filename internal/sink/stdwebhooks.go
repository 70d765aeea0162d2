package sink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
// requests, reject replays (they check the timestamp's age) and
// de-duplicate on webhook-id. Given several secrets (a key rotation), the
// signature header lists one signature per key, space-separated, as the
// spec has it: receivers accept the request when any one verifies.
const (
	StdWebhookIDHeader        = "webhook-id"
	StdWebhookTimestampHeader = "webhook-timestamp"
	StdWebhookSignatureHeader = "webhook-signature"
)

// ParseStdWebhookSecret decodes a Standard Webhooks secret: "whsec_" and the
// base64 of the key (the prefix is optional, as in the reference
// libraries). The spec asks for keys of 24 to 64 bytes. Errors never
// quote the secret.
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

// ParseStdWebhookSecrets decodes one or more whitespace-separated Standard
// Webhooks secrets (ParseStdWebhookSecret), the new key first: during a
// rotation each request is signed with every one of them.
func ParseStdWebhookSecrets(s string) ([][]byte, error) {
	var keys [][]byte
	for i, f := range strings.Fields(s) {
		key, err := ParseStdWebhookSecret(f)
		if err != nil {
			return nil, fmt.Errorf("secret %d: %v", i+1, err)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no secret")
	}
	return keys, nil
}

// stdWebhookID is the delivery's webhook-id: receivers de-duplicate on it,
// so it names the alert version, not the attempt. The spec asks that it
// hold no '.', which delimits the signed content: ids and versions are
// hex, and anything else is hashed.
func stdWebhookID(d state.Delivery) string {
	return "trailql_" + idSafe(d.AlertID) + "_" + idSafe(d.Version)
}

// idSafe returns s when it is made of letters, digits, '-' and '_' only,
// else the hex SHA-256 of s (first 32 digits).
func idSafe(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			sum := sha256.Sum256([]byte(s))
			return hex.EncodeToString(sum[:16])
		}
	}
	return s
}

// stdWebhookSign returns the webhook-timestamp and webhook-signature values
// for one attempt at time at: one v1 signature per key.
func stdWebhookSign(keys [][]byte, id string, at time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(at.Unix(), 10)
	sigs := make([]string, 0, len(keys))
	for _, key := range keys {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write([]byte(timestamp))
		mac.Write([]byte{'.'})
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return timestamp, strings.Join(sigs, " ")
}

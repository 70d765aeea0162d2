package cloudtrail

// Known fields: a few string values that the reader's scan reads on its way
// through a record, so that rule prefilters can test what a field holds
// instead of searching the whole record for a literal (detect's
// ruleFilters). Each is copied verbatim to an ECS field by the mapping
// (docs/cloudtrail-ecs-mapping.md §3, §5): eventName is event.action,
// eventSource event.provider, userAgent user_agent.original,
// sourceIPAddress source.address (and source.ip when it is an IP address),
// and userIdentity's type and accessKeyId are
// aws.cloudtrail.user_identity.type and .access_key_id.

// KnownField names one of the known fields (Known.Values).
type KnownField uint8

// The known fields.
const (
	EventName    KnownField = iota // top-level "eventName"
	EventSource                    // top-level "eventSource"
	UserAgent                      // top-level "userAgent"
	IdentityType                   // "type" of the top-level "userIdentity" object
	AccessKeyID                    // "accessKeyId" of the top-level "userIdentity" object
	SourceIP                       // top-level "sourceIPAddress"
	NumKnown                       // the number of known fields
)

// Known is what a record's scan found of the known fields.
type Known struct {
	// OK reports that the values are to be trusted: the record is Checked
	// (no key twice, so each path has one value), it has a top-level
	// eventTime string (it is a CloudTrail record, mapped as one, not
	// another integration's document), and each known key it has holds a
	// string without escapes (its ECS value is then exactly the string's
	// bytes).
	OK bool
	// Values holds, per KnownField, the JSON string as it is in the record,
	// quotes included (so "" is `""`), or nil when the record has no such
	// key. Like Record.Raw, it is only valid during the callback.
	Values [NumKnown][]byte
}

// A capture is what the scan notes of the value being scanned.
type capture uint8

const (
	capNone     capture = iota
	capTime             // the top-level eventTime (recordCheck.et)
	capIdentity         // the top-level userIdentity: its object's keys are looked at
	capField            // capField+f: the value of known field f
)

// topCapture returns what the scan notes of the value of top-level key k.
func topCapture(k []byte) capture {
	switch len(k) {
	case len("eventName"): // and eventTime, userAgent
		switch string(k) {
		case "eventTime":
			return capTime
		case "eventName":
			return capField + capture(EventName)
		case "userAgent":
			return capField + capture(UserAgent)
		}
	case len("eventSource"):
		if string(k) == "eventSource" {
			return capField + capture(EventSource)
		}
	case len("userIdentity"):
		if string(k) == "userIdentity" {
			return capIdentity
		}
	case len("sourceIPAddress"):
		if string(k) == "sourceIPAddress" {
			return capField + capture(SourceIP)
		}
	}
	return capNone
}

// topKeyHashes holds, at the top six bits of its keyHash, the hash of
// each top-level key that topCapture knows: the fast scan, which hashes
// every key, calls topCapture only for a key with such a hash.
var topKeyHashes = func() (t [64]uint64) {
	for _, k := range []string{"eventTime", "eventName", "eventSource", "userAgent", "userIdentity", "sourceIPAddress"} {
		b := []byte(k + `":`)
		h := keyHash(b, 0, len(k))
		if t[h>>58] != 0 {
			panic("cloudtrail: two known keys share a slot of topKeyHashes")
		}
		t[h>>58] = h
	}
	return t
}()

// identityCapture returns what the scan notes of the value of key k of the
// top-level userIdentity object.
func identityCapture(k []byte) capture {
	switch string(k) {
	case "type":
		return capField + capture(IdentityType)
	case "accessKeyId":
		return capField + capture(AccessKeyID)
	}
	return capNone
}

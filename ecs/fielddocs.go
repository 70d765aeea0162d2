package ecs

import (
	"strings"
	"unicode"
)

// fieldDocs say, for the ECS fields the mapping sets, where the value comes
// from in a raw CloudTrail record (docs/cloudtrail-ecs-mapping.md; aws 8.9.0's
// pipeline), so that a rule author knows what a field holds.
var fieldDocs = map[string]string{
	"@timestamp":                  "eventTime",
	"data_stream.type":            `"logs"`,
	"data_stream.dataset":         `"aws.cloudtrail" (another integration's for ECS documents passed through)`,
	"data_stream.namespace":       "--namespace (default \"default\")",
	"event.module":                `"aws"`,
	"event.dataset":               `"aws.cloudtrail"`,
	"event.ingested":              "set at ingest by Elasticsearch; absent in files",
	"event.created":               "the agent's read time; absent in files",
	"event.kind":                  `"event"`,
	"event.action":                "eventName",
	"event.provider":              "eventSource",
	"event.id":                    "eventID",
	"event.outcome":               `"success", or "failure" when errorCode is set`,
	"event.type":                  "derived from eventName (change, creation, deletion, access, info, ...)",
	"event.category":              "derived from eventSource (iam, authentication, configuration, ...)",
	"cloud.provider":              `"aws"`,
	"cloud.region":                "awsRegion",
	"cloud.account.id":            "recipientAccountId",
	"cloud.service.name":          "eventSource",
	"service.name":                "eventSource",
	"source.address":              "sourceIPAddress",
	"source.ip":                   "sourceIPAddress when it is an IP address",
	"related.ip":                  "sourceIPAddress when it is an IP address",
	"related.user":                "the user names and ids of userIdentity and of the request",
	"related.hosts":               "tlsDetails.clientProvidedHostHeader and other host names",
	"related.hash":                "hashes in the request",
	"file.path":                   "the object path of an S3 data event",
	"group.id":                    "requestParameters.groupId (IAM group events)",
	"group.name":                  "requestParameters.groupName (IAM group events)",
	"user.name":                   "userIdentity.userName, or the role session or issuer name",
	"user.id":                     "userIdentity.principalId",
	"user.email":                  "the e-mail of a console sign-in (additionalEventData)",
	"user.target.name":            "requestParameters.userName (IAM user events)",
	"user.target.id":              "the target user's id",
	"user.changes.name":           "requestParameters.newUserName (UpdateUser)",
	"tls.version":                 "tlsDetails.tlsVersion (the number)",
	"tls.version_protocol":        "tlsDetails.tlsVersion (the protocol)",
	"tls.cipher":                  "tlsDetails.cipherSuite",
	"tls.client.server_name":      "tlsDetails.clientProvidedHostHeader",
	"user_agent.original":         "userAgent",
	"user_agent.name":             "userAgent, parsed (e.g. aws-cli)",
	"user_agent.version":          "userAgent, parsed",
	"user_agent.os.name":          "userAgent, parsed",
	"user_agent.os.version":       "userAgent, parsed",
	"user_agent.os.full":          "userAgent, parsed",
	"user_agent.device.name":      "userAgent, parsed",
	"source.geo.city_name":        "GeoIP City of source.ip (--geoip-city)",
	"source.geo.continent_name":   "GeoIP City of source.ip (--geoip-city)",
	"source.geo.country_iso_code": "GeoIP City of source.ip (--geoip-city)",
	"source.geo.country_name":     "GeoIP City of source.ip (--geoip-city)",
	"source.geo.region_iso_code":  "GeoIP City of source.ip (--geoip-city)",
	"source.geo.region_name":      "GeoIP City of source.ip (--geoip-city)",
	"source.geo.location":         "GeoIP City of source.ip (--geoip-city)",
	"source.as.number":            "GeoIP ASN of source.ip (--geoip-asn)",
	"source.as.organization.name": "GeoIP ASN of source.ip (--geoip-asn)",
}

// FieldDescription says what a field of the catalog holds: for the ECS
// fields, where the mapping takes it from; for aws.cloudtrail.*, the
// CloudTrail key it keeps; "" when nothing is known.
func FieldDescription(name string) string {
	if d, ok := fieldDocs[name]; ok {
		return d
	}
	if rest, ok := strings.CutPrefix(name, "aws.cloudtrail."); ok {
		return "the record's " + camelPath(rest)
	}
	return ""
}

// camelPath turns the integration's snake_case path back into CloudTrail's
// camelCase keys (user_identity.access_key_id -> userIdentity.accessKeyId).
func camelPath(p string) string {
	var b strings.Builder
	up := false
	for _, r := range p {
		switch {
		case r == '_':
			up = true
		case up:
			b.WriteRune(unicode.ToUpper(r))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

package ecs

import "maps"

// fieldTypes are the Elasticsearch mapping types of the fields of a
// logs-aws.cloudtrail-* index that the mapping produces or the bundled rules
// read. Sources: the integration's base-fields.yml (data_stream.*, event.module
// and event.dataset constant_keyword, @timestamp date), fields.yml
// (aws.cloudtrail.*: keyword unless noted; read_only and the console_login
// booleans; creation_date date; flattened.* flattened), ecs.yml / ECS 8.11
// (source.ip ip, source.as.number long, source.geo.location geo_point,
// related.ip ip, event.created/ingested date, process.command_line wildcard,
// process.pid long, everything else keyword). Fields the integration maps
// dynamically (newer aws.cloudtrail.* keys) are keyword, as the logs
// templates' ECS dynamic mappings make strings.
var fieldTypes = map[string]string{
	"@timestamp":            "date",
	"data_stream.type":      "constant_keyword",
	"data_stream.dataset":   "constant_keyword",
	"data_stream.namespace": "constant_keyword",
	"event.module":          "constant_keyword",
	"event.dataset":         "constant_keyword",
	"event.ingested":        "date", // set at ingest time; Map leaves it absent
	"event.created":         "date", // agent read time; Map leaves it absent
	"event.kind":            "keyword",
	"event.action":          "keyword",
	"event.provider":        "keyword",
	"event.id":              "keyword",
	"event.outcome":         "keyword",
	"event.type":            "keyword",
	"event.category":        "keyword",

	"cloud.provider":         "keyword",
	"cloud.region":           "keyword",
	"cloud.account.id":       "keyword",
	"cloud.service.name":     "keyword",
	"service.name":           "keyword",
	"source.address":         "keyword",
	"source.ip":              "ip",
	"related.ip":             "ip",
	"related.user":           "keyword",
	"related.hosts":          "keyword",
	"related.hash":           "keyword",
	"file.path":              "keyword",
	"group.id":               "keyword",
	"group.name":             "keyword",
	"user.name":              "keyword",
	"user.id":                "keyword",
	"user.email":             "keyword",
	"user.target.name":       "keyword",
	"user.target.id":         "keyword",
	"user.changes.name":      "keyword",
	"tls.version":            "keyword",
	"tls.version_protocol":   "keyword",
	"tls.cipher":             "keyword",
	"tls.client.server_name": "keyword",

	"user_agent.original":    "keyword",
	"user_agent.name":        "keyword",
	"user_agent.version":     "keyword",
	"user_agent.os.name":     "keyword",
	"user_agent.os.version":  "keyword",
	"user_agent.os.full":     "keyword",
	"user_agent.device.name": "keyword",

	// GeoIP / ASN enrichment of source.ip, produced when MaxMind databases
	// are given (Options.GeoIP, --geoip-city and --geoip-asn;
	// docs/cloudtrail-ecs-mapping.md §3).
	"source.geo.city_name":        "keyword",
	"source.geo.continent_name":   "keyword",
	"source.geo.country_iso_code": "keyword",
	"source.geo.country_name":     "keyword",
	"source.geo.region_iso_code":  "keyword",
	"source.geo.region_name":      "keyword",
	"source.geo.location":         "geo_point",
	"source.as.number":            "long",
	"source.as.organization.name": "keyword",

	"aws.cloudtrail.event_version":                                                           "keyword",
	"aws.cloudtrail.event_category":                                                          "keyword",
	"aws.cloudtrail.event_type":                                                              "keyword",
	"aws.cloudtrail.api_version":                                                             "keyword",
	"aws.cloudtrail.request_id":                                                              "keyword",
	"aws.cloudtrail.shared_event_id":                                                         "keyword",
	"aws.cloudtrail.vpc_endpoint_id":                                                         "keyword",
	"aws.cloudtrail.vpc_endpoint_account_id":                                                 "keyword",
	"aws.cloudtrail.recipient_account_id":                                                    "keyword",
	"aws.cloudtrail.read_only":                                                               "boolean",
	"aws.cloudtrail.management_event":                                                        "keyword",
	"aws.cloudtrail.error_code":                                                              "keyword",
	"aws.cloudtrail.error_message":                                                           "keyword",
	"aws.cloudtrail.session_credential_from_console":                                         "keyword",
	"aws.cloudtrail.request_parameters":                                                      "keyword", // ignore_above 8191
	"aws.cloudtrail.response_elements":                                                       "keyword", // ignore_above 8191
	"aws.cloudtrail.additional_eventdata":                                                    "keyword",
	"aws.cloudtrail.service_event_details":                                                   "keyword",
	"aws.cloudtrail.flattened.request_parameters":                                            "flattened",
	"aws.cloudtrail.flattened.response_elements":                                             "flattened",
	"aws.cloudtrail.flattened.additional_eventdata":                                          "flattened",
	"aws.cloudtrail.flattened.service_event_details":                                         "flattened",
	"aws.cloudtrail.flattened.digest":                                                        "flattened",
	"aws.cloudtrail.flattened.insight_details":                                               "flattened",
	"aws.cloudtrail.resources.arn":                                                           "keyword",
	"aws.cloudtrail.resources.account_id":                                                    "keyword",
	"aws.cloudtrail.resources.type":                                                          "keyword",
	"aws.cloudtrail.addendum.reason":                                                         "keyword",
	"aws.cloudtrail.addendum.updated_fields":                                                 "keyword",
	"aws.cloudtrail.addendum.original_request_id":                                            "keyword",
	"aws.cloudtrail.addendum.original_event_id":                                              "keyword",
	"aws.cloudtrail.console_login.additional_eventdata.mobile_version":                       "boolean",
	"aws.cloudtrail.console_login.additional_eventdata.login_to":                             "keyword",
	"aws.cloudtrail.console_login.additional_eventdata.mfa_used":                             "boolean",
	"aws.cloudtrail.tls_details.key_exchange":                                                "keyword",
	"aws.cloudtrail.user_identity.type":                                                      "keyword",
	"aws.cloudtrail.user_identity.arn":                                                       "keyword",
	"aws.cloudtrail.user_identity.access_key_id":                                             "keyword",
	"aws.cloudtrail.user_identity.invoked_by":                                                "keyword",
	"aws.cloudtrail.user_identity.invoked_by_delegate.account_id":                            "keyword",
	"aws.cloudtrail.user_identity.credential_id":                                             "keyword",
	"aws.cloudtrail.user_identity.identity_provider":                                         "keyword",
	"aws.cloudtrail.user_identity.in_scope_of.issuer_type":                                   "keyword",
	"aws.cloudtrail.user_identity.in_scope_of.credentials_issued_to":                         "keyword",
	"aws.cloudtrail.user_identity.in_scope_of.source_arn":                                    "keyword",
	"aws.cloudtrail.user_identity.in_scope_of.source_account":                                "keyword",
	"aws.cloudtrail.user_identity.on_behalf_of.user_id":                                      "keyword",
	"aws.cloudtrail.user_identity.on_behalf_of.identity_store_arn":                           "keyword",
	"aws.cloudtrail.user_identity.session_context.mfa_authenticated":                         "keyword",
	"aws.cloudtrail.user_identity.session_context.creation_date":                             "date",
	"aws.cloudtrail.user_identity.session_context.ec2_role_delivery":                         "keyword",
	"aws.cloudtrail.user_identity.session_context.source_identity":                           "keyword",
	"aws.cloudtrail.user_identity.session_context.assumed_root":                              "keyword",
	"aws.cloudtrail.user_identity.session_context.sign_in_session_arn":                       "keyword",
	"aws.cloudtrail.user_identity.session_context.session_issuer.type":                       "keyword",
	"aws.cloudtrail.user_identity.session_context.session_issuer.principal_id":               "keyword",
	"aws.cloudtrail.user_identity.session_context.session_issuer.arn":                        "keyword",
	"aws.cloudtrail.user_identity.session_context.session_issuer.account_id":                 "keyword",
	"aws.cloudtrail.user_identity.session_context.web_id_federation_data.federated_provider": "keyword",
	// Stored whole as an object whose keys the identity provider chooses.
	"aws.cloudtrail.user_identity.session_context.web_id_federation_data.attributes": "object",

	// Fields of the non-CloudTrail legs of multi-source rules (ECS types), so
	// those queries resolve; CloudTrail documents never have them.
	"host.name":                            "keyword",
	"host.os.type":                         "keyword",
	"process.command_line":                 "wildcard",
	"process.executable":                   "keyword",
	"process.name":                         "keyword",
	"process.parent.command_line":          "wildcard",
	"process.pid":                          "long",
	"orchestrator.cluster.name":            "keyword",
	"kubernetes.audit.objectRef.namespace": "keyword",
	"kubernetes.audit.objectRef.resource":  "keyword",
	"kubernetes.audit.verb":                "keyword",
}

// FieldTypes returns every field the mapping can produce, plus the
// integration's mapped fields the bundled rules read (GeoIP fields,
// event.ingested, ...), with its Elasticsearch mapping type ("keyword",
// "constant_keyword", "ip", "date", "long", "boolean", "flattened",
// "geo_point", "wildcard", "object"). Metadata fields (_id, _index, _version)
// are not included. The map is a fresh copy.
func FieldTypes() map[string]string {
	return maps.Clone(fieldTypes)
}

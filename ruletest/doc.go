// Package ruletest runs script tests for detection rules and ad-hoc ES|QL
// queries, in the spirit of Prometheus's promqltest (docs/architecture.md
// "Testing style"): small text files that load a few raw CloudTrail records,
// run a rule or a query through the real pipeline (raw JSON bytes ->
// detect.Detector, which maps to ECS and evaluates, exactly as for files) and
// state the alerts or rows expected.
//
// # Script format
//
// A script is a UTF-8 text file, conventionally named *.test. Lines starting
// with # are comments; a directive line may end with "  # comment". Blank
// lines are ignored.
//
//	# Six distinct aws-cli discovery calls in one 10 s window fire the rule.
//	rule bundled:74f45152-9aee-11ef-b0a5-f661ea17fbcd
//	now 2026-11-02T09:00:00Z
//
//	case six distinct actions
//	records
//	{"eventTime": "2026-11-02T08:00:01Z", "eventName": "ListUsers", ...}  # one record per line
//	repeat 3 from 2026-11-02T08:00:02Z every 1s
//	{"eventTime": "{{time}}", "eventName": "GetUser{{n}}", ...}
//	end
//	expect alerts 1
//	expect alert 1 aws.cloudtrail.user_identity.arn = "arn:aws:iam::111122223333:user/alice"
//	expect alert 1 Esql.event_action_values = ["ListUsers", "GetUser1", "GetUser2", "GetUser3"]
//
//	case five is not enough
//	...
//	expect no alerts
//
// Directives:
//
//	case NAME          start a case; what comes before the first case is shared
//	                   by every case (rule, now, requires, geoip, records). A file
//	                   without "case" is one case named after the file.
//	rule bundled:ID    a bundled rule by rule_id or file name (without .toml);
//	                   "bundled:seed" is the seed rule
//	rule PATH          a rule TOML, relative to the script's directory
//	now TIME           the execution time (RFC 3339): the alerts' @timestamp and
//	                   NOW() of ad-hoc queries. Rules replayed on their schedule
//	                   bind NOW() to each run's time, so fixtures never depend on
//	                   the wall clock. Default: the latest record's eventTime.
//	requires geoip     the case needs GeoIP/ASN enrichment (source.geo.*,
//	                   source.as.*): it runs on the databases of its geoip lines,
//	                   else on Options.GeoIP (trailql rules test --geoip-city,
//	                   --geoip-asn), else it is skipped with a message
//	geoip IP K=JSON... the enrichment of one source address, e.g.
//	                   geoip 203.0.113.9 as.organization.name="Hetzner Online GmbH"
//	                   geo.country_iso_code="DE"; the runner builds GeoLite2-City
//	                   and GeoLite2-ASN databases holding exactly these values and
//	                   the real enrichment reads them, so a fixture does not
//	                   depend on MaxMind's data. Keys: as.organization.name,
//	                   as.number, geo.country_iso_code, geo.country_name,
//	                   geo.continent_name, geo.region_iso_code (US-WA),
//	                   geo.region_name, geo.city_name, geo.location ({"lat","lon"})
//	records ... end    raw CloudTrail records, one JSON object per line
//	repeat N from TIME every DURATION
//	                   (inside records) the next line is a template repeated N
//	                   times; {{n}} is 1..N, {{time}} TIME + (n-1)*DURATION
//	expect alerts N    the rule raises exactly N alerts
//	expect no alerts   the same as expect alerts 0
//	expect alert I FIELD = JSON
//	                   alert I (1-based, in the detector's order: by the rule's
//	                   group columns) has FIELD equal to the JSON value; arrays
//	                   compare as multisets (VALUES order is unspecified), numbers
//	                   by value; null means the field is absent (null cells are
//	                   omitted from alerts)
//	expect warning TEXT
//	                   some warning of the run contains TEXT
//	query ES|QL        an ad-hoc query over the case's records (detect.CompileQuery:
//	                   the implicit LIMIT 1000 applies); "query" alone on its line
//	                   starts a multi-line query ended by "end"
//	expect rows [unordered]
//	  COL | COL ...    the last query's result: a header of column names, then
//	  JSON | JSON ...  one line per row with a JSON value per column; "end" closes
//	                   the table. "unordered" compares rows as a multiset.
//	expect no rows     the last query returns nothing
//
// Errors in a script and failed expectations name the file and line.
package ruletest

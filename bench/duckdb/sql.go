package main

import (
	"fmt"
	"strings"
)

// field is one key of a raw CloudTrail record the seed rule reads: a scalar
// of DuckDB type typ, or an object with fields sub.
type field struct {
	name string
	typ  string
	sub  []field
}

// recordFields is the subset of a raw CloudTrail record the seed rule reads.
// Declaring it (rather than letting DuckDB infer a schema) is what a careful
// SQL user would do: DuckDB then converts only these keys, as trailql maps only
// the fields its rules read (docs/architecture.md "Performance model"), and the
// heterogeneous requestParameters / responseElements never need a unified type.
var recordFields = []field{
	{name: "eventTime", typ: "TIMESTAMP"},
	{name: "eventSource", typ: "VARCHAR"},
	{name: "eventName", typ: "VARCHAR"},
	{name: "awsRegion", typ: "VARCHAR"},
	{name: "sourceIPAddress", typ: "VARCHAR"},
	{name: "userAgent", typ: "VARCHAR"},
	{name: "sessionCredentialFromConsole", typ: "VARCHAR"},
	{name: "recipientAccountId", typ: "VARCHAR"},
	{name: "userIdentity", sub: []field{
		{name: "type", typ: "VARCHAR"},
		{name: "arn", typ: "VARCHAR"},
		{name: "accountId", typ: "VARCHAR"},
		{name: "accessKeyId", typ: "VARCHAR"},
		{name: "userName", typ: "VARCHAR"},
		{name: "sessionContext", sub: []field{
			{name: "sessionIssuer", sub: []field{
				{name: "arn", typ: "VARCHAR"},
				{name: "userName", typ: "VARCHAR"},
			}},
		}},
	}},
}

// sqlType renders f's type as DuckDB SQL, e.g. STRUCT(arn VARCHAR, ...).
func (f field) sqlType() string {
	if f.sub == nil {
		return f.typ
	}
	var b []string
	for _, s := range f.sub {
		b = append(b, s.name+" "+s.sqlType())
	}
	return "STRUCT(" + strings.Join(b, ", ") + ")"
}

// jsonStructure renders fields as a json_transform structure, e.g.
// {"eventTime":"TIMESTAMP",...}.
func jsonStructure(fields []field) string {
	var b []string
	for _, f := range fields {
		if f.sub == nil {
			b = append(b, fmt.Sprintf("%q:%q", f.name, f.typ))
		} else {
			b = append(b, fmt.Sprintf("%q:%s", f.name, jsonStructure(f.sub)))
		}
	}
	return "{" + strings.Join(b, ",") + "}"
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// GzipSource is a relation with one struct column r per record of the
// CloudTrail delivery files matching glob. Each file is one JSON object
// {"Records":[...]} whose array elements are the events (what the Elastic
// Agent's expand_event_list_from_field: Records does).
//
// mode "objects" (the default, the fastest found) reads each file as one
// JSON value with read_json_objects, converts it with from_json to the
// declared struct and UNNESTs Records. mode "read_json" lets read_json
// parse the files with a declared Records column and UNNESTs it; in DuckDB
// 1.5 that path is several times slower on CloudTrail-sized objects.
//
// Both keep DuckDB's default maximum_object_size (16 MB): the corpus's
// delivery files hold at most 2,000 records (about 2 MB), and a large
// maximum (256 MiB was tried) made DuckDB 2 to 5 times slower, because it
// sizes its read buffers by it. The anchor is the fastest careful DuckDB.
func GzipSource(glob, mode string) string {
	root := field{name: "Records", sub: recordFields}
	if mode == "read_json" {
		return fmt.Sprintf(`(SELECT unnest(Records) AS r
  FROM read_json(%s, format = 'unstructured', compression = 'gzip',
    columns = {Records: '%s[]'}))`, sqlString(glob), root.sqlType())
	}
	structure := `{"Records":[` + jsonStructure(recordFields) + `]}`
	return fmt.Sprintf(`(SELECT unnest(from_json(json, %s).Records) AS r
  FROM read_json_objects(%s, format = 'unstructured', compression = 'gzip'))`, sqlString(structure), sqlString(glob))
}

// NDJSONSource is a relation with one row per line of an NDJSON file, each
// row a struct r of the same type as GzipSource's. read_json with declared
// columns is DuckDB's fast path for NDJSON (parallel over the file).
func NDJSONSource(path string) string {
	var pack, cols []string
	for _, f := range recordFields {
		pack = append(pack, fmt.Sprintf("'%s': %s", f.name, f.name))
		cols = append(cols, fmt.Sprintf("%s: '%s'", f.name, f.sqlType()))
	}
	return fmt.Sprintf(`(SELECT {%s} AS r
  FROM read_json(%s, format = 'newline_delimited',
    columns = {%s}))`, strings.Join(pack, ", "), sqlString(path), strings.Join(cols, ", "))
}

// ipv4 and ipv6 approximate Elasticsearch's InetAddresses.isInetAddress,
// which decides whether sourceIPAddress becomes source.ip
// (docs/cloudtrail-ecs-mapping.md §4): a dotted quad without
// leading zeros, or an IPv6 text form (hex groups and colons, optionally an
// embedded dotted quad; the group count is not checked).
const (
	ipv4 = `(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}`
	ipv6 = `[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}(:` + ipv4 + `)?|[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){1,5}:` + ipv4
)

// awsCLI approximates the Elasticsearch user-agent rule that names a client
// "aws-cli" (regexes.yaml rule #50, docs/cloudtrail-ecs-mapping.md §6.2);
// the 50 earlier rules that could pre-empt it never match the benchmark's
// generated user agents.
const awsCLI = `\b(aws-cli)/(\d+)\.(\d+)`

// Query is the seed rule over raw CloudTrail records from src (a relation
// with one STRUCT column r). It returns, per alert: the window (epoch ms),
// the arn, the distinct action count, the actions, and the event count.
func Query(src string) string {
	return fmt.Sprintf(`WITH ev AS (
  SELECT
    r.eventTime AS ts,
    r.eventName AS action,
    r.eventSource AS provider,
    r.sourceIPAddress AS ip,
    r.awsRegion AS region,
    r.userIdentity.type AS itype,
    r.userIdentity.arn AS arn,
    nullif(r.userIdentity.accessKeyId, '') AS access_key_id,
    coalesce(nullif(r.userIdentity.accountId, ''), r.recipientAccountId) AS account_id,
    -- user.name (docs/cloudtrail-ecs-mapping.md section 5): none for AWS services and
    -- service-linked roles; the issuer's userName for AssumedRole/FederatedUser
    -- sessions; else userIdentity.userName.
    CASE
      WHEN r.userIdentity.type = 'AWSService' THEN NULL
      WHEN r.userIdentity.type = 'AssumedRole'
        AND contains(r.userIdentity.sessionContext.sessionIssuer.arn, ':role/aws-service-role/') THEN NULL
      WHEN r.userIdentity.type IN ('AssumedRole', 'FederatedUser')
        AND r.userIdentity.sessionContext.sessionIssuer.userName IS NOT NULL
        THEN r.userIdentity.sessionContext.sessionIssuer.userName
      ELSE r.userIdentity.userName
    END AS user_name,
    r.userAgent AS ua,
    r.sessionCredentialFromConsole AS from_console
  FROM %s
)
SELECT
  (epoch_ms(ts) // 10000) * 10000 AS window_ms,          -- date_trunc(10 seconds, @timestamp)
  arn,
  count(DISTINCT action) AS action_count_distinct,
  list(DISTINCT action) AS action_values,
  count(*) AS events,
  list(DISTINCT ts) AS timestamp_values,
  list(DISTINCT itype) AS identity_type_values,
  list(DISTINCT access_key_id) AS access_key_id_values,
  list(DISTINCT ip) AS source_ip_values,
  list(DISTINCT account_id) AS account_id_values,
  list(DISTINCT provider) AS provider_values,
  list(DISTINCT region) AS region_values
FROM ev
WHERE ip IS NOT NULL AND (regexp_full_match(ip, %s) OR regexp_full_match(ip, %s))
  AND from_console IS NULL
  AND provider IN ('iam.amazonaws.com', 'ec2.amazonaws.com', 's3.amazonaws.com',
    'rds.amazonaws.com', 'lambda.amazonaws.com', 'dynamodb.amazonaws.com',
    'kms.amazonaws.com', 'cloudfront.amazonaws.com', 'elasticloadbalancing.amazonaws.com',
    'cloudtrail.amazonaws.com', 'sts.amazonaws.com', 'ses.amazonaws.com',
    'organizations.amazonaws.com')
  AND itype != 'AWSService'
  AND regexp_matches(ua, %s)
  AND action != 'DescribeCapacityReservations'
  AND user_name != 'AWSServiceRoleForConfig'
  AND (starts_with(action, 'Describe') OR starts_with(action, 'Get')
    OR starts_with(action, 'List') OR starts_with(action, 'Generate'))
GROUP BY window_ms, arn
HAVING count(DISTINCT action) > 5
ORDER BY window_ms, arn`, src, sqlString(ipv4), sqlString(ipv6), sqlString(awsCLI))
}

package investigate

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailql/trailql/internal/sharedtest"
)

// rec is a raw CloudTrail record: arn calling with access key key, in
// region, source:action at t0+sec, id "<action>-<sec>".
func rec(arn, key, region, source, action string, sec int) map[string]any {
	return map[string]any{
		"eventVersion": "1.09",
		"userIdentity": map[string]any{"type": "IAMUser", "principalId": "AIDAX", "arn": arn, "accountId": "111122223333", "accessKeyId": key},
		"eventTime":    t0.Add(time.Duration(sec) * time.Second).Format(time.RFC3339),
		"eventSource":  source + ".amazonaws.com", "eventName": action, "awsRegion": region,
		"sourceIPAddress": "198.51.100.23", "userAgent": "aws-cli/2.15.30",
		"eventID": fmt.Sprintf("%s-%d", action, sec), "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
	}
}

const (
	alice = "arn:aws:iam::111122223333:user/alice"
	carol = "arn:aws:sts::111122223333:assumed-role/ops/carol"
)

// selectionRecords: alice's key AKIA1 from 40 minutes before t0 to 5
// minutes after, in two regions; carol's session key ASIA1, also used
// once under another ARN (a key does not change hands, but the pivot must
// not care); the same event delivered twice; two events at one second.
func selectionRecords() []map[string]any {
	return []map[string]any{
		rec(alice, "AKIA1", "us-east-1", "ec2", "DescribeVpcs", -2400),
		rec(alice, "AKIA1", "us-east-1", "ec2", "DescribeInstances", 0),
		rec(alice, "AKIA1", "eu-west-1", "s3", "ListBuckets", 0),
		rec(alice, "AKIA1", "eu-west-1", "iam", "ListUsers", 7),
		rec(carol, "ASIA1", "us-east-1", "sts", "GetCallerIdentity", 3),
		rec(carol, "ASIA1", "us-east-1", "iam", "CreateAccessKey", 250),
		rec(alice, "ASIA1", "us-east-1", "kms", "Decrypt", 260),
		rec(alice, "AKIA1", "us-east-1", "iam", "AttachUserPolicy", 300),
		rec(alice, "AKIA1", "us-east-1", "ec2", "DescribeInstances", 0), // delivered twice
	}
}

// writeFormats writes recs in each input format trailql reads and returns
// the paths by format name.
func writeFormats(t *testing.T, recs []map[string]any) map[string]string {
	t.Helper()
	dir := t.TempDir()
	marshal := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	gz := func(b []byte) []byte {
		var out bytes.Buffer
		w := gzip.NewWriter(&out)
		w.Write(b)
		w.Close()
		return out.Bytes()
	}
	var ndjson, pretty bytes.Buffer
	for _, r := range recs {
		ndjson.Write(marshal(r))
		ndjson.WriteByte('\n')
	}
	p, _ := json.MarshalIndent(recs, "", "   ")
	pretty.Write(p)
	delivery := marshal(map[string]any{"Records": recs})
	half := len(recs) / 2
	twoDeliveries := append(append(marshal(map[string]any{"Records": recs[:half]}), '\n'), marshal(map[string]any{"Records": recs[half:]})...)
	files := map[string][]byte{
		// As CloudTrail names its delivery files in S3.
		"delivery":          delivery,
		"delivery.json.gz":  gz(delivery),
		"ndjson":            ndjson.Bytes(),
		"ndjson.gz":         gz(ndjson.Bytes()),
		"bare array":        pretty.Bytes(),
		"ndjson deliveries": twoDeliveries,
	}
	names := map[string]string{
		"delivery":          "111122223333_CloudTrail_us-east-1_20261102T0805Z_a.json",
		"delivery.json.gz":  "111122223333_CloudTrail_us-east-1_20261102T0805Z_b.json.gz",
		"ndjson":            "export.ndjson",
		"ndjson.gz":         "export.ndjson.gz",
		"bare array":        "detonation.json",
		"ndjson deliveries": "deliveries.ndjson",
	}
	paths := map[string]string{}
	for k, b := range files {
		p := filepath.Join(dir, names[k])
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths[k] = p
	}
	return paths
}

// ids lists the events' ids, with A for in_alert and ! for sensitive.
func ids(evs []Event) string {
	var out []string
	for _, e := range evs {
		s := e.ID
		if e.InAlert {
			s += " A"
		}
		if e.Sensitive != nil {
			s += " !"
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// Which events make the timeline: the identity's (an ARN, an access key,
// several values, several fields at once), inside the range, bounds
// included; sorted by time then event.id, each event once; the same in
// every input format.
func TestInvestigateSelection(t *testing.T) {
	paths := writeFormats(t, selectionRecords())
	window := func(start, end time.Time, around time.Duration) (time.Time, time.Time) {
		return start.Add(-around), end.Add(around)
	}
	from30, to30 := window(t0, t0.Add(10*time.Second), 30*time.Minute)
	cases := []struct {
		name     string
		q        Query
		want     string
		sameTime bool
	}{
		{name: "an ARN, whole input", q: Query{Identity: ARN(alice)},
			want: "DescribeVpcs--2400,DescribeInstances-0,ListBuckets-0,ListUsers-7,Decrypt-260,AttachUserPolicy-300 !"},
		{name: "an ARN, ±30m of a 10 s window", q: Query{Identity: ARN(alice), From: from30, To: to30},
			want: "DescribeInstances-0,ListBuckets-0,ListUsers-7,Decrypt-260,AttachUserPolicy-300 !"},
		{name: "bounds are inclusive", q: Query{Identity: ARN(alice), From: t0.Add(7 * time.Second), To: t0.Add(260 * time.Second)},
			want: "ListUsers-7,Decrypt-260"},
		{name: "a range with nothing", q: Query{Identity: ARN(alice), From: t0.Add(8 * time.Second), To: t0.Add(259 * time.Second)},
			want: ""},
		{name: "the events behind the alert marked", q: Query{Identity: ARN(alice), From: t0, To: t0.Add(10 * time.Second),
			InAlert: map[string]bool{"DescribeInstances-0": true, "ListUsers-7": true, "GetCallerIdentity-3": true}},
			want: "DescribeInstances-0 A,ListBuckets-0,ListUsers-7 A"},
		{name: "an assumed-role session", q: Query{Identity: ARN(carol)},
			want: "GetCallerIdentity-3 !,CreateAccessKey-250 !"},
		{name: "two ARNs", q: Query{Identity: ARN(alice, carol), From: t0, To: t0.Add(10 * time.Second)},
			want: "DescribeInstances-0,ListBuckets-0,GetCallerIdentity-3 !,ListUsers-7"},
		{name: "an access key, whatever the ARN", q: Query{Identity: AccessKey("ASIA1")},
			want: "GetCallerIdentity-3 !,CreateAccessKey-250 !,Decrypt-260"},
		{name: "two fields: both must match", q: Query{Identity: Identity{
			Fields: []string{"aws.cloudtrail.user_identity.arn", "cloud.region"}, Values: [][]string{{alice}, {"eu-west-1"}}}},
			want: "ListBuckets-0,ListUsers-7"},
		{name: "an unknown ARN", q: Query{Identity: ARN("arn:aws:iam::111122223333:user/nobody")}, want: ""},
		{name: "no identity selects nothing", q: Query{}, want: ""},
	}
	formats := make([]string, 0, len(paths))
	for f := range paths {
		formats = append(formats, f)
	}
	slices.Sort(formats)
	for _, tc := range cases {
		for _, format := range formats {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				evs := collectTest(t, paths[format], tc.q)
				if got := ids(evs); got != tc.want {
					t.Errorf("got  %s\nwant %s", got, tc.want)
				}
				if !slices.IsSortedFunc(evs, func(a, b Event) int {
					if c := a.Time.Compare(b.Time); c != 0 {
						return c
					}
					return strings.Compare(a.ID, b.ID)
				}) {
					t.Error("not sorted by time then event.id")
				}
			})
		}
	}
}

// The project's own format fixtures (testdata/cloudtrail) give the same
// timeline of alice whatever their shape.
func TestInvestigateSelectionFixtures(t *testing.T) {
	var want string
	for _, f := range []string{"delivery.json", "pretty-array.json", "records.ndjson", "deliveries.ndjson"} {
		evs := collectTest(t, filepath.Join("..", "..", "testdata", "cloudtrail", f), Query{Identity: ARN("arn:aws:iam::111122223333:user/alice")})
		got := ids(evs)
		if want == "" {
			want = got
			if len(evs) == 0 {
				t.Fatalf("%s: no events of alice", f)
			}
		}
		if got != want {
			t.Errorf("%s: %s, %s in delivery.json", f, got, want)
		}
	}
}

// Stratus Red Team's detonation logs (anonymised, bare JSON arrays): every
// technique's own actions are flagged with their group, and nothing else.
func TestInvestigateSensitiveStratus(t *testing.T) {
	dir := sharedtest.Dir(t, "testdata/public-cloudtrail/stratus-red-team-detonation-logs")
	const (
		who, pivot, creds, princ = "whoami", "credential pivot", "new credentials", "new principals or privileges"
		secrets, inst, share     = "secrets", "instance data", "exfiltration by sharing"
		evasion, exec, impact    = "defense evasion", "execution or lateral movement", "impact"
	)
	want := map[string]string{
		"credential-access.ec2-get-password-data":                 "ec2:GetPasswordData=" + secrets + " sts:AssumeRole=" + pivot,
		"credential-access.ec2-steal-instance-credentials":        "ssm:GetCommandInvocation=" + inst + " ssm:SendCommand=" + exec + " sts:GetCallerIdentity=" + who,
		"credential-access.secretsmanager-batch-retrieve-secrets": "secretsmanager:BatchGetSecretValue=" + secrets,
		"credential-access.secretsmanager-retrieve-secrets":       "secretsmanager:GetSecretValue=" + secrets,
		"credential-access.ssm-retrieve-securestring-parameters":  "ssm:GetParameters=" + secrets,
		"defense-evasion.cloudtrail-delete":                       "cloudtrail:DeleteTrail=" + evasion,
		"defense-evasion.cloudtrail-event-selectors":              "cloudtrail:PutEventSelectors=" + evasion,
		"defense-evasion.cloudtrail-stop":                         "cloudtrail:StopLogging=" + evasion,
		"defense-evasion.dns-delete-logs":                         "route53resolver:DeleteResolverQueryLogConfig=" + evasion,
		"defense-evasion.organizations-leave":                     "organizations:LeaveOrganization=" + evasion + " sts:AssumeRole=" + pivot,
		"defense-evasion.vpc-remove-flow-logs":                    "ec2:DeleteFlowLogs=" + evasion,
		"discovery.ec2-download-user-data":                        "ec2:DescribeInstanceAttribute=" + inst + " sts:AssumeRole=" + pivot,
		"execution.ec2-launch-unusual-instances":                  "ec2:RunInstances=" + exec + " sts:AssumeRole=" + pivot,
		"execution.ec2-user-data":                                 "ec2:ModifyInstanceAttribute=" + exec,
		"execution.ssm-send-command":                              "ssm:GetCommandInvocation=" + inst + " ssm:SendCommand=" + exec,
		"execution.ssm-start-session":                             "ssm:StartSession=" + exec,
		"exfiltration.ec2-security-group-open-port-22-ingress":    "ec2:AuthorizeSecurityGroupIngress=" + share,
		"exfiltration.ec2-share-ami":                              "ec2:ModifyImageAttribute=" + share,
		"exfiltration.ec2-share-ebs-snapshot":                     "ec2:ModifySnapshotAttribute=" + share,
		"exfiltration.rds-share-snapshot":                         "rds:ModifyDBSnapshotAttribute=" + share,
		"impact.bedrock-invoke-model":                             "bedrock:CreateFoundationModelAgreement=" + impact + " bedrock:InvokeModel=" + impact + " bedrock:PutFoundationModelEntitlement=" + impact + " bedrock:PutUseCaseForModelAccess=" + impact,
		"initial-access.console-login-without-mfa":                "signin:ConsoleLogin=initial access",
		"lateral-movement.ec2-instance-connect":                   "ec2-instance-connect:SendSSHPublicKey=" + exec,
		"lateral-movement.ec2-serial-console-send-ssh-public-key": "ec2-instance-connect:SendSerialConsoleSSHPublicKey=" + exec + " ec2:EnableSerialConsoleAccess=" + exec,
		"persistence.iam-backdoor-role":                           "iam:UpdateAssumeRolePolicy=" + princ,
		"persistence.iam-backdoor-user":                           "iam:CreateAccessKey=" + creds,
		"persistence.iam-create-admin-user":                       "iam:AttachUserPolicy=" + princ + " iam:CreateAccessKey=" + creds + " iam:CreateUser=" + princ,
		"persistence.iam-create-backdoor-role":                    "iam:AttachRolePolicy=" + princ + " iam:CreateRole=" + princ,
		"persistence.iam-create-user-login-profile":               "iam:CreateLoginProfile=" + creds + " sts:GetCallerIdentity=" + who,
		"persistence.lambda-backdoor-function":                    "lambda:AddPermission20150331v2=" + exec,
		"persistence.lambda-layer-extension":                      "lambda:UpdateFunctionConfiguration20150331v2=" + exec,
		"persistence.lambda-overwrite-code":                       "lambda:UpdateFunctionCode20150331v2=" + exec,
		"persistence.rolesanywhere-create-trust-anchor":           "rolesanywhere:CreateProfile=" + princ + " rolesanywhere:CreateTrustAnchor=" + princ,
		"persistence.sts-federation-token":                        "sts:GetCallerIdentity=" + who + " sts:GetFederationToken=" + pivot,
		"privilege-escalation.iam-update-user-login-profile":      "iam:UpdateLoginProfile=" + creds,
	}
	files, _ := filepath.Glob(filepath.Join(dir, "aws.*.json"))
	if len(files) != len(want) {
		t.Errorf("%d detonation logs, %d expected", len(files), len(want))
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "aws."), ".json")
		t.Run(name, func(t *testing.T) {
			var recs []struct {
				ID       string `json:"eventID"`
				Identity struct {
					ARN string `json:"arn"`
				} `json:"userIdentity"`
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &recs); err != nil {
				t.Fatal(err)
			}
			var arns []string
			for _, r := range recs {
				if !slices.Contains(arns, r.Identity.ARN) {
					arns = append(arns, r.Identity.ARN)
				}
			}
			evs := collectTest(t, f, Query{Identity: ARN(arns...)})
			if len(evs) != len(recs) {
				t.Errorf("%d events of its ARNs, the file has %d records", len(evs), len(recs))
			}
			var got []string
			for _, e := range evs {
				if e.Sensitive != nil {
					if s := e.Service() + ":" + e.Action + "=" + e.Sensitive.Group; !slices.Contains(got, s) {
						got = append(got, s)
					}
				}
			}
			slices.Sort(got)
			if strings.Join(got, " ") != want[name] {
				t.Errorf("flagged\n  %s\nwant\n  %s", strings.Join(got, " "), want[name])
			}
		})
	}
}

// Invictus IR's dataset (native delivery files, gzipped here as S3 holds
// them, records unsorted within a file): the timeline of an actor over a
// range is exactly the records a plain scan of the JSON finds, in order.
func TestInvestigateSelectionInvictus(t *testing.T) {
	src := sharedtest.Dir(t, "testdata/public-cloudtrail/invictus-ir-aws_dataset/CloudTrail")
	files, _ := filepath.Glob(filepath.Join(src, "*.json"))
	if len(files) == 0 {
		t.Skipf("no delivery files in %s", src)
	}
	dir := t.TempDir()
	type raw struct {
		ID       string `json:"eventID"`
		Time     string `json:"eventTime"`
		Identity struct {
			ARN string `json:"arn"`
		} `json:"userIdentity"`
	}
	var all []raw
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d struct{ Records []raw }
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		all = append(all, d.Records...)
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(b)
		w.Close()
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)+".gz"), gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const bert = "arn:aws:iam::123837392027:user/bert-jan"
	from, to := time.Date(2023, 7, 10, 12, 0, 0, 0, time.UTC), time.Date(2023, 7, 10, 12, 10, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		from, to time.Time
	}{{"whole input", time.Time{}, time.Time{}}, {"ten minutes", from, to}} {
		t.Run(tc.name, func(t *testing.T) {
			want := map[string]bool{}
			for _, r := range all {
				ts, err := time.Parse(time.RFC3339, r.Time)
				if err != nil {
					t.Fatal(err)
				}
				if r.Identity.ARN == bert && (tc.from.IsZero() || !ts.Before(tc.from)) && (tc.to.IsZero() || !ts.After(tc.to)) {
					want[r.ID] = true
				}
			}
			evs := collectTest(t, dir, Query{Identity: ARN(bert), From: tc.from, To: tc.to})
			if len(evs) != len(want) || len(want) == 0 {
				t.Errorf("%d events, a scan finds %d", len(evs), len(want))
			}
			for i, e := range evs {
				if !want[e.ID] {
					t.Errorf("event %s is not bert-jan's in range", e.ID)
				}
				if i > 0 && e.Time.Before(evs[i-1].Time) {
					t.Errorf("event %d out of order", i)
				}
			}
		})
	}
}

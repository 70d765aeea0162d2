package latecorpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// record is a CloudTrail record, fields in CloudTrail's order.
type record struct {
	EventVersion                 string      `json:"eventVersion"`
	UserIdentity                 identity    `json:"userIdentity"`
	EventTime                    string      `json:"eventTime"`
	EventSource                  string      `json:"eventSource"`
	EventName                    string      `json:"eventName"`
	AWSRegion                    string      `json:"awsRegion"`
	SourceIPAddress              string      `json:"sourceIPAddress"`
	UserAgent                    string      `json:"userAgent"`
	ErrorCode                    string      `json:"errorCode,omitempty"`
	ErrorMessage                 string      `json:"errorMessage,omitempty"`
	RequestParameters            *reqParams  `json:"requestParameters"`
	ResponseElements             *struct{}   `json:"responseElements"`
	RequestID                    string      `json:"requestID"`
	EventID                      string      `json:"eventID"`
	ReadOnly                     bool        `json:"readOnly"`
	EventType                    string      `json:"eventType"`
	ManagementEvent              bool        `json:"managementEvent"`
	RecipientAccountID           string      `json:"recipientAccountId"`
	EventCategory                string      `json:"eventCategory"`
	SessionCredentialFromConsole string      `json:"sessionCredentialFromConsole,omitempty"`
	TLSDetails                   *tlsDetails `json:"tlsDetails,omitempty"`
}

type reqParams struct {
	MaxResults int `json:"maxResults"`
}

type tlsDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

type identity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId,omitempty"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId,omitempty"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *sessionContext `json:"sessionContext,omitempty"`
	InvokedBy      string          `json:"invokedBy,omitempty"`
}

type sessionContext struct {
	SessionIssuer   issuer     `json:"sessionIssuer"`
	Attributes      attributes `json:"attributes"`
	EC2RoleDelivery string     `json:"ec2RoleDelivery,omitempty"`
}

type issuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

type attributes struct {
	CreationDate     string `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

// provider is an AWS service and some of its API calls.
type provider struct {
	name    string
	actions []string
	inRule  bool // listed in the seed rule's event.provider filter
}

var providers = []provider{
	{"ec2.amazonaws.com", []string{"DescribeInstances", "DescribeSecurityGroups", "DescribeVpcs", "DescribeSubnets",
		"DescribeVolumes", "DescribeSnapshots", "DescribeImages", "DescribeKeyPairs", "DescribeRegions",
		"DescribeAvailabilityZones", "DescribeInstanceTypes", "DescribeCapacityReservations", "GetConsoleOutput",
		"RunInstances", "StartInstances", "CreateTags", "DescribeAddresses", "DescribeNetworkInterfaces", "GetPasswordData"}, true},
	{"iam.amazonaws.com", []string{"ListUsers", "ListRoles", "ListPolicies", "ListGroups", "GetAccountAuthorizationDetails",
		"ListAccessKeys", "GetUser", "GetRole", "ListAttachedRolePolicies", "GetAccountSummary", "GenerateCredentialReport",
		"GetCredentialReport", "CreateAccessKey", "ListMFADevices", "ListInstanceProfiles", "GetPolicyVersion"}, true},
	{"s3.amazonaws.com", []string{"ListBuckets", "GetBucketAcl", "GetBucketPolicy", "GetBucketLocation", "GetObject",
		"PutObject", "ListObjects", "GetBucketEncryption", "GetBucketVersioning"}, true},
	{"sts.amazonaws.com", []string{"GetCallerIdentity", "AssumeRole", "GetSessionToken"}, true},
	{"kms.amazonaws.com", []string{"ListKeys", "ListAliases", "DescribeKey", "GenerateDataKey", "Decrypt", "GetKeyPolicy"}, true},
	{"lambda.amazonaws.com", []string{"ListFunctions20150331", "GetFunction20150331v2", "ListLayers", "GetPolicy20150331v2"}, true},
	{"rds.amazonaws.com", []string{"DescribeDBInstances", "DescribeDBClusters", "DescribeDBSnapshots", "DescribeDBSubnetGroups"}, true},
	{"dynamodb.amazonaws.com", []string{"ListTables", "DescribeTable", "DescribeLimits"}, true},
	{"cloudtrail.amazonaws.com", []string{"DescribeTrails", "GetTrailStatus", "LookupEvents", "ListTrails", "GetEventSelectors"}, true},
	{"organizations.amazonaws.com", []string{"DescribeOrganization", "ListAccounts", "ListRoots", "DescribeAccount"}, true},
	{"ses.amazonaws.com", []string{"GetSendQuota", "ListIdentities", "GetAccount", "ListEmailIdentities"}, true},
	{"cloudfront.amazonaws.com", []string{"ListDistributions", "GetDistribution"}, true},
	{"elasticloadbalancing.amazonaws.com", []string{"DescribeLoadBalancers", "DescribeTargetGroups", "DescribeListeners"}, true},
	// Providers outside the rule's list.
	{"sns.amazonaws.com", []string{"ListTopics", "GetTopicAttributes", "ListSubscriptions"}, false},
	{"logs.amazonaws.com", []string{"DescribeLogGroups", "DescribeLogStreams", "GetLogEvents"}, false},
	{"ssm.amazonaws.com", []string{"DescribeInstanceInformation", "GetParameter", "ListCommands"}, false},
	{"secretsmanager.amazonaws.com", []string{"ListSecrets", "GetSecretValue", "DescribeSecret"}, false},
}

// globalServices log in us-east-1 whatever region the caller used.
var globalServices = map[string]bool{
	"iam.amazonaws.com":           true,
	"organizations.amazonaws.com": true,
	"cloudfront.amazonaws.com":    true,
}

type call struct{ provider, action string }

func isDiscovery(action string) bool {
	for _, p := range []string{"Describe", "Get", "List", "Generate"} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

func pick(r *rand.Rand, xs ...string) string { return xs[r.IntN(len(xs))] }

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// token is n random upper-case letters and digits.
func (g *gen) token(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[g.r.IntN(len(alnum))]
	}
	return string(b)
}

func (g *gen) uuid() string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i := range 32 {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			b = append(b, '-')
		}
		b = append(b, hex[g.r.IntN(16)])
	}
	return string(b)
}

func (g *gen) instanceID() string {
	const hex = "0123456789abcdef"
	b := []byte("i-0")
	for range 16 {
		b = append(b, hex[g.r.IntN(16)])
	}
	return string(b)
}

func (g *gen) publicIP() string {
	return fmt.Sprintf("%d.%d.%d.%d", pickInt(g.r, 3, 18, 34, 52, 54, 81, 185, 203), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

func (g *gen) privateIP() string {
	return fmt.Sprintf("10.%d.%d.%d", g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

func pickInt(r *rand.Rand, xs ...int) int { return xs[r.IntN(len(xs))] }

func (g *gen) iamUser(a *account, name string) identity {
	return identity{Type: "IAMUser", PrincipalID: "AIDA" + g.token(17), ARN: "arn:aws:iam::" + a.id + ":user/" + name,
		AccountID: a.id, AccessKeyID: "AKIA" + g.token(16), UserName: name}
}

func (g *gen) assumedRole(a *account, role, session string) identity {
	rid := "AROA" + g.token(17)
	return identity{Type: "AssumedRole", PrincipalID: rid + ":" + session,
		ARN: "arn:aws:sts::" + a.id + ":assumed-role/" + role + "/" + session, AccountID: a.id, AccessKeyID: "ASIA" + g.token(16),
		SessionContext: &sessionContext{
			SessionIssuer:   issuer{Type: "Role", PrincipalID: rid, ARN: "arn:aws:iam::" + a.id + ":role/" + role, AccountID: a.id, UserName: role},
			Attributes:      attributes{CreationDate: "2026-11-01T00:00:00Z", MFAAuthenticated: "false"},
			EC2RoleDelivery: "2.0",
		}}
}

// cliUA is an aws-cli user agent: v2 (mostly, naming the command) or v1.
func (g *gen) cliUA(provider, action string) string {
	svc, _, _ := strings.Cut(provider, ".")
	var cmd strings.Builder
	for i, c := range action {
		if 'A' <= c && c <= 'Z' {
			if i > 0 {
				cmd.WriteByte('-')
			}
			c += 'a' - 'A'
		}
		cmd.WriteRune(c)
	}
	r := g.r
	if r.Float64() < 0.8 {
		return fmt.Sprintf("aws-cli/2.%d.%d Python/3.11.%d Linux/5.10.%d-amzn2.x86_64 exe/x86_64.amzn.2 prompt/off command/%s.%s",
			9+r.IntN(14), r.IntN(41), r.IntN(10), 100+r.IntN(131), svc, cmd.String())
	}
	return fmt.Sprintf("aws-cli/1.%d.%d Python/3.%d.%d Linux/5.10.%d-amzn2.x86_64 botocore/1.%d.%d",
		18+r.IntN(16), r.IntN(61), 7+r.IntN(5), r.IntN(10), 100+r.IntN(131), 20+r.IntN(15), r.IntN(61))
}

func (g *gen) botoUA() string {
	r := g.r
	return fmt.Sprintf("Boto3/1.%d.%d md/Botocore#1.%d.%d ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.11.%d md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.0",
		26+r.IntN(10), r.IntN(61), 29+r.IntN(7), r.IntN(61), 1+r.IntN(9))
}

func (g *gen) terraformUA() string {
	r := g.r
	return fmt.Sprintf("APN/1.0 HashiCorp/1.0 Terraform/1.%d.%d (+https://www.terraform.io) terraform-provider-aws/5.%d.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.%d.0 ua/2.1 os/linux lang/go#1.22.%d md/GOOS#linux md/GOARCH#amd64",
		3+r.IntN(7), r.IntN(10), 10+r.IntN(71), 20+r.IntN(17), 1+r.IntN(9))
}

// record builds one API call record.
func (g *gen) record(a *account, who identity, t time.Time, provider, action, ua, ip, region string) record {
	if globalServices[provider] {
		region = "us-east-1"
	}
	rec := record{
		EventVersion: "1.10", UserIdentity: who, EventTime: t.UTC().Format(time.RFC3339),
		EventSource: provider, EventName: action, AWSRegion: region, SourceIPAddress: ip, UserAgent: ua,
		RequestID: g.uuid(), EventID: g.uuid(), ReadOnly: isDiscovery(action), EventType: "AwsApiCall",
		ManagementEvent: true, RecipientAccountID: a.id, EventCategory: "Management",
		TLSDetails: &tlsDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256",
			ClientProvidedHostHeader: strings.TrimSuffix(provider, ".amazonaws.com") + "." + region + ".amazonaws.com"},
	}
	if strings.HasPrefix(action, "Describe") || strings.HasPrefix(action, "List") {
		rec.RequestParameters = &reqParams{MaxResults: 1000}
	}
	if who.Type == "AWSService" {
		rec.TLSDetails = nil
	}
	return rec
}

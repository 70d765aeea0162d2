package sink

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/trailql/trailql/internal/state"
)

// securityHub imports each alert version as an AWS Security Finding Format
// (ASFF) finding into AWS Security Hub (BatchImportFindings), where AWS
// teams look: Id = the alert id, so a later version of the alert replaces
// its finding instead of adding one. Credentials come from the AWS default
// chain (securityhub:BatchImportFindings on the account's default product,
// arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default).
type securityHub struct {
	client  *securityhub.Client
	region  string
	account string // the caller's account, which owns the default product
}

// securityHubBatch is BatchImportFindings' limit of findings per call.
const securityHubBatch = 100

// parseSecurityHub reads securityhub:[?region=R&account=ID&endpoint-url=URL].
// The account is the one whose default product receives the findings
// (required by the API in the product ARN; the AWS account of the caller,
// given here so that no STS call is needed).
func parseSecurityHub(target string) (Sink, error) {
	q, err := url.ParseQuery(strings.TrimPrefix(target, "?"))
	if err != nil {
		return nil, fmt.Errorf("sink securityhub: %v", err)
	}
	account := q.Get("account")
	if len(account) != 12 {
		return nil, fmt.Errorf("sink securityhub: need ?account=ID, the 12-digit AWS account whose Security Hub receives the findings")
	}
	var lo []func(*config.LoadOptions) error
	if r := q.Get("region"); r != "" {
		lo = append(lo, config.WithRegion(r))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), lo...)
	if err != nil {
		return nil, fmt.Errorf("sink securityhub: AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("sink securityhub: no AWS region: add ?region=R or set AWS_REGION")
	}
	endpoint := q.Get("endpoint-url")
	client := securityhub.NewFromConfig(cfg, func(o *securityhub.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &securityHub{client: client, region: cfg.Region, account: account}, nil
}

func (s *securityHub) Name() string { return "securityhub:" + s.account + "/" + s.region }
func (s *securityHub) Close() error { return nil }

// Send imports the deliveries in batches of 100; a finding Security Hub
// refuses is that delivery's failure (a malformed finding: permanent), the
// others are accepted.
func (s *securityHub) Send(ctx context.Context, ds []state.Delivery) error {
	errs := make([]error, len(ds))
	failed := false
	for lo := 0; lo < len(ds); lo += securityHubBatch {
		hi := min(lo+securityHubBatch, len(ds))
		var findings []types.AwsSecurityFinding
		index := map[string]int{}
		for i, d := range ds[lo:hi] {
			f, err := s.finding(d)
			if err != nil {
				errs[lo+i] = Permanent(fmt.Errorf("%s: alert %s: %w", s.Name(), d.AlertID, err))
				failed = true
				continue
			}
			index[d.AlertID] = lo + i
			findings = append(findings, f)
		}
		if len(findings) == 0 {
			continue
		}
		out, err := s.client.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: findings})
		if err != nil {
			for i := lo; i < len(ds); i++ {
				if errs[i] == nil {
					errs[i] = ErrNotAttempted
				}
			}
			errs[lo] = fmt.Errorf("%s: %w", s.Name(), err)
			return &BatchError{Errs: errs}
		}
		for _, fe := range out.FailedFindings {
			if i, ok := index[aws.ToString(fe.Id)]; ok {
				errs[i] = Permanent(fmt.Errorf("%s: %s: %s", s.Name(), aws.ToString(fe.ErrorCode), aws.ToString(fe.ErrorMessage)))
				failed = true
			}
		}
	}
	if failed {
		return &BatchError{Errs: errs}
	}
	return nil
}

// asffSeverity maps Elastic's severities to ASFF's labels.
var asffSeverity = map[string]types.SeverityLabel{"low": types.SeverityLabelLow, "medium": types.SeverityLabelMedium,
	"high": types.SeverityLabelHigh, "critical": types.SeverityLabelCritical}

// finding builds the ASFF finding of one alert version.
func (s *securityHub) finding(d state.Delivery) (types.AwsSecurityFinding, error) {
	var doc map[string]any
	if err := json.Unmarshal(d.Doc, &doc); err != nil || doc == nil {
		return types.AwsSecurityFinding{}, fmt.Errorf("alert document is not a JSON object")
	}
	str := func(k string) string { return text(doc[k]) }
	first := func(keys ...string) string {
		for _, k := range keys {
			switch v := doc[k].(type) {
			case string:
				if v != "" {
					return v
				}
			case []any:
				if len(v) > 0 {
					return text(v[0])
				}
			}
		}
		return ""
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	created := str("@timestamp")
	if created == "" {
		created = now
	}
	account := first("cloud.account.id", "Esql.cloud_account_id_values")
	if len(account) != 12 {
		account = s.account
	}
	sev := asffSeverity[str("kibana.alert.severity")]
	if sev == "" {
		sev = types.SeverityLabelMedium
	}
	name := str("kibana.alert.rule.name")
	title := truncateRunes(name, 256)
	description := str("kibana.alert.reason")
	if description == "" {
		description = str("kibana.alert.rule.description")
	}
	f := types.AwsSecurityFinding{
		SchemaVersion: aws.String("2018-10-08"),
		Id:            aws.String(d.AlertID),
		ProductArn:    aws.String(fmt.Sprintf("arn:aws:securityhub:%s:%s:product/%s/default", s.region, s.account, s.account)),
		GeneratorId:   aws.String("trailql/" + str("kibana.alert.rule.rule_id")),
		AwsAccountId:  aws.String(account),
		Types:         asffTypes(doc),
		CreatedAt:     aws.String(created),
		UpdatedAt:     aws.String(now),
		Severity:      &types.Severity{Label: sev, Original: aws.String(str("kibana.alert.severity"))},
		Title:         aws.String(title),
		Description:   aws.String(truncateRunes(description, 1024)),
		ProductName:   aws.String("trailql"),
		CompanyName:   aws.String("trailql"),
		ProductFields: map[string]string{"trailql/alert_version": d.Version, "trailql/rule_id": str("kibana.alert.rule.rule_id")},
		Resources:     []types.Resource{asffResource(doc, account, s.region)},
	}
	if t := first("Esql.time_window_date_trunc", "kibana.alert.original_time"); t != "" {
		f.FirstObservedAt, f.LastObservedAt = aws.String(t), aws.String(t)
	}
	if ev := first("trailql.evidence.event_count"); ev != "" {
		f.ProductFields["trailql/evidence_event_count"] = ev
	}
	return f, nil
}

// asffTypes derives the finding types from the rule's MITRE tactics
// ("TTPs/Discovery"), as ASFF's taxonomy names them.
func asffTypes(doc map[string]any) []string {
	var out []string
	threats, _ := doc["kibana.alert.rule.threat"].([]any)
	for _, th := range threats {
		m, _ := th.(map[string]any)
		tactic, _ := m["tactic"].(map[string]any)
		if n := text(tactic["name"]); n != "" {
			t := "TTPs/" + n
			if !strings.Contains(strings.Join(out, "|"), t) {
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 {
		out = []string{"Unusual Behaviors/User"}
	}
	return out
}

// asffResource names the actor as the finding's resource: an IAM role or
// user by its ARN, else the account.
func asffResource(doc map[string]any, account, region string) types.Resource {
	arn := text(doc["aws.cloudtrail.user_identity.arn"])
	if arn == "" {
		if vs, ok := doc["Esql.aws_cloudtrail_user_identity_arn_values"].([]any); ok && len(vs) > 0 {
			arn = text(vs[0])
		}
	}
	switch {
	case strings.Contains(arn, ":assumed-role/") || strings.Contains(arn, ":role/"):
		return types.Resource{Type: aws.String("AwsIamRole"), Id: aws.String(arn), Region: aws.String(region)}
	case strings.Contains(arn, ":user/"):
		return types.Resource{Type: aws.String("AwsIamUser"), Id: aws.String(arn), Region: aws.String(region)}
	case arn != "":
		return types.Resource{Type: aws.String("Other"), Id: aws.String(arn), Region: aws.String(region)}
	}
	return types.Resource{Type: aws.String("AwsAccount"), Id: aws.String("AWS::::Account:" + account), Region: aws.String(region)}
}

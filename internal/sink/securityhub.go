package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go"

	"github.com/trailql/trailql/internal/state"
)

// securityHub imports each alert version as an AWS Security Finding Format
// (ASFF) finding into AWS Security Hub (BatchImportFindings), where AWS
// teams look. Id is the alert id, so a later version of the alert updates
// its finding instead of adding one. Credentials come from the AWS default
// chain; the caller needs securityhub:BatchImportFindings on the account's
// default product, arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default.
//
// A finding of the default product must name the calling account as its
// AwsAccountId (BatchImportFindings refuses others), so AwsAccountId is
// always the ?account= given; an alert about another account of the
// organisation (its cloud.account.id, or the first of
// Esql.cloud_account_id_values) names that account as a resource and in
// ProductFields.
type securityHub struct {
	client  *securityhub.Client
	region  string
	account string // the caller's account, which owns the default product
}

// securityHubBatch is BatchImportFindings' limit of findings per call.
const securityHubBatch = 100

// parseSecurityHub reads securityhub:?account=ID[&region=R&endpoint-url=URL].
// The account is the one whose default product receives the findings: the
// AWS account of the caller, given here so that no STS call is needed.
func parseSecurityHub(target string) (Sink, error) {
	u := &url.URL{RawQuery: strings.TrimPrefix(target, "?")}
	if target != "" && !strings.HasPrefix(target, "?") {
		return nil, fmt.Errorf("sink securityhub: takes no target, only options: securityhub:?account=ID")
	}
	o := takeOptions(u, "account", "region", "endpoint-url")
	if u.RawQuery != "" {
		return nil, unknownOptions("securityhub", u)
	}
	account := o["account"]
	if !isAccountID(account) {
		return nil, fmt.Errorf("sink securityhub: need ?account=ID, the 12-digit AWS account whose Security Hub receives the findings (the caller's)")
	}
	var lo []func(*config.LoadOptions) error
	if r := o["region"]; r != "" {
		lo = append(lo, config.WithRegion(r))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), lo...)
	if err != nil {
		return nil, fmt.Errorf("sink securityhub: AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("sink securityhub: no AWS region: add ?region=R or set AWS_REGION")
	}
	endpoint := o["endpoint-url"]
	client := securityhub.NewFromConfig(cfg, func(o *securityhub.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &securityHub{client: client, region: cfg.Region, account: account}, nil
}

// isAccountID reports whether s is a 12-digit AWS account id.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Name is "securityhub:" with the account and region.
func (s *securityHub) Name() string { return "securityhub:" + s.account + "/" + s.region }

// Close does nothing: the SDK client holds nothing to release.
func (s *securityHub) Close() error { return nil }

// Send imports the deliveries in batches of at most 100. A finding
// Security Hub refuses (FailedFindings) is that delivery's failure:
// permanent for a malformed finding, retried later for throttling or an
// internal error; the others are accepted. A call that fails as a whole
// (after the SDK's own retries) is the failure of its first delivery, the
// ones after it not attempted.
func (s *securityHub) Send(ctx context.Context, ds []state.Delivery) error {
	errs := make([]error, len(ds))
	failed := false
	for lo := 0; lo < len(ds); lo += securityHubBatch {
		hi := min(lo+securityHubBatch, len(ds))
		var findings []types.AwsSecurityFinding
		index := map[string]int{}
		first := -1
		for i, d := range ds[lo:hi] {
			f, err := s.finding(d, time.Now())
			if err != nil {
				errs[lo+i] = Permanent(fmt.Errorf("%s: alert %s: %w", s.Name(), d.AlertID, err))
				failed = true
				continue
			}
			if first < 0 {
				first = lo + i
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
			err = fmt.Errorf("%s: %w", s.Name(), err)
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "InvalidInputException" && len(findings) == 1 {
				err = Permanent(err) // the one finding is malformed
			}
			errs[first] = err
			return &BatchError{Errs: errs}
		}
		for _, fe := range out.FailedFindings {
			i, ok := index[aws.ToString(fe.Id)]
			if !ok {
				continue
			}
			code := aws.ToString(fe.ErrorCode)
			err := fmt.Errorf("%s: alert %s: %s: %s", s.Name(), ds[i].AlertID, code, aws.ToString(fe.ErrorMessage))
			if !transientFindingError(code) {
				err = Permanent(err)
			}
			errs[i] = err
			failed = true
		}
	}
	if failed {
		return &BatchError{Errs: errs}
	}
	return nil
}

// transientFindingError reports whether a FailedFindings error code is
// worth retrying (throttling, limits, Security Hub's own faults) rather
// than a verdict on the finding.
func transientFindingError(code string) bool {
	c := strings.ToLower(code)
	for _, w := range []string{"throttl", "limitexceeded", "toomanyrequests", "internal", "unavailable", "timeout"} {
		if strings.Contains(c, w) {
			return true
		}
	}
	return false
}

// asffSeverity maps Elastic's severities to ASFF's labels.
var asffSeverity = map[string]types.SeverityLabel{"low": types.SeverityLabelLow, "medium": types.SeverityLabelMedium,
	"high": types.SeverityLabelHigh, "critical": types.SeverityLabelCritical}

// asffTime is how ASFF takes times (RFC 3339, UTC, milliseconds).
const asffTime = "2006-01-02T15:04:05.000Z"

// asffTimeOf returns s as an ASFF time if it is an RFC 3339 time, else "".
func asffTimeOf(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return ""
	}
	return t.UTC().Format(asffTime)
}

// finding builds the ASFF finding of one alert version. Everything in it
// comes from the alert document (log data, shown by Security Hub as text),
// cut to ASFF's lengths.
func (s *securityHub) finding(d state.Delivery, now time.Time) (types.AwsSecurityFinding, error) {
	var doc map[string]any
	if err := json.Unmarshal(d.Doc, &doc); err != nil || doc == nil {
		return types.AwsSecurityFinding{}, fmt.Errorf("alert document is not a JSON object")
	}
	str := func(k string) string { return text(doc[k]) }
	ruleID := str("kibana.alert.rule.rule_id")
	if ruleID == "" {
		return types.AwsSecurityFinding{}, fmt.Errorf("alert document has no kibana.alert.rule.rule_id")
	}
	created := asffTimeOf(str("@timestamp"))
	if created == "" {
		created = now.UTC().Format(asffTime)
	}
	sev := asffSeverity[str("kibana.alert.severity")]
	if sev == "" {
		sev = types.SeverityLabelMedium
	}
	severity := &types.Severity{Label: sev, Original: aws.String(truncateRunes(str("kibana.alert.severity"), 64))}
	kinds := asffTypes(doc)
	name := str("kibana.alert.rule.name")
	if name == "" {
		name = "trailql alert"
	}
	description := str("kibana.alert.reason")
	if description == "" {
		description = str("kibana.alert.rule.description")
	}
	if description == "" {
		description = name
	}
	alertAccount := firstText(doc["cloud.account.id"])
	if !isAccountID(alertAccount) {
		alertAccount = firstText(doc["Esql.cloud_account_id_values"])
	}
	if !isAccountID(alertAccount) {
		alertAccount = s.account
	}
	fields := map[string]string{
		"trailql/alert_id":         d.AlertID,
		"trailql/alert_version":    d.Version,
		"trailql/alert_revision":   fmt.Sprint(d.Revision),
		"trailql/rule_id":          ruleID,
		"trailql/alert_account_id": alertAccount,
	}
	addField := func(k string, v any) {
		if t := joinValues(v, 2048); t != "" {
			fields[k] = t
		}
	}
	addField("trailql/evidence_event_count", doc["trailql.evidence.event_count"])
	addField("trailql/evidence_event_ids", doc["trailql.evidence.event_ids"])
	addField("trailql/identity", pick(doc, identityKeys))
	addField("trailql/source_ips", pick(doc, sourceIPKeys))
	addField("trailql/actions", pick(doc, actionKeys))
	f := types.AwsSecurityFinding{
		SchemaVersion: aws.String("2018-10-08"),
		Id:            aws.String(d.AlertID),
		ProductArn:    aws.String(fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", partition(s.region), s.region, s.account, s.account)),
		GeneratorId:   aws.String(truncateRunes(ruleID, 512)),
		AwsAccountId:  aws.String(s.account),
		Types:         kinds,
		CreatedAt:     aws.String(created),
		UpdatedAt:     aws.String(now.UTC().Format(asffTime)),
		Severity:      severity,
		// Severity and Types again for updates: Security Hub takes a
		// provider's later values from FindingProviderFields only.
		FindingProviderFields: &types.FindingProviderFields{Severity: &types.FindingProviderSeverity{Label: sev, Original: severity.Original}, Types: kinds},
		Title:                 aws.String(truncateRunes(name, 256)),
		Description:           aws.String(truncateRunes(description, 1024)),
		ProductName:           aws.String("trailql"),
		CompanyName:           aws.String("trailql"),
		ProductFields:         fields,
		Resources:             asffResources(doc, alertAccount, s.account, s.region),
	}
	if first, last := observed(doc); asffTimeOf(first) != "" {
		f.FirstObservedAt = aws.String(asffTimeOf(first))
		if asffTimeOf(last) != "" {
			f.LastObservedAt = aws.String(asffTimeOf(last))
		}
	}
	return f, nil
}

// firstText is a scalar's text, or a multi-value's first value's.
func firstText(v any) string {
	if vs, ok := v.([]any); ok {
		if len(vs) == 0 {
			return ""
		}
		v = vs[0]
	}
	return text(v)
}

// joinValues is a scalar or multi-value as comma-separated text, at most n
// characters.
func joinValues(v any, n int) string {
	vs, ok := v.([]any)
	if !ok {
		return truncateRunes(text(v), n)
	}
	parts := make([]string, 0, len(vs))
	for _, x := range vs {
		parts = append(parts, text(x))
	}
	return truncateRunes(strings.Join(parts, ", "), n)
}

// partition is the AWS partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// asffEffects places the MITRE tactics that are outcomes rather than means
// under ASFF's Effects namespace, as its taxonomy does.
var asffEffects = map[string]string{"Exfiltration": "Effects/Data Exfiltration", "Impact": "Effects"}

// asffTypes derives the finding types from the rule's MITRE mapping, in
// ASFF's namespace/category/classifier form: "TTPs/<tactic>" and
// "TTPs/<tactic>/<technique>" for each technique (Exfiltration and Impact
// under Effects), or "Unusual Behaviors/User" for a rule without one. At
// most 50, as ASFF allows.
func asffTypes(doc map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	// A name's own '/' would read as another level of the path.
	clean := strings.NewReplacer("/", "-").Replace
	add := func(t string) {
		t = truncateRunes(t, 256)
		if !seen[t] && len(out) < 50 {
			seen[t] = true
			out = append(out, t)
		}
	}
	threats, _ := doc["kibana.alert.rule.threat"].([]any)
	for _, th := range threats {
		m, _ := th.(map[string]any)
		tactic, _ := m["tactic"].(map[string]any)
		n := clean(text(tactic["name"]))
		if n == "" {
			continue
		}
		category := "TTPs/" + n
		if e, ok := asffEffects[n]; ok {
			category = e
		}
		add(category)
		techs, _ := m["technique"].([]any)
		for _, te := range techs {
			tm, _ := te.(map[string]any)
			if tn := clean(text(tm["name"])); tn != "" {
				add(category + "/" + tn)
			}
		}
	}
	if len(out) == 0 {
		out = []string{"Unusual Behaviors/User"}
	}
	return out
}

// Where ASFF resources find the actor: the role behind a session first.
var actorKeys = []string{"aws.cloudtrail.user_identity.session_context.session_issuer.arn", "aws.cloudtrail.user_identity.arn", "Esql.aws_cloudtrail_user_identity_arn_values", "user.id"}

// asffResources names the actor as the finding's resource, by its ARN: an
// IAM role (a role's ARN, or an assumed-role session's), an IAM user,
// else Other; the alert's account when no actor is known, or when it is
// not the caller's.
func asffResources(doc map[string]any, alertAccount, caller, region string) []types.Resource {
	if r := firstText(doc["cloud.region"]); r != "" {
		region = r
	}
	var out []types.Resource
	var arn string
	for _, k := range actorKeys {
		if a := firstText(doc[k]); strings.HasPrefix(a, "arn:") {
			arn = a
			break
		}
	}
	if arn != "" {
		kind := "Other"
		switch {
		case strings.Contains(arn, ":role/") || strings.Contains(arn, ":assumed-role/"):
			kind = "AwsIamRole"
		case strings.Contains(arn, ":user/"):
			kind = "AwsIamUser"
		}
		r := types.Resource{Type: aws.String(kind), Id: aws.String(truncateRunes(arn, 512)), Region: aws.String(region)}
		if p := strings.SplitN(arn, ":", 3); len(p) == 3 && (p[1] == "aws" || p[1] == "aws-cn" || p[1] == "aws-us-gov") {
			r.Partition = types.Partition(p[1])
		}
		out = append(out, r)
	}
	if arn == "" || alertAccount != caller {
		out = append(out, types.Resource{Type: aws.String("AwsAccount"), Id: aws.String("AWS::::Account:" + alertAccount),
			Partition: types.Partition(partition(region)), Region: aws.String(region)})
	}
	return out
}

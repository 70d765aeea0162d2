package sink

import (
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Parse makes a sink from a --sink value, KIND or KIND:TARGET:
//
//	stdout                    NDJSON on standard output
//	file:PATH                 NDJSON appended to PATH (?format=ocsf: OCSF Detection Findings)
//	webhook:URL               POST each alert as JSON to URL (?format=slack|ocsf, signatures)
//	pagerduty:[URL]           PagerDuty Events API v2 triggers, dedup_key = alert id
//	elasticsearch:URL[,URL]   _bulk into an index (?profile=external: Kibana external alerts)
//	opensearch:URL            _bulk into OpenSearch (SigV4 for Amazon OpenSearch Service, or basic auth)
//	securityhub:?account=ID   AWS Security Hub ASFF findings (BatchImportFindings), Id = alert id
//	eventbridge:BUS           PutEvents to an Amazon EventBridge bus
//
// Options are query parameters of the URL; Parse removes them before
// using the URL (a webhook's other parameters are kept; the other kinds
// refuse unknown options, naming them without their values).
//
// Webhook: hmac-secret-env=VAR (sign with the secret in environment
// variable VAR, in X-Trailql-Signature), standard-webhooks-secret-env=VAR
// (also sign as Standard Webhooks, with the whsec_ secret in VAR, or
// several whitespace-separated during a rotation), format=json|slack|ocsf,
// attempts=N (tries per Send), timeout=DURATION (per request).
//
// PagerDuty: routing-key-env=VAR (default PAGERDUTY_ROUTING_KEY),
// endpoint-url=URL (default PagerDutyURL; or pagerduty:URL), attempts=N,
// timeout=DURATION.
//
// Elasticsearch: index=NAME (default DefaultIndex), api-key-env=VAR
// (default ELASTICSEARCH_API_KEY), username-env=VAR and password-env=VAR
// (default ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD),
// ca-cert=PATH (PEM), profile=alerts|external, namespace=NS (external:
// the data stream logs-trailql.alert-NS), template=false (external: leave
// the index template to the cluster's administrators).
//
// OpenSearch: index=NAME, aws-region=R or sigv4=1 (SigV4 with the AWS
// default credential chain; the region of the AWS configuration with
// sigv4=1), aws-service=es|aoss, username-env=VAR and password-env=VAR
// (default OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD), ca-cert=PATH.
//
// Security Hub: account=ID (required: the caller's account, whose default
// product receives the findings), region=R, endpoint-url=URL.
//
// EventBridge: region=R, endpoint-url=URL, source=S.
//
// Secrets are only ever read from the environment: a command line is
// visible to every local user (ps, /proc) and lands in shell history, so
// URLs with user:password are refused, and no option takes a secret's
// value.
func Parse(spec string) (Sink, error) {
	kind, target := kindOf(spec)
	switch kind {
	case "stdout", "-":
		if target != "" {
			return nil, fmt.Errorf("sink %q: stdout takes no target", spec)
		}
		return NewStdout(), nil
	case "file":
		path, format, _ := strings.Cut(target, "?format=")
		if path == "" {
			return nil, fmt.Errorf("sink %q: want file:PATH", spec)
		}
		switch format {
		case "", "json":
			return NewFile(path)
		case FormatOCSF:
			s, err := NewFile(path)
			if err != nil {
				return nil, err
			}
			ws := s.(*writerSink)
			ws.ocsf = true
			ws.name += "?format=ocsf"
			return ws, nil
		}
		return nil, fmt.Errorf("sink %q: unknown format %q (want json or ocsf)", spec, format)
	case "webhook":
		return parseWebhook(target)
	case "elasticsearch", "es":
		return parseElasticsearch(target)
	case "eventbridge":
		return parseEventBridge(target)
	case "pagerduty":
		return parsePagerDuty(target)
	case "securityhub":
		return parseSecurityHub(target)
	case "opensearch":
		return parseOpenSearch(target)
	default:
		return nil, fmt.Errorf("sink %q: unknown kind %q (want stdout, file:PATH, webhook:URL, pagerduty:[URL], elasticsearch:URL, opensearch:URL, securityhub:?account=ID or eventbridge:BUS)", spec, kind)
	}
}

// takeOptions removes the parameters named in keys from u's query and
// returns their values.
func takeOptions(u *url.URL, keys ...string) map[string]string {
	q := u.Query()
	out := make(map[string]string)
	for _, k := range keys {
		if q.Has(k) {
			out[k] = q.Get(k)
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return out
}

// unknownOptions is the error for the options left in u's query after
// takeOptions: their names only, since a value may be a secret put where
// it does not belong (?routing-key=...), and errors reach the logs.
func unknownOptions(kind string, u *url.URL) error {
	var names []string
	for k := range u.Query() {
		names = append(names, strconv.Quote(k))
	}
	sort.Strings(names)
	return fmt.Errorf("sink %s: unknown options %s", kind, strings.Join(names, ", "))
}

// envSecret reads a secret from environment variable name; it never puts
// the value in an error.
func envSecret(kind, option, name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("sink %s: %s needs a variable name", kind, option)
	}
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("sink %s: environment variable %s (from %s) %w", kind, name, option, errNoSecret)
	}
	return v, nil
}

func parseWebhook(target string) (Sink, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("sink webhook: invalid URL")
	}
	o := takeOptions(u, "hmac-secret-env", "standard-webhooks-secret-env", "format", "attempts", "timeout")
	opts := WebhookOptions{URL: u.String(), Format: o["format"]}
	if opts.Format == FormatPagerDuty {
		return nil, fmt.Errorf("sink webhook: for PagerDuty use --sink pagerduty:")
	}
	if name, ok := o["hmac-secret-env"]; ok {
		secret, err := envSecret("webhook", "hmac-secret-env", name)
		if err != nil {
			return nil, err
		}
		opts.Secret = []byte(secret)
	}
	if name, ok := o["standard-webhooks-secret-env"]; ok {
		secret, err := envSecret("webhook", "standard-webhooks-secret-env", name)
		if err != nil {
			return nil, err
		}
		if opts.StdSecrets, err = ParseStdWebhookSecrets(secret); err != nil {
			return nil, fmt.Errorf("sink webhook: %s: %v", name, err)
		}
	}
	if v, ok := o["attempts"]; ok {
		if opts.MaxAttempts, err = strconv.Atoi(v); err != nil || opts.MaxAttempts < 1 {
			return nil, fmt.Errorf("sink webhook: attempts=%q: want a positive integer", v)
		}
	}
	if v, ok := o["timeout"]; ok {
		if opts.Timeout, err = time.ParseDuration(v); err != nil || opts.Timeout <= 0 {
			return nil, fmt.Errorf("sink webhook: timeout=%q: want a duration like 10s", v)
		}
	}
	return NewWebhook(opts)
}

func parseElasticsearch(target string) (Sink, error) {
	// Options go after the last address: https://a:9200,https://b:9200?index=x
	addrs, query, _ := strings.Cut(target, "?")
	u := &url.URL{RawQuery: query}
	o := takeOptions(u, "index", "api-key-env", "username-env", "password-env", "ca-cert", "profile", "namespace", "template")
	if u.RawQuery != "" {
		return nil, unknownOptions("elasticsearch", u)
	}
	opts := ElasticsearchOptions{Index: o["index"], Namespace: o["namespace"]}
	switch o["profile"] {
	case "", "alerts":
	case "external":
		if o["index"] != "" {
			return nil, fmt.Errorf("sink elasticsearch: profile=external writes the data stream logs-%s-NAMESPACE: give ?namespace=, not ?index=", ExternalDataset)
		}
		opts.External = true
	default:
		return nil, fmt.Errorf("sink elasticsearch: unknown profile %q (want alerts or external)", o["profile"])
	}
	switch v, ok := o["template"]; {
	case !ok || v == "true":
	case v == "false" && opts.External:
		opts.NoTemplate = true
	case v == "false":
		return nil, fmt.Errorf("sink elasticsearch: template=false goes with profile=external")
	default:
		return nil, fmt.Errorf("sink elasticsearch: template=%q: want true or false", v)
	}
	if ns := opts.Namespace; ns != "" && !validNamespace(ns) {
		return nil, fmt.Errorf("sink elasticsearch: namespace %q: want lowercase letters, digits and _ (no -), as data streams name it", ns)
	}
	for _, a := range strings.Split(addrs, ",") {
		if a = strings.TrimSpace(a); a != "" {
			opts.Addresses = append(opts.Addresses, a)
		}
	}
	envOr := func(key, def string) string {
		if v, ok := o[key]; ok {
			return v
		}
		return def
	}
	apiKeyEnv := envOr("api-key-env", "ELASTICSEARCH_API_KEY")
	userEnv := envOr("username-env", "ELASTICSEARCH_USERNAME")
	passEnv := envOr("password-env", "ELASTICSEARCH_PASSWORD")
	_, explicitKey := o["api-key-env"]
	_, explicitUser := o["username-env"]
	switch {
	case os.Getenv(apiKeyEnv) != "" || explicitKey:
		k, err := envSecret("elasticsearch", "api-key-env", apiKeyEnv)
		if err != nil {
			return nil, err
		}
		opts.APIKey = k
	case os.Getenv(userEnv) != "" || explicitUser:
		user, err := envSecret("elasticsearch", "username-env", userEnv)
		if err != nil {
			return nil, err
		}
		pass, err := envSecret("elasticsearch", "password-env", passEnv)
		if err != nil {
			return nil, err
		}
		opts.Username, opts.Password = user, pass
	}
	if p, ok := o["ca-cert"]; ok {
		pem, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("sink elasticsearch: ca-cert: %w", err)
		}
		opts.CACert = pem
	}
	return NewElasticsearch(opts)
}

// validNamespace is a data stream namespace: lowercase letters, digits and
// underscores, at most 100 bytes (the data stream naming scheme).
func validNamespace(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

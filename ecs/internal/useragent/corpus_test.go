package useragent

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// uaCommands are AWS CLI commands as aws-cli v2 reports them in md/command#.
var uaCommands = []string{
	"ec2.describe-instances", "s3api.copy-object", "s3.cp", "s3.ls", "sts.get-caller-identity",
	"iam.list-users", "iam.create-access-key", "cloudtrail.stop-logging", "ssm.get-parameters",
	"lambda.invoke", "kms.decrypt", "secretsmanager.get-secret-value", "organizations.leave-organization",
	"guardduty.delete-detector", "ec2.modify-instance-attribute", "rds.modify-db-instance",
}

// uaTemplates render one realistic CloudTrail userAgent from random parts.
var uaTemplates = []func(r *rand.Rand) string{
	func(r *rand.Rand) string { // aws-cli v2 (bracketed, as CloudTrail records it)
		return fmt.Sprintf("[aws-cli/2.%d.%d md/awscrt#0.%d.%d ua/2.0 os/%s md/arch#%s lang/python#3.%d.%d md/pyimpl#CPython cfg/retry-mode#standard md/installer#%s md/prompt#off md/command#%s]",
			r.IntN(30), r.IntN(60), r.IntN(25), r.IntN(9),
			[]string{"linux#6.1.0-18-amd64", "macos#23.6.0", "windows#10", "linux#5.10.219-208.866.amzn2.x86_64"}[r.IntN(4)],
			[]string{"x86_64", "arm64"}[r.IntN(2)], 9+r.IntN(4), r.IntN(12),
			[]string{"exe", "source", "docker"}[r.IntN(3)], uaCommands[r.IntN(len(uaCommands))])
	},
	func(r *rand.Rand) string { // aws-cli v1
		return fmt.Sprintf("aws-cli/1.%d.%d Python/3.%d.%d Linux/%d.%d.%d-%d-generic botocore/1.%d.%d",
			r.IntN(35), r.IntN(200), 6+r.IntN(7), r.IntN(20), 4+r.IntN(3), r.IntN(20), r.IntN(200), r.IntN(100), r.IntN(35), r.IntN(200))
	},
	func(r *rand.Rand) string { // boto3
		return fmt.Sprintf("Boto3/1.%d.%d md/Botocore#1.%d.%d ua/2.0 os/linux#%d.%d.%d lang/python#3.%d.%d md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.%d.%d",
			r.IntN(35), r.IntN(100), r.IntN(35), r.IntN(100), 5+r.IntN(2), r.IntN(20), r.IntN(300), 8+r.IntN(5), r.IntN(15), r.IntN(35), r.IntN(100))
	},
	func(r *rand.Rand) string { // Go SDK v2
		return fmt.Sprintf("aws-sdk-go-v2/1.%d.%d os/%s lang/go#1.%d.%d md/GOOS#linux md/GOARCH#amd64 api/%s#1.%d.%d",
			r.IntN(30), r.IntN(20), []string{"linux", "macos", "windows"}[r.IntN(3)], 18+r.IntN(6), r.IntN(10),
			[]string{"ec2", "s3", "iam", "sts", "sso"}[r.IntN(5)], r.IntN(200), r.IntN(10))
	},
	func(r *rand.Rand) string { // Java SDK
		return fmt.Sprintf("aws-sdk-java/2.%d.%d Linux/%d.%d.%d-amzn2.x86_64 OpenJDK_64-Bit_Server_VM/%d.0.%d+%d Java/%d.0.%d vendor/Amazon.com_Inc. exec-env/AWS_Lambda_java%d io/sync http/Apache cfg/retry-mode/legacy",
			r.IntN(25), r.IntN(1000), 4+r.IntN(2), r.IntN(20), r.IntN(300), 11+r.IntN(10), r.IntN(20), r.IntN(10), 11+r.IntN(10), r.IntN(20), 11+r.IntN(10))
	},
	func(r *rand.Rand) string { // Terraform
		return fmt.Sprintf("APN/1.0 HashiCorp/1.0 Terraform/1.%d.%d (+https://www.terraform.io) terraform-provider-aws/5.%d.%d (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.%d.%d os/linux lang/go#1.22.%d md/GOOS#linux md/GOARCH#amd64 api/sts#1.%d.%d",
			r.IntN(10), r.IntN(10), r.IntN(80), r.IntN(5), r.IntN(30), r.IntN(10), r.IntN(9), r.IntN(30), r.IntN(10))
	},
	func(r *rand.Rand) string { // console (browser behind the console)
		return []string{"console.amazonaws.com", "signin.amazonaws.com", "AWS Internal", "cloudformation.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com"}[r.IntN(6)]
	},
	func(r *rand.Rand) string { // Chrome
		return fmt.Sprintf("Mozilla/5.0 (%s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.%d.%d Safari/537.36",
			[]string{"Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7", "X11; Linux x86_64"}[r.IntN(3)], 100+r.IntN(30), r.IntN(7000), r.IntN(200))
	},
	func(r *rand.Rand) string { // Firefox
		v := 100 + r.IntN(30)
		return fmt.Sprintf("Mozilla/5.0 (%s; rv:%d.0) Gecko/20100101 Firefox/%d.0",
			[]string{"Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10.15", "X11; Ubuntu; Linux x86_64"}[r.IntN(3)], v, v)
	},
	func(r *rand.Rand) string { // Safari / iPhone
		return fmt.Sprintf("Mozilla/5.0 (iPhone; CPU iPhone OS %d_%d like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/%d.%d Mobile/15E148 Safari/604.1",
			14+r.IntN(4), r.IntN(7), 14+r.IntN(4), r.IntN(7))
	},
	func(r *rand.Rand) string { // Android Chrome
		return fmt.Sprintf("Mozilla/5.0 (Linux; Android %d; SM-G%d%dB) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%d.0.%d.%d Mobile Safari/537.36",
			9+r.IntN(6), 900+r.IntN(99), r.IntN(10), 100+r.IntN(30), r.IntN(7000), r.IntN(200))
	},
	func(r *rand.Rand) string { // misc tools
		return []string{
			fmt.Sprintf("python-requests/2.%d.%d", r.IntN(32), r.IntN(5)),
			fmt.Sprintf("Go-http-client/1.%d", r.IntN(2)),
			fmt.Sprintf("curl/7.%d.%d", r.IntN(90), r.IntN(3)),
			fmt.Sprintf("aws-sdk-nodejs/2.%d.0 linux/v%d.%d.0 exec-env/AWS_Lambda_nodejs%d.x", r.IntN(1600), 14+r.IntN(8), r.IntN(20), 14+r.IntN(8)),
			fmt.Sprintf("aws-sdk-js/3.%d.0 ua/2.0 os/linux#5.10 lang/js md/nodejs#18.%d.0 api/s3#3.%d.0", r.IntN(600), r.IntN(20), r.IntN(600)),
			fmt.Sprintf("S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.%d Linux/5.10 OpenJDK_64-Bit_Server_VM/25.%d-b08 java/1.8.0_%d", r.IntN(700), r.IntN(400), r.IntN(400)),
			fmt.Sprintf("Stratus-Red-Team_%08x", r.Uint32()),
			fmt.Sprintf("AWS-Signin-%d.0 Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2)", r.IntN(3)),
		}[r.IntN(8)]
	},
}

// realisticUserAgents returns n distinct generated CloudTrail-like userAgent
// strings (deterministic for a seed).
func realisticUserAgents(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for tries := 0; len(out) < n && tries < 100*n; tries++ {
		s := uaTemplates[r.IntN(len(uaTemplates))](r)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// garbageUserAgents returns n random strings built from bytes and fragments
// that the regexes care about (case flips, Unicode case-fold partners of ASCII
// letters such as U+017F and U+212A, invalid UTF-8), to shake out prefilter
// unsoundness.
func garbageUserAgents(n int, seed uint64, fragments []string) []string {
	r := rand.New(rand.NewPCG(seed, ^seed))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 /;()._-+#[]:,"
	extra := []string{"\u017f", "\u212a", "\u0130", "\u0131", "\xff", "\xef\xbf\xbd", "é", "\t", "\n"}
	out := make([]string, 0, n)
	for range n {
		var b strings.Builder
		parts := 1 + r.IntN(8)
		for range parts {
			switch r.IntN(4) {
			case 0:
				for range 1 + r.IntN(12) {
					b.WriteByte(alphabet[r.IntN(len(alphabet))])
				}
			case 1:
				b.WriteString(extra[r.IntN(len(extra))])
			default:
				f := fragments[r.IntN(len(fragments))]
				if len(f) > 40 {
					i := r.IntN(len(f) - 20)
					f = f[i : i+r.IntN(len(f)-i)]
				}
				b.WriteString(mutateCase(r, f))
			}
		}
		out = append(out, b.String())
	}
	return out
}

// mutateCase randomly swaps letter case, sometimes replacing s/S with U+017F
// and k/K with U+212A (which Go's (?i) matches as s and k).
func mutateCase(r *rand.Rand, s string) string {
	if r.IntN(2) == 0 {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		switch {
		case (c == 's' || c == 'S') && r.IntN(4) == 0:
			b.WriteRune('\u017f')
		case (c == 'k' || c == 'K') && r.IntN(4) == 0:
			b.WriteRune('\u212a')
		case c >= 'a' && c <= 'z' && r.IntN(3) == 0:
			b.WriteRune(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z' && r.IntN(3) == 0:
			b.WriteRune(c - 'A' + 'a')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// userAgentFieldRE finds "userAgent": "..." in raw CloudTrail JSON or JSON lines.
var userAgentFieldRE = regexp.MustCompile(`"userAgent"\s*:\s*"((?:[^"\\]|\\.)*)"`)

// sharedUserAgents returns the distinct userAgent values in the public
// CloudTrail and Elastic pipeline fixtures under shared/testdata (sorted).
func sharedUserAgents(shared string) ([]string, error) {
	seen := map[string]bool{}
	for _, sub := range []string{"public-cloudtrail", "elastic-cloudtrail-pipeline"} {
		err := filepath.WalkDir(filepath.Join(shared, "testdata", sub), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range userAgentFieldRE.FindAllSubmatch(data, -1) {
				var s string
				if json.Unmarshal([]byte(`"`+string(m[1])+`"`), &s) == nil {
					seen[s] = true
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

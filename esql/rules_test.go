package esql

import (
	"github.com/trailql/trailql/internal/sharedtest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var ruleQueryRe = regexp.MustCompile(`(?s)\nquery = '''\n(.*?)'''`)

var unknownColRe = regexp.MustCompile(`(?:Unknown column|No matches found for pattern) \[([^\]]+)\]`)

// ruleFieldTypes types the non-keyword fields the CloudTrail rules read.
var ruleFieldTypes = Catalog{
	"@timestamp": Datetime, "event.ingested": Datetime, "source.ip": IP, "source.as.number": Long,
	"process.pid": Long, "aws.cloudtrail.request_parameters": Keyword,
}

// Every bundled CloudTrail ES|QL rule must compile; fields the test
// catalog lacks are added as keyword, mimicking the integration's mapping.
func TestAWSRulesCompile(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedtest.Dir(t, ""), "rules", "elastic-aws-esql", "*.toml"))
	if len(files) == 0 {
		t.Skip("no rules under shared/rules/elastic-aws-esql")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := ruleQueryRe.FindSubmatch(data)
		if m == nil {
			t.Errorf("%s: no query", filepath.Base(f))
			continue
		}
		query := string(m[1])
		cat := Catalog{}
		for k, v := range ruleFieldTypes {
			cat[k] = v
		}
		err2 := compileWithInventedFields(query, cat)
		if err2 != nil {
			t.Errorf("%s: %v", filepath.Base(f), err2)
		}
	}
}

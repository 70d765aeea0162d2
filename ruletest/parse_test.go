package ruletest

import (
	"strings"
	"testing"
	"time"
)

const rec1 = `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2026-11-02T08:00:01Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.1","eventID":"e1","eventType":"AwsApiCall"}`

func TestParseStructure(t *testing.T) {
	src := `# shared preamble
rule bundled:seed   # the seed rule
now 2026-11-02T09:00:00Z
geoip 198.51.100.23 as.organization.name="Example # ISP" geo.country_iso_code="US"
records
` + rec1 + `   # trailing comment
end

case first
records
repeat 3 from 2026-11-02T08:00:02Z every 2s
{"eventTime": "{{time}}", "eventID": "r{{n}}"}
end
expect alerts 1
expect alert 1 Esql.event_action_values = ["a", "b"]  # a set

case second
query
from logs-aws.cloudtrail-*
| stats n = count(*)
end
expect rows unordered
n
4 # four records
end
`
	s, err := Parse("x.test", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Cases) != 2 {
		t.Fatalf("%d cases", len(s.Cases))
	}
	c := s.Cases[0]
	if c.Name != "first" || c.Rule != "bundled:seed" || !c.Now.Equal(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("case 1 header: %+v", c)
	}
	if len(c.Records) != 4 || string(c.Records[0].Raw) != rec1 {
		t.Errorf("records: %d, first %q", len(c.Records), c.Records[0].Raw)
	}
	if got := string(c.Records[3].Raw); got != `{"eventTime": "2026-11-02T08:00:06Z", "eventID": "r3"}` {
		t.Errorf("repeat expands to %s", got)
	}
	if c.Records[3].Line != 12 {
		t.Errorf("repeated record line %d, want the template's 12", c.Records[3].Line)
	}
	if g := c.GeoIP["198.51.100.23"]["as.organization.name"]; g != "Example # ISP" || len(c.Requires) != 1 {
		t.Errorf("geoip %v, requires %v", c.GeoIP, c.Requires)
	}
	if len(c.Expects) != 2 || c.Expects[1].Field != "Esql.event_action_values" || c.Expects[1].Line != 15 {
		t.Errorf("expects %+v", c.Expects)
	}
	q := s.Cases[1].Queries[0]
	if q.Text != "from logs-aws.cloudtrail-*\n| stats n = count(*)" || !q.Unordered || len(q.Rows) != 1 || q.Columns[0] != "n" {
		t.Errorf("query %+v", q)
	}
	if len(s.Cases[1].Records) != 1 {
		t.Errorf("case 2 inherits %d records, want the 1 shared", len(s.Cases[1].Records))
	}
}

// Every script error names the file and the line.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"rule bundled:seed\nfrobnicate\n", "x.test:2: unknown directive"},
		{"rule bundled:seed\nrecords\n{not json}\nend\nexpect no alerts\n", "x.test:3: record is not valid JSON"},
		{"rule bundled:seed\nrecords\n[1,2]\nend\nexpect no alerts\n", "x.test:3: record is not a JSON object"},
		{"rule bundled:seed\nrecords\n{} trailing\nend\nexpect no alerts\n", "x.test:3: unexpected text after the record"},
		{"rule bundled:seed\nrecords\n{}\n", "x.test:2: records not closed by end"},
		{"rule bundled:seed\nexpect alerts many\n", "x.test:2: expect alerts"},
		{"rule bundled:seed\nexpect alert 0 x = 1\n", "x.test:2: expect alert"},
		{"rule bundled:seed\nexpect alert 1 x = nope\n", "x.test:2: expect alert 1 x: value is not JSON"},
		{"rule bundled:seed\nexpect fireworks\n", "x.test:2: unknown expectation"},
		{"now yesterday\n", "x.test:1: now: want an RFC 3339 time"},
		{"requires magic\n", "x.test:1: requires: unknown capability"},
		{"rule bundled:seed\nrecords\nrepeat 3 every 1s\n{}\nend\n", "x.test:3: want: repeat N from TIME every DURATION"},
		{"rule bundled:seed\nrecords\nrepeat 3 from 2026-11-02T08:00:00Z every soon\n{}\nend\n", "x.test:3: repeat: every"},
		{"query from x\nexpect rows\nn | m\n1\nend\n", "x.test:4: row has 1 cells, header has 2 columns"},
		{"query from x\nexpect rows\nn\n1 2\nend\n", "x.test:4: want | between cells"},
		{"rule bundled:seed\nexpect rows\nn\nend\n", "x.test:2: expect rows without a query"},
		{"rule bundled:seed\n", "x.test:1: case \"x\" expects nothing"},
		{"records\n{}\nend\ncase a\n", "x.test:4: case \"a\" has no rule and no query"},
		{"rule bundled:seed\ncase a\nexpect no alerts\ncase a\n", "x.test:4: case \"a\" already defined at line 2"},
		{"rule bundled:seed\nexpect no alerts\ncase a\n", "x.test:3: expectations and queries belong in a case"},
	} {
		_, err := Parse("x.test", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

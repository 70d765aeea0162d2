package esql_test

import (
	"strings"
	"testing"

	"github.com/trailql/trailql/esql/csvspec"
	"github.com/trailql/trailql/internal/sharedtest"
)

// fullTextSpec holds cases of Elasticsearch's kql-function.csv-spec and
// match-function.csv-spec (x-pack/plugin/esql/qa/testFixtures) that use the
// data sets bundled here (employees, hosts, sample_data), under their
// upstream names, with the results Elasticsearch expects. The `books` cases
// need a data set trailql does not bundle.
const fullTextSpec = `
kqlWithMultivaluedTextField
from employees
| where kql("job_positions: Tech Lead AND job_positions:(Reporting Analyst)")
| keep emp_no, first_name, last_name;
ignoreOrder:true

emp_no:integer | first_name:keyword | last_name:keyword
10004          | Chirstian          | Koblick
10010          | Duangkaew          | Piveteau
10011          | Mary               | Sluis
10088          | Jungsoon           | Syrzycki
10093          | Sailaja            | Desikan
10097          | Remzi              | Waschkowski
;

kqlWithMultivaluedNumericField
from employees
| where kql("salary_change > 14")
| keep emp_no, first_name, last_name, salary_change;
ignoreOrder:true

emp_no:integer | first_name:keyword | last_name:keyword | salary_change:double
10003          | Parto              | Bamford           | [12.82, 14.68]
10015          | Guoxiang           | Nooteboom         | [12.4, 14.25]
10023          | Bojan              | Montemayor        | [0.8, 14.63]
10040          | Weiyi              | Meriste           | [-8.94, 1.92, 6.97, 14.74]
10061          | Tse                | Herber            | [-2.58, -0.95, 14.39]
10065          | Satosi             | Awdeh             | [-9.81, -1.47, 14.44]
10099          | Valter             | Sullins           | [-8.78, -3.98, 10.71, 14.26]
;

kqlMultiValuedFieldWithConjunction
from employees
| where (kql("job_positions: (Data Scientist) OR job_positions:(Support Engineer)")) and gender == "F"
| keep emp_no, first_name, last_name;
ignoreOrder:true

emp_no:integer | first_name:keyword | last_name:keyword
10023          | Bojan              | Montemayor
10041          | Uri                | Lenart
10044          | Mingsen            | Casley
10053          | Sanjiv             | Zschoche
10069          | Margareta          | Bierman
;

kqlWithFunctionPushedToLucene
from hosts
| where kql("host: beta") and cidr_match(ip1, "127.0.0.2/32", "127.0.0.3/32")
| keep card, host, ip0, ip1;
ignoreOrder:true

card:keyword   |host:keyword   |ip0:ip                   |ip1:ip
eth1           |beta           |127.0.0.1                |127.0.0.2
;

matchWithFunctionPushedToLucene
from hosts
| where match(host, "beta") and cidr_match(ip1, "127.0.0.2/32", "127.0.0.3/32")
| keep card, host, ip0, ip1;
ignoreOrder:true

card:keyword   |host:keyword   |ip0:ip                   |ip1:ip
eth1           |beta           |127.0.0.1                |127.0.0.2
;

matchMultivaluedField
from employees
| where match(job_positions, "Tech Lead") and match(job_positions, "Reporting Analyst")
| keep emp_no, first_name, last_name;
ignoreOrder:true

emp_no:integer | first_name:keyword | last_name:keyword
10004          | Chirstian          | Koblick
10010          | Duangkaew          | Piveteau
10011          | Mary               | Sluis
10088          | Jungsoon           | Syrzycki
10093          | Sailaja            | Desikan
10097          | Remzi              | Waschkowski
;

matchMultiValuedFieldWithConjunction
from employees
| where match(job_positions, "Data Scientist") and match(job_positions, "Support Engineer")
| keep emp_no, first_name, last_name;
ignoreOrder:true

emp_no:integer | first_name:keyword | last_name:keyword
10043          | Yishay             | Tzvieli
;

testMatchBooleanField
from employees
| where match(still_hired, true) and height > 2.08
| keep first_name, still_hired, height;
ignoreOrder:true

first_name:keyword  | still_hired:boolean   | height:double
Saniya              | true                  | 2.1
Yongqiao            | true                  | 2.1
Kwee                | true                  | 2.1
Amabile             | true                  | 2.09
;

testMatchBooleanFieldAsString
from employees
| where match(still_hired, "true") and height > 2.08
| keep first_name, still_hired, height;
ignoreOrder:true

first_name:keyword  | still_hired:boolean   | height:double
Saniya              | true                  | 2.1
Yongqiao            | true                  | 2.1
Kwee                | true                  | 2.1
Amabile             | true                  | 2.09
;

testMatchIntegerField
from employees
| where match(emp_no, 10004)
| keep emp_no, first_name;

emp_no:integer | first_name:keyword
10004          | Chirstian
;

testMatchIntegerFieldAsString
from employees
| where match(emp_no, "10004")
| keep emp_no, first_name;

emp_no:integer | first_name:keyword
10004          | Chirstian
;

testMatchIntegerAsDouble
from employees
| where match(emp_no, 10004.0)
| keep emp_no, first_name;

emp_no:integer | first_name:keyword
10004          | Chirstian
;

testMatchDoubleField
from employees
| where match(salary_change, 9.07)
| keep emp_no, salary_change;

emp_no:integer | salary_change:double
10014          | [-1.89, 9.07]
;

testMatchDoubleFieldAsString
from employees
| where match(salary_change, "9.07")
| keep emp_no, salary_change;

emp_no:integer | salary_change:double
10014          | [-1.89, 9.07]
;

testMatchDoubleAsIntegerField
from employees
| where match(height, 2)
| keep emp_no, height;
ignoreOrder:true

emp_no:integer | height:double
10037          | 2.0
10048          | 2.0
10098          | 2.0
;

testMatchIpField
from sample_data
| where match(client_ip, "172.21.0.5")
| keep client_ip, message;

client_ip:ip   | message:keyword
172.21.0.5     | Disconnected
;

testMatchWithWrongFieldValue
from employees
| where match(still_hired, "Wrong boolean")
| keep emp_no;

emp_no:integer
;
`

// TestFullTextCSVSpec runs those cases with the csv-spec harness.
func TestFullTextCSVSpec(t *testing.T) {
	dir := sharedtest.Dir(t, "testdata/esql-csv-spec")
	cases, err := csvspec.Parse("fulltext.csv-spec", strings.NewReader(fullTextSpec))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 17 {
		t.Fatalf("parsed %d cases", len(cases))
	}
	runner := csvspec.NewRunner(dir, nil)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			res := runner.Run(c)
			if res.Status != csvspec.Passed {
				t.Errorf("%v: %s", res.Status, res.Detail)
			}
		})
	}
}

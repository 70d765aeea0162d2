package ecs

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJavaToStringSynthetic checks request_parameters rendering (docs/cloudtrail-ecs-mapping.md §7) on
// synthetic records whose expected strings were produced by the executable
// spec shared/tools/java_map_tostring.py: HashMap bucket order, capacity from
// the pre-purge key count, purge inside lists and maps, Java number printing,
// UTF-16 hashing of non-ASCII keys.
func TestJavaToStringSynthetic(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "testdata", "ecs", "java_tostring.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := NewMapper(Options{})
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		var c struct {
			Note              string `json:"note"`
			Record            string `json:"record"`
			RequestParameters string `json:"request_parameters"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		n++
		ev, err := m.Map([]byte(c.Record))
		if err != nil {
			t.Fatalf("%s: %v", c.Note, err)
		}
		if got := ev["aws.cloudtrail.request_parameters"]; got != c.RequestParameters {
			t.Errorf("%s:\n got  %v\n want %s", c.Note, got, c.RequestParameters)
		}
	}
	if n < 9 {
		t.Fatalf("read %d cases, want >= 9", n)
	}
}

// TestJavaToStringGoldens reproduces strings of Elastic's 8.9.0 expected
// documents from their inputs (skipped without shared/).
func TestJavaToStringGoldens(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "testdata", "elastic-cloudtrail-pipeline")
	for _, tc := range []struct{ file, field, want string }{
		{"test-send-command-all-json.log", "aws.cloudtrail.request_parameters",
			"{maxErrors=100%, instanceIds=[*], interactive=false, timeoutSeconds=600, comment=1e59ed7b-bf7f-4304-ba2d-e48cfcf5658d:c257a672-eb26-428b-9a92-3e51bbb69c71, documentName=AWS-RunPatchBaselineAssociation, parameters=HIDDEN_DUE_TO_SECURITY_REASONS, documentVersion=1, maxConcurrency=100%}"},
		{"test-assume-role-aws-service-json.log", "aws.cloudtrail.request_parameters",
			"{roleArn=arn:aws:iam::111111111111:role/ec2-instance-role, roleSessionName=i-0123456789abcdef0}"},
		{"test-assume-role-email-session-json.log", "aws.cloudtrail.request_parameters",
			"{durationSeconds=3600, roleArn=arn:aws:iam::111111111111:role/JohnRole2, roleSessionName=firstname.lastname@example.com}"},
		{"test-console-login-json.log", "aws.cloudtrail.additional_eventdata",
			"{LoginTo=https://console.aws.amazon.com/s3/, MobileVersion=No, MFAUsed=No}"},
	} {
		raw, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		line, _, _ := strings.Cut(string(raw), "\n")
		ev, err := NewMapper(Options{}).Map([]byte(line))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if got := ev[tc.field]; got != tc.want {
			t.Errorf("%s %s:\n got  %v\n want %s", tc.file, tc.field, got, tc.want)
		}
	}
}

// TestJavaDouble pins Double.toString formatting (JDK 19+ shortest digits).
func TestJavaDouble(t *testing.T) {
	tenth, fifth := 0.1, 0.2 // variables: constant arithmetic would be exact
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{1, "1.0"}, {0.5, "0.5"}, {1e7, "1.0E7"}, {9999999, "9999999.0"}, {1.5e-4, "1.5E-4"},
		{0.001, "0.001"}, {123456.789, "123456.789"}, {-2.5, "-2.5"}, {0, "0.0"},
		{math.Copysign(0, -1), "-0.0"}, {1.2345e21, "1.2345E21"}, {100, "100.0"},
		{math.Inf(1), "Infinity"}, {1e-300, "1.0E-300"}, {tenth + fifth, "0.30000000000000004"},
	} {
		if got := string(appendJavaDouble(nil, tc.in)); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestJavaStringHash pins String.hashCode, including a surrogate pair.
func TestJavaStringHash(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int32
	}{
		{"", 0}, {"a", 97}, {"roleArn", javaRef("roleArn")}, {"😀", 31*0xD83D + 0xDE00},
	} {
		if got := javaStringHash([]byte(tc.s)); got != tc.want {
			t.Errorf("%q: got %d, want %d", tc.s, got, tc.want)
		}
	}
	// "Aa" and "BB" collide in Java: the classic example.
	if javaStringHash([]byte("Aa")) != javaStringHash([]byte("BB")) {
		t.Error(`"Aa" and "BB" must have the same Java hash`)
	}
}

// javaRef is an independent reference: h = s[0]*31^(n-1) + ... over bytes of
// an ASCII string, with int32 wrap-around.
func javaRef(s string) int32 {
	var h int32
	for i := 0; i < len(s); i++ {
		h = h*31 + int32(s[i])
	}
	return h
}

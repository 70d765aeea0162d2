package cloudtrail

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestKnownFields covers the fields the reader's scan reads on its way
// (Record.Known), in both layouts that scan records differently (an NDJSON
// line's members one by one, a delivery file's record whole): each is the
// JSON string as in the record, or absent; and the values are trusted
// (OK) only when the record is Checked, has a plain top-level eventTime,
// and every known key holds a string without escapes.
func TestKnownFields(t *testing.T) {
	const et = `"eventTime":"2024-01-02T03:04:05Z"`
	cases := []struct {
		name string
		rec  string
		ok   bool
		want string // the values, as showKnown prints them
	}{
		{"all", `{` + et + `,"eventName":"GetObject","eventSource":"s3.amazonaws.com","userAgent":"aws-cli/2",` +
			`"userIdentity":{"type":"IAMUser","accessKeyId":"AKIA1","arn":"x"}}`, true,
			`eventName="GetObject" eventSource="s3.amazonaws.com" userAgent="aws-cli/2" type="IAMUser" accessKeyId="AKIA1"`},
		{"some", `{` + et + `,"eventName":"GetObject"}`, true, `eventName="GetObject"`},
		{"empty string", `{` + et + `,"eventName":""}`, true, `eventName=""`},
		{"no eventTime", `{"eventName":"GetObject"}`, false, ``},
		{"eventTime escaped", `{"eventTime":"2024\u002d01","eventName":"GetObject"}`, false, ``},
		{"duplicate key", `{` + et + `,"eventName":"A","x":{"k":1,"k":2}}`, false, ``},
		{"duplicate key first", `{"x":{"k":1,"k":2},` + et + `,"eventName":"A"}`, false, ``},
		{"escaped value", `{` + et + `,"eventName":"Get\u004fbject"}`, false, ``},
		{"number", `{` + et + `,"eventName":5}`, false, ``},
		{"null", `{` + et + `,"eventSource":null}`, false, ``},
		{"object", `{` + et + `,"eventName":{"a":"b"}}`, false, ``},
		{"empty object", `{` + et + `,"userAgent":{}}`, false, ``},
		{"array", `{` + et + `,"eventName":["GetObject"]}`, false, ``},
		{"nested eventName ignored", `{` + et + `,"requestParameters":{"eventName":"X","type":"Y"}}`, true, ``},
		{"identity not an object", `{` + et + `,"userIdentity":"IAMUser"}`, true, ``},
		{"identity an array", `{` + et + `,"userIdentity":[{"type":"IAMUser"}]}`, true, ``},
		{"identity's nested type ignored", `{` + et + `,"userIdentity":{"sessionContext":{"type":"Root"}}}`, true, ``},
		{"type after identity ignored", `{` + et + `,"userIdentity":{"arn":"a"},"requestParameters":{"type":"Root"}}`, true, ``},
		{"type after identity's array", `{` + et + `,"userIdentity":{"a":[1,{"type":"X"}],"type":"Root"}}`, true, `type="Root"`},
		{"identity type a number", `{` + et + `,"userIdentity":{"type":1}}`, false, ``},
		{"identity type escaped", `{` + et + `,"userIdentity":{"type":"\"Root"}}`, false, ``},
		{"other keys' odd values", `{` + et + `,"eventNameX":5,"name":{"eventName":1}}`, true, ``},
		{"non-ASCII value", `{` + et + `,"userAgent":"aws-cli/2 é"}`, true, `userAgent="aws-cli/2 é"`},
		{"source address", `{` + et + `,"sourceIPAddress":"ec2.amazonaws.com","x":{"sourceIPAddress":"1.2.3.4"}}`, true, `sourceIPAddress="ec2.amazonaws.com"`},
		{"source address an IP", `{"sourceIPAddress":"2001:db8::5",` + et + `}`, true, `sourceIPAddress="2001:db8::5"`},
		{"source address escaped", `{` + et + `,"sourceIPAddress":"1.2.3.\u0034"}`, false, ``},
		{"source address a number", `{` + et + `,"sourceIPAddress":1234}`, false, ``},
	}
	for _, tc := range cases {
		for _, layout := range []string{"ndjson", "records"} {
			t.Run(tc.name+"/"+layout, func(t *testing.T) {
				input := tc.rec + "\n"
				if layout == "records" {
					input = `{"Records":[` + tc.rec + `]}`
				}
				var got []string
				var ok []bool
				r := Reader{OnProblem: func(p Problem) { t.Errorf("problem: %v", p) }}
				_, err := r.ReadStream(context.Background(), "in", strings.NewReader(input), func(rec Record) error {
					got = append(got, showKnown(*rec.Known))
					ok = append(ok, rec.Known.OK)
					for _, v := range rec.Known.Values {
						if v != nil && !bytes.Contains(rec.Raw, v) {
							t.Errorf("value %q is not in the record", v)
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 {
					t.Fatalf("got %d records", len(got))
				}
				if ok[0] != tc.ok {
					t.Errorf("OK = %v, want %v", ok[0], tc.ok)
				}
				// Values of a record that is not OK are not to be
				// trusted: only those of the others are compared.
				if tc.ok && got[0] != tc.want {
					t.Errorf("values %s, want %s", got[0], tc.want)
				}
			})
		}
	}
}

var knownNames = [NumKnown]string{"eventName", "eventSource", "userAgent", "type", "accessKeyId", "sourceIPAddress"}

// showKnown prints the values of k found, as name=value.
func showKnown(k Known) string {
	var parts []string
	for f, v := range k.Values {
		if v != nil {
			parts = append(parts, fmt.Sprintf("%s=%s", knownNames[f], v))
		}
	}
	return strings.Join(parts, " ")
}

// sameKnown reports whether two scans found the same known fields.
func sameKnown(a, b Known) bool {
	if a.OK != b.OK {
		return false
	}
	if !a.OK {
		return true // the values are not to be trusted, nor compared
	}
	for f := range a.Values {
		if !bytes.Equal(a.Values[f], b.Values[f]) || (a.Values[f] == nil) != (b.Values[f] == nil) {
			return false
		}
	}
	return true
}

package ruletest

import (
	"fmt"
	"time"
)

// Script is one parsed script file.
type Script struct {
	Path  string
	Cases []*Case
}

// Case is one self-contained test: records, a rule and/or queries, and the
// expectations on their results.
type Case struct {
	File string // script path, for messages
	Line int    // line of the "case" directive (1 for an implicit case)
	Name string

	Rule     string // the rule reference as written: "bundled:ID" or a path
	RuleLine int
	Dir      string    // directory of the script, for relative rule paths
	Now      time.Time // zero: the latest record's eventTime
	// Requires lists capabilities the case needs ("geoip").
	Requires []string
	// GeoIP is the enrichment the case assumes, by source address.
	GeoIP map[string]map[string]any

	Records []Record
	Expects []Expect
	Queries []*Query
}

// Record is one raw CloudTrail record and where it was written.
type Record struct {
	Line int
	Raw  []byte
}

// ExpectKind tells what an Expect checks.
type ExpectKind int

// Kinds of expectation on a rule run.
const (
	ExpectCount   ExpectKind = iota // expect alerts N / expect no alerts
	ExpectField                     // expect alert I FIELD = JSON
	ExpectWarning                   // expect warning TEXT
)

// Expect is one expectation on the rule's alerts.
type Expect struct {
	Line  int
	Kind  ExpectKind
	N     int    // count, or 1-based alert index
	Field string // ExpectField
	Value any    // ExpectField: decoded JSON (json.Number for numbers)
	Text  string // ExpectWarning; the value as written for ExpectField
}

// Query is an ad-hoc query of a case and the rows it must return.
type Query struct {
	Line      int
	Text      string
	Expect    bool // an "expect rows"/"expect no rows" follows
	ExpectAt  int
	Columns   []string
	Rows      [][]any
	Unordered bool
}

// errorf formats a script error naming file:line.
func errorf(file string, line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
}

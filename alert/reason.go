package alert

import (
	"strconv"
	"strings"
)

// reason builds kibana.alert.reason with the template Kibana shares
// between all Security rule types (reason_formatters.ts,
// buildReasonMessageUtil; docs/esql-semantics.md §B3):
//
//	[{event.category} ]event[ with][ process {process.name},][ parent process {process.parent.name},]
//	[ file {file.name},][ source {source.ip}][:{source.port},][ destination {destination.ip}]
//	[:{destination.port},][ by {user.name}][ on {host.name}] created {severity} alert {name}.
//
// " with" appears when any process, parent, file, source or destination
// value is present. get reads the alert source by flat dotted name.
func reason(get func(string) any, severity, name string) string {
	var (
		category, _        = reasonValue(get("event.category"))
		process, pOK       = reasonValue(get("process.name"))
		parent, ppOK       = reasonValue(get("process.parent.name"))
		file, fOK          = reasonValue(get("file.name"))
		srcIP, sOK         = reasonValue(get("source.ip"))
		srcPort, spOK      = reasonValue(get("source.port"))
		dstIP, dOK         = reasonValue(get("destination.ip"))
		dstPort, dpOK      = reasonValue(get("destination.port"))
		user, _            = reasonValue(get("user.name"))
		host, _            = reasonValue(get("host.name"))
		hasFieldOfInterest = pOK || ppOK || fOK || sOK || spOK || dOK || dpOK
	)
	var b strings.Builder
	if category != "" {
		b.WriteString(category + " ")
	}
	b.WriteString("event")
	if hasFieldOfInterest {
		b.WriteString(" with")
	}
	if process != "" {
		b.WriteString(" process " + process + ",")
	}
	if parent != "" {
		b.WriteString(" parent process " + parent + ",")
	}
	if file != "" {
		b.WriteString(" file " + file + ",")
	}
	if srcIP != "" {
		b.WriteString(" source " + srcIP)
	}
	if srcPort != "" {
		b.WriteString(":" + srcPort + ",")
	}
	if dstIP != "" {
		b.WriteString(" destination " + dstIP)
	}
	if dstPort != "" {
		b.WriteString(":" + dstPort + ",")
	}
	if user != "" {
		b.WriteString(" by " + user)
	}
	if host != "" {
		b.WriteString(" on " + host)
	}
	b.WriteString(" created " + severity + " alert " + name + ".")
	return b.String()
}

// reasonValue mirrors Kibana's getFieldTemplateValue: a value counts only
// if it has a non-zero length, so a string or an array; a bare number or
// boolean has no .length in JavaScript and is dropped (so a numeric
// source.port never shows, a Kibana quirk kept for fidelity), as are "" and
// ["-"] / "-". Arrays are joined with ", " the way Array.prototype.join
// renders their elements (null as ""). present reports a value Kibana
// counts (it sets hasFieldOfInterest); show is the text to print, "" when
// the value renders as "null", because the ICU message's `select` then
// takes its `null` branch and prints nothing.
func reasonValue(v any) (show string, present bool) {
	var s string
	switch x := v.(type) {
	case string:
		if x == "" || x == "-" {
			return "", false
		}
		s = x
	case []string:
		if len(x) == 0 || (len(x) == 1 && x[0] == "-") {
			return "", false
		}
		s = strings.Join(x, ", ")
	case []any:
		if len(x) == 0 || (len(x) == 1 && x[0] == "-") {
			return "", false
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = jsString(e)
		}
		s = strings.Join(parts, ", ")
	default:
		return "", false
	}
	if s == "null" {
		return "", true
	}
	return s, true
}

// jsString renders a JSON value as JavaScript's String() would inside
// Array.prototype.join: null as "", numbers without a trailing ".0".
func jsString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return jsNumber(x)
	case float32:
		return jsNumber(float64(x))
	default:
		return fmtFallback(v)
	}
}

// jsNumber formats like JavaScript's Number#toString for the common cases:
// integers below 1e21 in plain digits, others in shortest form.
func jsNumber(f float64) string {
	if f == float64(int64(f)) && f < 1e21 && f > -1e21 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

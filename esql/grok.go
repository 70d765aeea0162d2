package esql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// grokPatterns is a subset of Elasticsearch's built-in grok patterns
// (libs/grok patterns), rewritten for RE2: the originals' look-arounds and
// atomic groups are dropped, so a few edge cases match more loosely.
var grokPatterns = map[string]string{
	"USERNAME":          `[a-zA-Z0-9._-]+`,
	"USER":              `%{USERNAME}`,
	"EMAILLOCALPART":    `[a-zA-Z0-9!#$%&'*+\-/=?^_{|}~]{1,64}(?:\.[a-zA-Z0-9!#$%&'*+\-/=?^_{|}~]{1,62}){0,63}`,
	"EMAILADDRESS":      `%{EMAILLOCALPART}@%{HOSTNAME}`,
	"INT":               `(?:[+-]?(?:[0-9]+))`,
	"BASE10NUM":         `(?:[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+))`,
	"NUMBER":            `(?:%{BASE10NUM})`,
	"BASE16NUM":         `(?:[+-]?(?:0x)?(?:[0-9A-Fa-f]+))`,
	"BASE16FLOAT":       `(?:[+-]?(?:0x)?(?:(?:[0-9A-Fa-f]+(?:\.[0-9A-Fa-f]*)?)|(?:\.[0-9A-Fa-f]+)))`,
	"POSINT":            `\b(?:[1-9][0-9]*)\b`,
	"NONNEGINT":         `\b(?:[0-9]+)\b`,
	"WORD":              `\b\w+\b`,
	"NOTSPACE":          `\S+`,
	"SPACE":             `\s*`,
	"DATA":              `.*?`,
	"GREEDYDATA":        `.*`,
	"QUOTEDSTRING":      `(?:"(?:\\.|[^\\"])*"|'(?:\\.|[^\\'])*'|` + "`(?:\\\\.|[^\\\\`])*`)",
	"UUID":              `[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}`,
	"MAC":               `(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})`,
	"CISCOMAC":          `(?:(?:[A-Fa-f0-9]{4}\.){2}[A-Fa-f0-9]{4})`,
	"WINDOWSMAC":        `(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})`,
	"COMMONMAC":         `(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2})`,
	"IPV4":              `(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?))`,
	"IPV6":              `(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|::(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|::)(?:%\w+)?`,
	"IP":                `(?:%{IPV6}|%{IPV4})`,
	"HOSTNAME":          `\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*(?:\.?|\b)`,
	"HOST":              `%{HOSTNAME}`,
	"IPORHOST":          `(?:%{IP}|%{HOSTNAME})`,
	"HOSTPORT":          `%{IPORHOST}:%{POSINT}`,
	"PATH":              `(?:%{UNIXPATH}|%{WINPATH})`,
	"UNIXPATH":          `(?:/[\w_%!$@:.,+~-]*)+`,
	"WINPATH":           `(?:[A-Za-z]+:|\\)(?:\\[^\\?*]*)+`,
	"URIPROTO":          `[A-Za-z](?:[A-Za-z0-9+\-.]+)+`,
	"URIHOST":           `%{IPORHOST}(?::%{POSINT})?`,
	"URIPATH":           `(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+`,
	"URIPARAM":          `\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*`,
	"URIPATHPARAM":      `%{URIPATH}(?:%{URIPARAM})?`,
	"URI":               `%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?`,
	"MONTH":             `\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm](?:a|ä)?r(?:ch|z)?|[Aa]pr(?:il)?|[Mm]a(?:y|i)?|[Jj]un(?:e|i)?|[Jj]ul(?:y|i)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo](?:c|k)?t(?:ober)?|[Nn]ov(?:ember)?|[Dd]e(?:c|z)(?:ember)?)\b`,
	"MONTHNUM":          `(?:0?[1-9]|1[0-2])`,
	"MONTHDAY":          `(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])`,
	"DAY":               `(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)`,
	"YEAR":              `(?:\d\d){1,2}`,
	"HOUR":              `(?:2[0123]|[01]?[0-9])`,
	"MINUTE":            `(?:[0-5][0-9])`,
	"SECOND":            `(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)`,
	"TIME":              `%{HOUR}:%{MINUTE}(?::%{SECOND})?`,
	"ISO8601_TIMEZONE":  `(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))`,
	"ISO8601_SECOND":    `%{SECOND}`,
	"TIMESTAMP_ISO8601": `%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?`,
	"DATE_US":           `%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}`,
	"DATE_EU":           `%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}`,
	"LOGLEVEL":          `(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo?(?:rmation)?|INFO?(?:RMATION)?|[Ww]arn?(?:ing)?|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|CRIT?(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)`,
}

// grokField is one named capture of a grok pattern.
type grokField struct {
	name  string
	typ   DataType
	group string // the RE2 group name standing for name
}

// grokker is a compiled GROK pattern.
type grokker struct {
	re     *regexp.Regexp
	fields []grokField
	index  []int // submatch index of each field
}

var grokRefRe = regexp.MustCompile(`%\{(\w+)(?::([^:}]+))?(?::(\w+))?\}`)

// compileGrok expands %{SYNTAX:SEMANTIC:type} references and rewrites
// Oniguruma named groups (?<name>...), whose names may contain dots, to
// RE2 groups.
func compileGrok(pattern string) (*grokker, error) {
	g := &grokker{}
	var expand func(p string, depth int) (string, error)
	expand = func(p string, depth int) (string, error) {
		if depth > 32 {
			return "", fmt.Errorf("circular grok pattern reference")
		}
		var err error
		out := grokRefRe.ReplaceAllStringFunc(p, func(m string) string {
			sub := grokRefRe.FindStringSubmatch(m)
			def, ok := grokPatterns[sub[1]]
			if !ok {
				err = fmt.Errorf("Unable to find pattern [%s] in Grok's pattern dictionary", sub[1])
				return m
			}
			body, e := expand(def, depth+1)
			if e != nil {
				err = e
				return m
			}
			if sub[2] == "" {
				return "(?:" + body + ")"
			}
			t := Keyword
			switch sub[3] {
			case "int":
				t = Integer
			case "long":
				t = Long
			case "float", "double":
				t = Double
			case "boolean":
				t = Boolean
			}
			gn := fmt.Sprintf("g%d", len(g.fields))
			g.fields = append(g.fields, grokField{name: sub[2], typ: t, group: gn})
			return "(?P<" + gn + ">" + body + ")"
		})
		return out, err
	}
	// Rewrite (?<name>...) before expanding, so the names keep pattern order.
	var b strings.Builder
	inClass := false
	for i := 0; i < len(pattern); i++ {
		ch := pattern[i]
		switch {
		case ch == '\\' && i+1 < len(pattern):
			b.WriteString(pattern[i : i+2])
			i++
			continue
		case inClass:
			if ch == ']' {
				inClass = false
			}
		case ch == '[':
			inClass = true
		case strings.HasPrefix(pattern[i:], "(?<") && i+3 < len(pattern) && pattern[i+3] != '=' && pattern[i+3] != '!':
			end := strings.IndexByte(pattern[i:], '>')
			if end < 0 {
				return nil, fmt.Errorf("invalid named group in [%s]", pattern)
			}
			name := pattern[i+3 : i+end]
			gn := fmt.Sprintf("n%d", len(g.fields))
			g.fields = append(g.fields, grokField{name: name, typ: Keyword, group: gn})
			b.WriteString("(?P<" + gn + ">")
			i += end
			continue
		}
		b.WriteByte(ch)
	}
	expanded, err := expand(b.String(), 0)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(expanded)
	if err != nil {
		return nil, err
	}
	g.re = re
	for _, f := range g.fields {
		g.index = append(g.index, re.SubexpIndex(f.group))
	}
	return g, nil
}

// parse matches s (unanchored, first match) into out, aligned with the
// distinct field names; a group that did not participate stays null.
func (g *grokker) parse(s string, names []string, out []Value) bool {
	m := g.re.FindStringSubmatchIndex(s)
	if m == nil {
		return false
	}
	for i, f := range g.fields {
		idx := g.index[i]
		if idx < 0 || m[2*idx] < 0 {
			continue
		}
		v := s[m[2*idx]:m[2*idx+1]]
		var val Value
		switch f.typ {
		case Integer, Long:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				continue
			}
			val, _ = fromInt(f.typ, n)
		case Double:
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			val = DoubleValue(x)
		case Boolean:
			val = Bool(strings.EqualFold(v, "true"))
		default:
			val = KeywordValue(v)
		}
		for j, n := range names {
			if n == f.name {
				out[j] = Multi(out[j], val)
			}
		}
	}
	return true
}

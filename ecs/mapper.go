package ecs

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/trailql/trailql/ecs/internal/useragent"
)

// Event is one mapped document: flat dotted ECS field names to values of type
// string, bool, int64, float64, time.Time (UTC, millisecond precision),
// []string (multi-valued keyword fields, in ingest order), []any or
// map[string]any (flattened objects). Absent fields are not in the map.
type Event map[string]any

// Options configures a Mapper.
type Options struct {
	// Namespace is data_stream.namespace; "" means "default".
	Namespace string
	// Fields lists the fields the caller needs (dotted names; a trailing "*" or a
	// parent object name covers its subfields); nil means all. The mapper may
	// skip work for other fields, but the listed ones are always exactly as a
	// full map gives them; unlisted fields may or may not be present.
	Fields []string
	// GeoIP, if set, adds source.geo.* / source.as.* for source.ip (docs/cloudtrail-ecs-mapping.md §3),
	// only when Fields needs them. It is shared, not closed, by the Mapper.
	GeoIP *GeoIP
}

// Mapper maps raw CloudTrail records to Events. It is safe for concurrent use.
type Mapper struct {
	namespace string
	pool      fastjson.ParserPool
	// events holds documents handed back by Release, emptied, for reuse.
	events sync.Pool

	// Work that can be skipped when Options.Fields does not need it.
	wantUA    bool
	uaParts   useragent.Part // the user_agent passes the wanted fields need
	wantHosts bool
	// wantTLS: tls.* or what related.hosts reads of tlsDetails;
	// wantCategories: event.kind/type/outcome/category; wantDigest: a
	// digest's fields, or event.kind, which a digest's bad date sets.
	wantTLS, wantCategories, wantDigest bool
	// wantRelatedUser, wantRelatedIP: related.user, related.ip.
	wantRelatedUser, wantRelatedIP bool
	// size is the capacity a document's map starts with.
	size int
	// skip holds the known fields Options.Fields does not need (optStr).
	skip         map[string]struct{}
	wantRendered [len(renderedFields)]bool // keyword string
	wantFlat     [len(renderedFields)]bool // flattened object

	geoip            *GeoIP // nil: no enrichment or none needed
	wantGeo, wantASN bool
}

// renderedFields are the objects rendered as Java toString() text (docs/cloudtrail-ecs-mapping.md §7):
// source key, keyword field, flattened field.
var renderedFields = [...]struct{ src, keyword, flat string }{
	{"requestParameters", "aws.cloudtrail.request_parameters", "aws.cloudtrail.flattened.request_parameters"},
	{"responseElements", "aws.cloudtrail.response_elements", "aws.cloudtrail.flattened.response_elements"},
	{"additionalEventData", "aws.cloudtrail.additional_eventdata", "aws.cloudtrail.flattened.additional_eventdata"},
	{"serviceEventDetails", "aws.cloudtrail.service_event_details", "aws.cloudtrail.flattened.service_event_details"},
}

// NewMapper returns a Mapper for opts.
func NewMapper(opts Options) *Mapper {
	m := &Mapper{namespace: opts.Namespace}
	if m.namespace == "" {
		m.namespace = "default"
	}
	want := func(name string) bool { return wants(opts.Fields, name) }
	m.uaParts = useragent.PartsWanted(want)
	m.wantUA = m.uaParts != 0
	m.wantHosts = want("related.hosts")
	m.wantRelatedUser, m.wantRelatedIP = want("related.user"), want("related.ip")
	m.wantTLS = m.wantHosts || want("tls") || want("aws.cloudtrail.tls_details")
	m.wantCategories = want("event.kind") || want("event.type") || want("event.outcome") || want("event.category")
	m.wantDigest = want("event.kind") || want("file.path") || want("related.hash") || want("aws.cloudtrail.flattened.digest")
	if opts.GeoIP != nil {
		m.wantGeo, m.wantASN = want("source.geo"), want("source.as")
		if m.wantGeo || m.wantASN {
			m.geoip = opts.GeoIP
		}
	}
	for i, r := range renderedFields {
		m.wantRendered[i] = want(r.keyword)
		m.wantFlat[i] = want(r.flat)
	}
	m.size = 48 // a record's fields, about
	if opts.Fields != nil {
		// The fields asked for and the constants every record has: a
		// map sized for all would be most of the allocation of a narrow
		// mapper's Map.
		m.size = min(m.size, len(opts.Fields)+10)
		m.skip = map[string]struct{}{}
		for name := range fieldTypes {
			if !want(name) && !readBack[name] {
				m.skip[name] = struct{}{}
			}
		}
	}
	return m
}

// readBack are the fields that later steps of the mapping read from the
// document: they are set even when the caller does not need them.
var readBack = map[string]bool{
	"cloud.account.id": true, // digest, recipient account fallback
	"source.address":   true, // related.hosts
	"source.ip":        true, // related.hosts, GeoIP
	"aws.cloudtrail.user_identity.on_behalf_of.user_id": true,
	"data_stream.namespace":                             true, "data_stream.type": true, "data_stream.dataset": true,
}

// wants reports whether the field list needs field name (or any subfield of it).
func wants(fields []string, name string) bool {
	if fields == nil {
		return true
	}
	for _, f := range fields {
		if f == name || strings.HasPrefix(f, name+".") || strings.HasPrefix(name, f+".") {
			return true
		}
		if p, ok := strings.CutSuffix(f, "*"); ok && (strings.HasPrefix(name, p) || strings.HasPrefix(p, name)) {
			return true
		}
	}
	return false
}

// ErrNoTimestamp is returned (wrapped) for records without a usable eventTime
// (or digestEndTime for digest records).
var ErrNoTimestamp = errors.New("record has no eventTime")

// Map maps one raw CloudTrail record (the bytes of one JSON object, e.g. one
// element of Records[]) to its ECS document. It fails when raw is not a JSON
// object, has an object with a duplicated key (which Elasticsearch's json
// processor rejects), or has no valid eventTime (digest records:
// digestEndTime). The Event holds no reference to raw.
func (m *Mapper) Map(raw []byte) (Event, error) { return m.mapRecord(raw, false) }

// MapChecked is Map for a record a reader has proved to have no object
// with the same key twice, comparing keys without escapes or non-ASCII
// bytes as raw bytes (cloudtrail.Record.Checked): the document is the
// same, without the duplicate-key walk.
func (m *Mapper) MapChecked(raw []byte) (Event, error) { return m.mapRecord(raw, true) }

func (m *Mapper) mapRecord(raw []byte, checked bool) (Event, error) {
	p := m.pool.Get()
	defer m.pool.Put(p)
	ev, _ := m.events.Get().(Event)
	if ev == nil {
		ev = make(Event, m.size)
	}
	var b builder
	doc, err := m.mapInto(&b, p, ev, raw, checked)
	if err != nil {
		clear(ev)
		m.events.Put(ev)
	}
	return doc, err
}

// Scratch is the memory a goroutine maps records into with MapShared: a
// parser with its copy of the record, the document and the mapping's
// state, all reused from one record to the next. The zero value is ready
// to use; a Scratch must not be used by two goroutines at once.
type Scratch struct {
	p  fastjson.Parser
	ev Event
	b  builder
}

// MapShared is MapChecked (checked: see there) or Map for callers that read
// a few fields of each document, copy what they keep and drop the rest
// before they map the next record: the document is s's, and its strings
// point into s's copy of raw instead of being copied out of it. Both are
// valid until the next MapShared with s. Copying every string a document
// holds was a fifth of what a hunt with every rule allocated, for rows that
// the rules copy again (encoded) when they keep them.
func (m *Mapper) MapShared(s *Scratch, raw []byte, checked bool) (Event, error) {
	if s.ev == nil {
		s.ev = make(Event, m.size)
	}
	clear(s.ev)
	s.b = builder{arena: stringArena{shared: true}}
	return m.mapInto(&s.b, &s.p, s.ev, raw, checked)
}

// mapInto maps raw into ev with the parser p and the builder state b.
func (m *Mapper) mapInto(b *builder, p *fastjson.Parser, ev Event, raw []byte, checked bool) (Event, error) {
	if err := m.check(b, p, ev, raw, checked); err != nil {
		return nil, err
	}
	if b.passthrough {
		return b.ev, nil
	}
	b.build()
	return b.ev, nil
}

// Release hands back a document Map returned, which the caller no longer
// uses (nor anything it holds: the values it read out stay valid), so that
// a later Map reuses its map instead of making one; for callers that read a
// few fields of each document and drop it.
func (m *Mapper) Release(ev Event) {
	clear(ev)
	m.events.Put(ev)
}

// Validate reports the error Map would return for raw, without building the
// document: callers that know no rule can match a record (a byte-level
// prefilter rejected it) still report bad input, at the cost of a parse.
func (m *Mapper) Validate(raw []byte) error {
	p := m.pool.Get()
	defer m.pool.Put(p)
	var b builder
	return m.check(&b, p, make(Event, 1), raw, false)
}

// ValidEventTime reports whether s, the contents of a record's top-level
// "eventTime" string, is a timestamp Map accepts. For a record that the
// reader found to be valid JSON without duplicate keys
// (cloudtrail.Record.Checked), a valid eventTime means Validate would
// succeed, so the record need not be parsed again.
func ValidEventTime(s []byte) bool {
	_, ok := EventTime(s)
	return ok
}

// EventTime is the time Map sets as @timestamp from s, the contents of a
// record's top-level "eventTime" string, when the record has no
// digestEndTime (which takes precedence); ok is ValidEventTime(s).
func EventTime(s []byte) (t time.Time, ok bool) {
	if t, ok := plainUTC(s); ok {
		return t, true
	}
	return parseISO8601(string(s))
}

// check parses raw and applies the checks that make Map fail; on success
// b holds the parsed record, with ev as its document, and @timestamp.
func (m *Mapper) check(b *builder, p *fastjson.Parser, ev Event, raw []byte, checked bool) error {
	if !utf8.Valid(raw) {
		raw = replaceInvalidUTF8(raw)
	}
	root, err := p.ParseBytes(raw)
	if err != nil {
		return fmt.Errorf("invalid JSON: %s", jsonError(err))
	}
	if root.Type() != fastjson.TypeObject {
		return fmt.Errorf("record is a JSON %s, not an object", root.Type())
	}
	if !checked {
		if k, ok := duplicateKey(root); ok {
			return fmt.Errorf("duplicate key %q in a JSON object (Elasticsearch's json processor rejects the record)", truncate(k, 64))
		}
	}
	b.m, b.root, b.ev = m, root, ev
	if ecsDocument(root) {
		b.passthrough = true
		return b.passThrough()
	}
	return b.timestamp()
}

// replaceInvalidUTF8 replaces each byte that is not part of valid UTF-8 by
// U+FFFD, as Elastic Agent does before the record reaches Elasticsearch: the
// aws-s3 input puts the record in the event's message string, and libbeat's
// JSON encoder writes every invalid byte of a string as \ufffd
// (elastic/go-structform, json/visitor.go, Visitor.OnString: a RuneError of
// size 1 becomes invalidCharSym). Raw invalid bytes never reach the json
// processor, which would reject them (Jackson: "Invalid UTF-8 start byte").
// Invalid bytes can only sit inside JSON strings (elsewhere the record is not
// valid JSON), so replacing them in the raw bytes changes string values only.
func replaceInvalidUTF8(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+16)
	for i := 0; i < len(raw); {
		r, n := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, raw[i:i+n]...)
		}
		i += n
	}
	return out
}

// builder carries the state of one Map call, in pipeline order.
type builder struct {
	m        *Mapper
	root     *fastjson.Value
	ev       Event
	failed   bool   // a pipeline processor would have appended error.message
	service  string // AWS-service actor (docs/cloudtrail-ecs-mapping.md §5 step 1)
	idType   string
	userName string
	userID   string
	email    string
	hasEmail bool
	related  struct{ user, ip, hosts []string }
	// passthrough: the record is an ECS document of another integration
	// (passthrough.go), flattened as it is.
	passthrough bool
	arena       stringArena
}

// addRelatedUser appends s to related.user unless it is there or empty,
// when the mapper's fields need related.user.
func (b *builder) addRelatedUser(s string) {
	if b.m.wantRelatedUser {
		b.related.user = appendUnique(b.related.user, s)
	}
}

// set stores a string field unless it is empty (the final purge drops "").
func (b *builder) set(key, val string) {
	if _, skip := b.m.skip[key]; skip {
		return
	}
	if val != "" {
		b.ev[key] = val
	}
}

// optStr is copyStr for a field that no later step of the mapping reads
// back: it is left out, lookup and copy too, when the mapper's Fields do
// not need it (a rule's narrow mapper sets a few fields of the sixty).
func (b *builder) optStr(key string, v *fastjson.Value, keys ...string) {
	if _, skip := b.m.skip[key]; skip {
		return
	}
	b.copyStr(key, v, keys...)
}

// copyStr copies the scalar at keys under v to field key.
func (b *builder) copyStr(key string, v *fastjson.Value, keys ...string) (string, bool) {
	s, ok := b.str(v, keys...)
	if ok {
		b.set(key, s)
	}
	return s, ok && s != ""
}

// appendUnique appends s to list unless empty or already there (append with
// allow_duplicates: false).
func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// timestamp sets @timestamp from eventTime (docs/cloudtrail-ecs-mapping.md §2 step 5) or, for digest
// records, digestEndTime (the pipeline copies the parsed digest end time over
// @timestamp whenever it exists).
func (b *builder) timestamp() error {
	if s, ok := b.str(b.root, "digestEndTime"); ok {
		if t, ok := parseISO8601(s); ok {
			b.ev["@timestamp"] = t
			return nil
		}
	}
	v := b.root.Get("eventTime")
	if v == nil || v.Type() == fastjson.TypeNull {
		return fmt.Errorf("%w", ErrNoTimestamp)
	}
	s, _ := text(v)
	if v.Type() == fastjson.TypeString {
		sb, _ := v.StringBytes()
		s = string(sb)
	}
	if s == "" {
		return fmt.Errorf("%w", ErrNoTimestamp)
	}
	t, ok := parseISO8601(s)
	if !ok {
		return fmt.Errorf("invalid eventTime %q: not an ISO-8601 date", truncate(s, 64))
	}
	b.ev["@timestamp"] = t
	return nil
}

// jsonError words a fastjson parse error in one short line: fastjson wraps
// its cause once per nesting level ("cannot parse object value: cannot parse
// array: ..."), so deep input gives kilobytes of prefixes; only the cause is
// kept, and the unparsed tail it quotes is cut.
func jsonError(err error) string {
	msg := err.Error()
	for strings.HasPrefix(msg, "cannot parse ") {
		i := strings.Index(msg, ": ")
		if i < 0 || strings.IndexByte(msg[:i], ';') >= 0 { // the cause itself: "cannot parse empty string; unparsed tail: ..."
			break
		}
		msg = msg[i+2:]
	}
	return truncate(msg, 120)
}

// truncate shortens s for error messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// build runs the field mapping in the order of the pipeline's processors
// (the order matters for the related.* lists and for overrides).
func (b *builder) build() {
	ev, root := b.ev, b.root
	ev["data_stream.type"] = "logs"
	ev["data_stream.dataset"] = "aws.cloudtrail"
	ev["data_stream.namespace"] = b.m.namespace
	ev["event.module"] = "aws"
	ev["event.dataset"] = "aws.cloudtrail"

	b.optStr("aws.cloudtrail.event_version", root, "eventVersion")
	b.identity()
	// Renamed as is: CloudTrail sends the string "true" (aws 4.6.0, PR #16098).
	b.optStr("aws.cloudtrail.session_credential_from_console", root, "sessionCredentialFromConsole")

	eventSource, _ := b.str(root, "eventSource")
	if name, ok := strings.CutSuffix(eventSource, ".amazonaws.com"); ok {
		// dissect '%{cloud.service.name}.amazonaws.com': up to the first occurrence.
		if i := strings.Index(eventSource, ".amazonaws.com"); i >= 0 {
			name = eventSource[:i]
		}
		b.set("cloud.service.name", name)
	}
	b.set("event.provider", eventSource)
	action, _ := b.copyStr("event.action", root, "eventName")
	b.optStr("aws.cloudtrail.event_category", root, "eventCategory")

	// UserAuthentication: additionalEventData.UserName is moved to user.name
	// (aws 4.2.0), so it also disappears from additional_eventdata.
	skipAdditional := ""
	if action == "UserAuthentication" && b.userName == "" {
		if s, ok := b.str(root, "additionalEventData", "UserName"); ok {
			b.userName = s
			b.set("user.name", s)
			skipAdditional = "UserName"
		}
	}

	ev["cloud.provider"] = "aws"
	b.optStr("cloud.region", root, "awsRegion")
	b.source()
	b.userAgent()
	errCode, _ := b.copyStr("aws.cloudtrail.error_code", root, "errorCode")
	errMsg, _ := b.copyStr("aws.cloudtrail.error_message", root, "errorMessage")
	b.rendered(skipAdditional)

	b.optStr("aws.cloudtrail.request_id", root, "requestID")
	b.optStr("event.id", root, "eventID")
	b.optStr("aws.cloudtrail.event_type", root, "eventType")
	b.optStr("aws.cloudtrail.api_version", root, "apiVersion")
	b.optStr("aws.cloudtrail.management_event", root, "managementEvent")
	if v := field(root, "readOnly"); v != nil {
		switch v.Type() {
		case fastjson.TypeTrue:
			ev["aws.cloudtrail.read_only"] = true
		case fastjson.TypeFalse:
			ev["aws.cloudtrail.read_only"] = false
		case fastjson.TypeString:
			// A boolean field accepts "true"/"false" strings.
			if s, _ := text(v); s == "true" || s == "false" {
				ev["aws.cloudtrail.read_only"] = s == "true"
			}
		}
	}
	resourceARNs := b.resources()
	recipient, _ := b.copyStr("aws.cloudtrail.recipient_account_id", root, "recipientAccountId")
	if _, ok := ev["cloud.account.id"]; !ok {
		b.set("cloud.account.id", recipient)
	}
	if _, ok := b.copyStr("aws.cloudtrail.shared_event_id", root, "sharedEventID"); !ok {
		b.optStr("aws.cloudtrail.shared_event_id", root, "sharedEventId")
	}
	b.optStr("aws.cloudtrail.vpc_endpoint_id", root, "vpcEndpointId")
	b.optStr("aws.cloudtrail.vpc_endpoint_account_id", root, "vpcEndpointAccountId")
	b.optStr("aws.cloudtrail.addendum.reason", root, "addendum", "reason")
	b.optStr("aws.cloudtrail.addendum.updated_fields", root, "addendum", "updatedFields")
	b.optStr("aws.cloudtrail.addendum.original_request_id", root, "addendum", "originalRequestID")
	b.optStr("aws.cloudtrail.addendum.original_event_id", root, "addendum", "originalEventID")

	reqUserName, _ := b.str(root, "requestParameters", "userName")
	newUserName, _ := b.str(root, "requestParameters", "newUserName")
	respUserID, _ := b.str(root, "responseElements", "user", "userId")
	b.addRelatedUser(reqUserName)
	b.addRelatedUser(newUserName)
	b.addRelatedUser(respUserID)

	if action == "ConsoleLogin" {
		b.consoleLogin()
	}
	if b.m.wantCategories {
		b.categorize(action, errCode != "" || errMsg != "")
	}

	b.digest()
	b.set("group.id", first2(b.str(root, "responseElements", "group", "groupId")))
	b.set("user.target.id", respUserID)
	b.set("user.changes.name", newUserName)
	b.set("group.name", first2(b.str(root, "requestParameters", "groupName")))
	b.set("user.target.name", reqUserName)
	if v := field(root, "insightDetails"); v != nil {
		ev["aws.cloudtrail.flattened.insight_details"] = toGo(v)
	}
	serverName := ""
	if b.m.wantTLS {
		serverName = b.tls()
	}

	// Standardised user fields (docs/cloudtrail-ecs-mapping.md §5 step 7) and related.user tail.
	if !b.hasEmail && strings.Index(b.userName, "@") > 0 {
		b.set("user.email", b.userName)
	}
	b.addRelatedUser(b.userID)
	b.addRelatedUser(b.userName)
	b.addRelatedUser(newUserName)
	if s, ok := ev["aws.cloudtrail.user_identity.on_behalf_of.user_id"].(string); ok {
		b.addRelatedUser(s)
	}

	// related.ip: source.ip, then serviceEventDetails.sourceIpAddress if an IP.
	if s, ok := ev["source.ip"].(string); ok && b.m.wantRelatedIP {
		b.related.ip = appendUnique(b.related.ip, s)
	}
	if s, ok := b.str(root, "serviceEventDetails", "sourceIpAddress"); ok && b.m.wantRelatedIP && isInetAddress(s) {
		b.related.ip = appendUnique(b.related.ip, s)
	}
	if b.m.wantHosts {
		b.hosts(serverName, resourceARNs)
	}
	if len(b.related.user) > 0 {
		ev["related.user"] = b.related.user
	}
	if len(b.related.ip) > 0 {
		ev["related.ip"] = b.related.ip
	}
	if len(b.related.hosts) > 0 {
		ev["related.hosts"] = b.related.hosts
	}
	if b.failed {
		ev["event.kind"] = "pipeline_error"
	}
}

// first2 drops the ok of a (string, bool) pair.
func first2(s string, _ bool) string { return s }

// source sets source.address and, when it is an IP literal, source.ip (docs/cloudtrail-ecs-mapping.md §4).
func (b *builder) source() {
	addr, ok := b.str(b.root, "sourceIPAddress")
	if !ok {
		return
	}
	b.set("source.address", addr)
	if isInetAddress(addr) {
		b.ev["source.ip"] = addr
		if b.m.geoip != nil {
			b.m.geoip.enrich(b.ev, b.m.wantGeo, b.m.wantASN)
		}
	}
}

// userAgent sets user_agent.* (docs/cloudtrail-ecs-mapping.md §6).
func (b *builder) userAgent() {
	s, ok := b.str(b.root, "userAgent")
	if !ok {
		return
	}
	b.ev["user_agent.original"] = s
	if !b.m.wantUA {
		return
	}
	ua := useragent.CachedParts(s, b.m.uaParts)
	b.set("user_agent.name", ua.Name)
	b.set("user_agent.version", ua.Version)
	b.set("user_agent.os.name", ua.OSName)
	b.set("user_agent.os.version", ua.OSVersion)
	b.set("user_agent.os.full", ua.OSFull)
	b.set("user_agent.device.name", ua.DeviceName)
}

// maxFlattenedChars: the flattened copy is kept only when the rendered string
// is shorter than this many Java chars (aws 2.41.0, docs/cloudtrail-ecs-mapping.md §7).
const maxFlattenedChars = 32766

// rendered sets the Java toString() texts and the flattened copies (docs/cloudtrail-ecs-mapping.md §7).
func (b *builder) rendered(skipAdditional string) {
	for i, r := range renderedFields {
		if !b.m.wantRendered[i] && !b.m.wantFlat[i] {
			continue
		}
		v := field(b.root, r.src)
		if v == nil {
			continue
		}
		var s []byte
		if v.Type() == fastjson.TypeObject {
			skip := ""
			if r.src == "additionalEventData" {
				skip = skipAdditional
			}
			s = appendJavaMap(nil, v, skip)
		} else {
			s = appendJava(nil, v)
		}
		// If the move emptied the map, the pipeline still renders "{}" (it only
		// checks != null); the final purge then drops the empty flattened copy.
		str := string(s)
		b.ev[r.keyword] = str
		if b.m.wantFlat[i] && utf16Len(str) < maxFlattenedChars {
			g := toGo(v)
			if m, ok := g.(map[string]any); ok && r.src == "additionalEventData" && skipAdditional != "" {
				delete(m, skipAdditional)
				if len(m) == 0 {
					continue
				}
			}
			b.ev[r.flat] = g
		}
	}
}

// utf16Len is the length of s in UTF-16 code units (Java String.length).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// consoleLogin maps the ConsoleLogin additionalEventData entries
// (script_console_login_additional_eventdata).
func (b *builder) consoleLogin() {
	aed := object(b.root, "additionalEventData")
	if aed == nil {
		return
	}
	if s, ok := b.str(aed, "MobileVersion"); ok {
		b.ev["aws.cloudtrail.console_login.additional_eventdata.mobile_version"] = s != "No"
	}
	if s, ok := b.str(aed, "LoginTo"); ok {
		b.set("aws.cloudtrail.console_login.additional_eventdata.login_to", s)
	}
	if s, ok := b.str(aed, "MFAUsed"); ok {
		b.ev["aws.cloudtrail.console_login.additional_eventdata.mfa_used"] = s != "No"
	}
}

// categorize sets event.kind/type/outcome/category
// (script_add_ecs_categorization, docs/cloudtrail-ecs-mapping.md §3 and §8).
func (b *builder) categorize(action string, failed bool) {
	b.ev["event.kind"] = "event"
	b.ev["event.type"] = []string{"info"}
	if failed {
		b.ev["event.outcome"] = "failure"
	} else {
		b.ev["event.outcome"] = "success"
	}
	if action == "" {
		return
	}
	if action == "ConsoleLogin" {
		if s, ok := b.str(b.root, "responseElements", "ConsoleLogin"); ok {
			b.set("event.outcome", strings.ToLower(s))
		}
	}
	if c, ok := eventCategorization[action]; ok {
		b.ev["event.category"] = append([]string(nil), c[0]...)
		b.ev["event.type"] = append([]string(nil), c[1]...)
	}
}

// dateField parses an ISO-8601 member for a date processor; a value that does
// not parse marks the document as a pipeline error and is left out.
func (b *builder) dateField(v *fastjson.Value, key string) (time.Time, bool) {
	s, ok := b.str(v, key)
	if !ok {
		return time.Time{}, false
	}
	t, ok := parseISO8601(s)
	if !ok {
		b.failed = true
	}
	return t, ok
}

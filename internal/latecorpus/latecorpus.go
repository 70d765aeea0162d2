// Package latecorpus generates a deterministic, synthetic CloudTrail corpus
// in which some events are delivered late, for end-to-end tests of how
// trailql handles late deliveries.
//
// CloudTrail writes each account and region's events to S3 in delivery
// files, about every 5 minutes, named for the time they were written:
//
//	AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
//
// Most events land in a file written 5 to 15 minutes after their eventTime,
// but some arrive much later. Generate models that: about 2% of the
// background events, and about 12% of the discovery-burst events, go into a
// file whose name carries a time 40 to 120 minutes after their eventTime.
// Bursts are the shape that makes the seed rule ("AWS Discovery API Calls
// via CLI from a Single Resource") fire: one identity calling more than five
// distinct Describe/Get/List/Generate APIs with aws-cli within one
// 10-second window. Some bursts are split so that the alert is missing
// (five or fewer distinct actions arrive on time) or lists too few actions
// when late events are dropped.
//
// The same events can be written as delivery files in the S3 layout
// (Corpus.WriteTrail) and as one NDJSON file in shuffled order
// (Corpus.WriteNDJSON): a correct engine gives the same alerts on both.
// Everything is drawn from a generator seeded with Options.Seed, so a seed
// always gives byte-identical output. All identifiers (accounts, keys, IP
// addresses, event ids) are synthetic.
package latecorpus

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

// Options says what to generate. Zero fields take the defaults noted.
type Options struct {
	Seed     uint64        // seed of the random generator
	Start    time.Time     // first event time (default 2026-11-02T08:00:00Z)
	Duration time.Duration // span of event times (default 75m; at least 30m)
	Rate     float64       // background events per second, all accounts (default 3)
	Bursts   int           // discovery bursts (default 20; at least 2)
}

// Defaults of Options.
const (
	DefaultDuration = 75 * time.Minute
	DefaultRate     = 3.0
	DefaultBursts   = 20
)

// DefaultStart is the default first event time.
var DefaultStart = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

// Delivery delays, measured from an event's time to the time in its file's
// name.
const (
	OnTimeMin = 5 * time.Minute   // earliest delivery of an on-time event
	OnTimeMax = 15 * time.Minute  // latest delivery of an on-time event
	LateMin   = 40 * time.Minute  // earliest delivery of a late event
	LateMax   = 120 * time.Minute // latest delivery of a late event
	Interval  = 5 * time.Minute   // time between one account/region's files
)

// Late-delivery rates.
const (
	BackgroundLateRate = 0.02 // share of background events delivered late
	BurstLateRate      = 0.12 // aimed-for share of burst events delivered late
)

// Event is one generated CloudTrail record and where it was delivered.
type Event struct {
	Time     time.Time       // eventTime
	Account  string          // recipientAccountId
	Region   string          // awsRegion
	Delivery time.Time       // time in the name of the file that holds it
	Late     bool            // delivered LateMin..LateMax after Time
	Burst    int             // index in Corpus.Bursts, or -1 for background
	Record   json.RawMessage // the record, compact JSON
}

// Burst is one discovery burst: one identity, one 10-second window.
type Burst struct {
	ARN     string    // userIdentity.arn
	Window  time.Time // start of its 10-second window
	Actions []string  // distinct eventNames, sorted
	// OnTimeActions are the distinct eventNames among its events that are
	// delivered on time, sorted: what an engine that drops late events sees.
	OnTimeActions []string
	Events        int // records
	LateEvents    int // records delivered late
}

// Alerts reports whether the seed rule alerts on the burst when every event
// counts (more than five distinct actions).
func (b Burst) Alerts() bool { return len(b.Actions) > 5 }

// AlertsWithoutLate reports whether it alerts when late events are dropped.
func (b Burst) AlertsWithoutLate() bool { return len(b.OnTimeActions) > 5 }

// File is one delivery file.
type File struct {
	Key      string    // slash-separated path: AWSLogs/<account>/CloudTrail/...
	Account  string    // account in the name
	Region   string    // region in the name
	Delivery time.Time // time in the name
	Events   []int     // indexes in Corpus.Events, in the file's (shuffled) order
}

// Corpus is a generated corpus.
type Corpus struct {
	Options  Options  // as given, defaults filled in
	Accounts []string // account ids
	Regions  []string // regions, us-east-1 first (where global services log)
	Events   []Event  // in eventTime order
	Bursts   []Burst
	Files    []File // in delivery order: by Delivery, then Key
}

// Stats summarises a corpus.
type Stats struct {
	Events, LateEvents           int
	BurstEvents, LateBurstEvents int
	Files                        int
	Bursts                       int
	AlertingBursts               int // bursts with more than 5 distinct actions
	// MissingWithoutLate counts alerting bursts that do not alert when late
	// events are dropped; ShrunkWithoutLate those that alert with fewer
	// actions.
	MissingWithoutLate, ShrunkWithoutLate int
	MinOnTime, MaxOnTime                  time.Duration // delivery delay of on-time events
	MinLate, MaxLate                      time.Duration // delivery delay of late events
	FirstDelivery, LastDelivery           time.Time
}

// String prints the stats on one line.
func (s Stats) String() string {
	return fmt.Sprintf("%d events (%d late) in %d files delivered %s..%s; %d bursts (%d alerting: %d missing and %d shrunk without late events), %d burst events (%d late); on-time delay %s..%s, late delay %s..%s",
		s.Events, s.LateEvents, s.Files, s.FirstDelivery.Format("15:04Z"), s.LastDelivery.Format("15:04Z"),
		s.Bursts, s.AlertingBursts, s.MissingWithoutLate, s.ShrunkWithoutLate, s.BurstEvents, s.LateBurstEvents,
		s.MinOnTime, s.MaxOnTime, s.MinLate, s.MaxLate)
}

// Stats computes the corpus's stats.
func (c *Corpus) Stats() Stats {
	s := Stats{Events: len(c.Events), Files: len(c.Files), Bursts: len(c.Bursts)}
	onTime := 0
	for _, e := range c.Events {
		d := e.Delivery.Sub(e.Time)
		if e.Late {
			s.LateEvents++
			s.MinLate, s.MaxLate = minMax(s.MinLate, s.MaxLate, d, s.LateEvents == 1)
		} else {
			onTime++
			s.MinOnTime, s.MaxOnTime = minMax(s.MinOnTime, s.MaxOnTime, d, onTime == 1)
		}
		if e.Burst >= 0 {
			s.BurstEvents++
			if e.Late {
				s.LateBurstEvents++
			}
		}
	}
	for _, b := range c.Bursts {
		if b.Alerts() {
			s.AlertingBursts++
			switch {
			case !b.AlertsWithoutLate():
				s.MissingWithoutLate++
			case len(b.OnTimeActions) < len(b.Actions):
				s.ShrunkWithoutLate++
			}
		}
	}
	if len(c.Files) > 0 {
		s.FirstDelivery, s.LastDelivery = c.Files[0].Delivery, c.Files[len(c.Files)-1].Delivery
	}
	return s
}

func minMax(lo, hi, d time.Duration, first bool) (time.Duration, time.Duration) {
	if first {
		return d, d
	}
	return min(lo, d), max(hi, d)
}

// Generate builds the corpus for opts. The same options always give the
// same corpus.
func Generate(opts Options) *Corpus {
	if opts.Start.IsZero() {
		opts.Start = DefaultStart
	}
	opts.Start = opts.Start.UTC().Truncate(time.Second)
	if opts.Duration <= 0 {
		opts.Duration = DefaultDuration
	}
	opts.Duration = max(opts.Duration.Truncate(time.Second), 30*time.Minute)
	if opts.Rate <= 0 {
		opts.Rate = DefaultRate
	}
	if opts.Bursts <= 0 {
		opts.Bursts = DefaultBursts
	}
	opts.Bursts = max(opts.Bursts, 2)
	g := &gen{r: rand.New(rand.NewPCG(opts.Seed, 0x6c617465)), opts: opts}
	g.c = &Corpus{Options: opts}
	g.setup()
	g.background()
	g.bursts()
	g.deliver()
	return g.c
}

// gen holds the generator's state.
type gen struct {
	r    *rand.Rand
	opts Options
	c    *Corpus
	accs []*account
	// pending events before delivery: record fields still to encode.
	evs []pendingEvent
}

type pendingEvent struct {
	rec   record
	at    time.Time
	late  bool
	burst int
}

type account struct {
	id      string
	regions []string // us-east-1 first
	users   []string
	roles   []string
	used    map[string]bool // burst identities taken
}

func (g *gen) setup() {
	others := []string{"us-west-2", "eu-west-1", "ap-southeast-2", "eu-central-1"}
	g.r.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
	nreg := 2 + g.r.IntN(3) // 2..4
	regions := append([]string{"us-east-1"}, others[:nreg-1]...)
	g.c.Regions = regions
	for range 2 {
		a := &account{id: fmt.Sprintf("%012d", 100000000000+g.r.Int64N(900000000000)),
			regions: regions, roles: []string{"app-server", "ci-deployer", "data-pipeline", "ec2-web", "lambda-etl"},
			used: map[string]bool{}}
		for i := range 40 {
			a.users = append(a.users, fmt.Sprintf("user%03d", i))
		}
		g.accs = append(g.accs, a)
		g.c.Accounts = append(g.c.Accounts, a.id)
	}
}

// at is a time in [Start+lo, Start+Duration-hi), whole seconds.
func (g *gen) at(lo, hi time.Duration) time.Time {
	span := g.opts.Duration - lo - hi
	return g.opts.Start.Add(lo + time.Duration(g.r.Int64N(int64(span/time.Second)))*time.Second)
}

// region picks one of a's regions, us-east-1 more often.
func (g *gen) region(a *account) string {
	if g.r.Float64() < 0.4 {
		return a.regions[0]
	}
	return a.regions[g.r.IntN(len(a.regions))]
}

// background adds the traffic that surrounds bursts: AWS services, console
// users, automation and a few aws-cli calls by people.
func (g *gen) background() {
	n := int(g.opts.Rate * g.opts.Duration.Seconds())
	for range n {
		a := g.accs[g.r.IntN(len(g.accs))]
		t := g.at(0, 0)
		region := g.region(a)
		p := providers[g.r.IntN(len(providers))]
		action := p.actions[g.r.IntN(len(p.actions))]
		var rec record
		switch k := g.r.Float64(); {
		case k < 0.35: // an AWS service acting for the account
			svc := pick(g.r, "ec2.amazonaws.com", "config.amazonaws.com", "cloudformation.amazonaws.com", "autoscaling.amazonaws.com")
			rec = g.record(a, identity{Type: "AWSService", InvokedBy: svc}, t, p.name, action, svc, svc, region)
		case k < 0.55: // a console user
			rec = g.record(a, g.assumedRole(a, "admin-break-glass", pick(g.r, a.users...)+"@example.com"), t, p.name, action,
				"AWS Internal", g.publicIP(), region)
			rec.SessionCredentialFromConsole = "true"
		case k < 0.97: // automation from a role
			ua := g.botoUA()
			if g.r.IntN(2) == 0 {
				ua = g.terraformUA()
			}
			rec = g.record(a, g.assumedRole(a, pick(g.r, a.roles...), g.instanceID()), t, p.name, action, ua, g.privateIP(), region)
		default: // a person with aws-cli, a call or two
			rec = g.record(a, g.iamUser(a, pick(g.r, a.users...)), t, p.name, action, g.cliUA(p.name, action), g.publicIP(), region)
		}
		g.evs = append(g.evs, pendingEvent{rec: rec, at: t, late: g.r.Float64() < BackgroundLateRate, burst: -1})
	}
}

// Kinds of burst, by how late delivery changes its alert.
const (
	burstOnTime    = iota // nothing late
	burstThreshold        // 6-7 actions; late events leave 5 or fewer on time
	burstPartial          // 8-14 actions; late events take 1-3 of them
)

// bursts adds discovery bursts, each within one 10-second window that
// starts 2 minutes after Start at the earliest and 20 minutes before the end
// of Duration at the latest (so that late events are followed by newer
// ones, as in a trail that keeps running). The first is of kind burstThreshold and the
// second of kind burstPartial, so every corpus has both.
func (g *gen) bursts() {
	var pool []call
	for _, p := range providers {
		if !p.inRule {
			continue
		}
		for _, a := range p.actions {
			if isDiscovery(a) && a != "DescribeCapacityReservations" {
				pool = append(pool, call{p.name, a})
			}
		}
	}
	for i := range g.opts.Bursts {
		kind := burstOnTime
		switch {
		case i == 0:
			kind = burstThreshold
		case i == 1:
			kind = burstPartial
		default:
			switch k := g.r.Float64(); {
			case k < 0.2:
				kind = burstThreshold
			case k < 0.5:
				kind = burstPartial
			}
		}
		a := g.accs[g.r.IntN(len(g.accs))]
		var who identity
		var ip string
		for {
			if g.r.IntN(2) == 0 {
				who = g.assumedRole(a, "ec2-web", g.instanceID())
				ip = fmt.Sprintf("172.31.%d.%d", g.r.IntN(256), 1+g.r.IntN(254))
			} else {
				who = g.iamUser(a, pick(g.r, a.users...))
				ip = g.publicIP()
			}
			if !a.used[who.ARN] {
				a.used[who.ARN] = true
				break
			}
		}
		home := a.regions[g.r.IntN(len(a.regions))]
		window := g.at(2*time.Minute, 20*time.Minute).Truncate(10 * time.Second)

		var distinct int
		switch kind {
		case burstThreshold:
			distinct = 6 + g.r.IntN(2)
		case burstPartial:
			distinct = 8 + g.r.IntN(7)
		default:
			distinct = 6 + g.r.IntN(9)
		}
		if i >= 2 && kind == burstOnTime && g.r.Float64() < 0.2 {
			distinct = 3 + g.r.IntN(3) // a near miss: 5 or fewer, never alerts
		}
		calls := slices.Clone(pool)
		g.r.Shuffle(len(calls), func(i, j int) { calls[i], calls[j] = calls[j], calls[i] })
		calls = calls[:distinct]
		// Some actions are called more than once (retries, paging).
		for range g.r.IntN(4) {
			calls = append(calls, calls[g.r.IntN(distinct)])
		}
		// Which actions are delivered late (all their calls).
		lateActions := map[string]bool{}
		switch kind {
		case burstThreshold:
			for _, c := range calls[:distinct-5] {
				lateActions[c.action] = true
			}
		case burstPartial:
			for _, c := range calls[:1+g.r.IntN(3)] {
				lateActions[c.action] = true
			}
		}
		b := Burst{ARN: who.ARN, Window: window}
		bi := len(g.c.Bursts)
		for _, c := range calls {
			t := window.Add(time.Duration(g.r.IntN(10)) * time.Second)
			region := home
			if globalServices[c.provider] {
				region = "us-east-1"
			}
			rec := g.record(a, who, t, c.provider, c.action, g.cliUA(c.provider, c.action), ip, region)
			if g.r.Float64() < 0.15 {
				rec.ErrorCode, rec.ErrorMessage = "AccessDenied", "User is not authorized to perform this operation"
			}
			late := lateActions[c.action]
			g.evs = append(g.evs, pendingEvent{rec: rec, at: t, late: late, burst: bi})
			b.Events++
			if late {
				b.LateEvents++
			}
			if !slices.Contains(b.Actions, c.action) {
				b.Actions = append(b.Actions, c.action)
			}
			if !late && !slices.Contains(b.OnTimeActions, c.action) {
				b.OnTimeActions = append(b.OnTimeActions, c.action)
			}
		}
		sort.Strings(b.Actions)
		sort.Strings(b.OnTimeActions)
		g.c.Bursts = append(g.c.Bursts, b)
	}
}

// deliver encodes the events and assigns them to delivery files.
func (g *gen) deliver() {
	sort.SliceStable(g.evs, func(i, j int) bool { return g.evs[i].at.Before(g.evs[j].at) })
	// Each account/region writes a file every Interval, at its own phase.
	phase := map[string]time.Duration{}
	for _, a := range g.accs {
		for _, region := range a.regions {
			phase[a.id+"/"+region] = time.Duration(g.r.IntN(5)) * time.Minute
		}
	}
	// slotAfter is the first of leaf's file times at or after t.
	slotAfter := func(leaf string, t time.Time) time.Time {
		base := g.opts.Start.Add(phase[leaf])
		n := (t.Sub(base) + Interval - 1) / Interval
		return base.Add(n * Interval)
	}
	type fileKey struct {
		leaf string
		at   time.Time
		late bool // the late events' own file of that time
	}
	files := map[fileKey][]int{}
	for i, pe := range g.evs {
		leaf := pe.rec.RecipientAccountID + "/" + pe.rec.AWSRegion
		var at time.Time
		sep := false
		if pe.late {
			// Delay in [LateMin, LateMax]: aim at most one Interval short
			// of LateMax and round up to the leaf's next file.
			d := LateMin + time.Duration(g.r.Int64N(int64(LateMax-LateMin-Interval)))
			at = slotAfter(leaf, pe.at.Add(d))
			sep = g.r.IntN(2) == 0
		} else {
			at = slotAfter(leaf, pe.at.Add(OnTimeMin))
			if g.r.IntN(2) == 0 {
				at = at.Add(Interval)
			}
			if at.Sub(pe.at) > OnTimeMax {
				at = at.Add(-Interval)
			}
		}
		raw, err := json.Marshal(pe.rec)
		if err != nil {
			panic(err) // plain structs of strings: cannot fail
		}
		g.c.Events = append(g.c.Events, Event{Time: pe.at, Account: pe.rec.RecipientAccountID, Region: pe.rec.AWSRegion,
			Delivery: at, Late: pe.late, Burst: pe.burst, Record: raw})
		k := fileKey{leaf, at, sep}
		files[k] = append(files[k], i)
	}
	keys := make([]fileKey, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		if a.leaf != b.leaf {
			return a.leaf < b.leaf
		}
		return !a.late && b.late
	})
	for _, k := range keys {
		acct, region, _ := strings.Cut(k.leaf, "/")
		idx := files[k]
		g.r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		stamp := k.at.Format("20060102T1504Z")
		key := fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%s.json.gz",
			acct, region, k.at.Format("2006/01/02"), acct, region, stamp, g.token(16))
		g.c.Files = append(g.c.Files, File{Key: key, Account: acct, Region: region, Delivery: k.at, Events: idx})
	}
	sort.SliceStable(g.c.Files, func(i, j int) bool {
		a, b := g.c.Files[i], g.c.Files[j]
		if !a.Delivery.Equal(b.Delivery) {
			return a.Delivery.Before(b.Delivery)
		}
		return a.Key < b.Key
	})
}

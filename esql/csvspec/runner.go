package csvspec

import (
	"errors"
	"fmt"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/trailql/trailql/esql"
)

// Status is the outcome of running one case.
type Status int

// Case outcomes.
const (
	Passed Status = iota
	Failed
	Skipped
)

func (s Status) String() string {
	return [...]string{"passed", "failed", "skipped"}[s]
}

// Result is the outcome of one case.
type Result struct {
	Status Status
	// Category groups results for summaries: for skips the kind of missing
	// feature ("capability", "data set", "unknown function", ...), for
	// failures the kind of mismatch ("compile", "values", "warnings", ...).
	Category string
	// Reason is one line: the skip reason, or the failure's first line.
	Reason string
	// Detail is the full failure description (empty for passes and skips).
	Detail string
	// Subject names what a skip lacks: the capability, data set, function
	// or command ("" for other results).
	Subject string
}

// Skip and failure categories.
const (
	CatDisabled     = "disabled (-Ignore)"
	CatVersionSkip  = "skipped by ES version range"
	CatCapability   = "required_capability"
	CatDataset      = "data set not bundled"
	CatFunction     = "unknown function"
	CatCommand      = "unsupported command"
	CatUnsupported  = "unsupported feature"
	CatCompile      = "compile"
	CatRuntime      = "runtime"
	CatPanic        = "panic"
	CatTimeout      = "timeout"
	CatDatasetError = "data set load"
)

// Runner runs cases against the esql engine over the bundled data sets.
type Runner struct {
	Dir string // directory holding the data CSVs and mappings
	// Capabilities are the required_capability names trailql claims; a case
	// requiring any other is skipped.
	Capabilities map[string]bool
	// AllCapabilities runs cases regardless of required_capability (to find
	// capabilities the engine supports).
	AllCapabilities bool
	Now             time.Time     // value of NOW()
	Timeout         time.Duration // per case; 0 = 20s

	mu       sync.Mutex
	datasets map[string]datasetLoad
}

type datasetLoad struct {
	d   *Dataset
	err error
}

// DefaultNow is the fixed NOW() of conformance runs.
var DefaultNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// NewRunner returns a runner over the data sets in dir claiming caps.
func NewRunner(dir string, caps []string) *Runner {
	r := &Runner{Dir: dir, Capabilities: map[string]bool{}, Now: DefaultNow, datasets: map[string]datasetLoad{}}
	for _, c := range caps {
		r.Capabilities[c] = true
	}
	return r
}

func (r *Runner) dataset(name string) (*Dataset, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if l, ok := r.datasets[name]; ok {
		return l.d, l.err
	}
	d, err := LoadDataset(r.Dir, name)
	r.datasets[name] = datasetLoad{d, err}
	return d, err
}

// Run runs one case.
func (r *Runner) Run(c *Case) Result {
	if c.Disabled() {
		return Result{Status: Skipped, Category: CatDisabled, Reason: "test disabled with -Ignore"}
	}
	if skip, reason, err := c.SkippedInVersion(ModelledVersion); err != nil {
		return fail(KindSpec, err.Error())
	} else if skip {
		return Result{Status: Skipped, Category: CatVersionSkip, Reason: "skipped in Elasticsearch " + ModelledVersion + " too: " + reason}
	}
	if c.Err != nil {
		return fail(KindSpec, c.Err.Error())
	}
	shape := shapeOf(c.Query)
	var sets []*Dataset
	for _, idx := range shape.Indices {
		names, err := r.resolveIndex(idx)
		if err != nil {
			return Result{Status: Skipped, Category: CatDataset, Reason: err.Error(), Subject: idx}
		}
		for _, n := range names {
			d, err := r.dataset(n)
			if err != nil {
				return fail(CatDatasetError, err.Error())
			}
			sets = append(sets, d)
		}
	}
	if !r.AllCapabilities {
		for _, cap := range c.RequiredCapabilities {
			if !r.Capabilities[cap] {
				return Result{Status: Skipped, Category: CatCapability, Reason: "required_capability " + cap + " not claimed by trailql", Subject: cap}
			}
		}
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	done := make(chan Result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fail(CatPanic, fmt.Sprintf("panic: %v\n%s", p, debug.Stack()))
			}
		}()
		done <- r.execute(c, shape, sets)
	}()
	select {
	case res := <-done:
		return res
	case <-time.After(timeout):
		// The goroutine is leaked: the engine gives no way to stop it.
		return fail(CatTimeout, fmt.Sprintf("no result after %s", timeout))
	}
}

// resolveIndex maps a FROM index pattern to bundled data sets. Patterns
// with '*' match bundled names (path.Match syntax); a remote
// "cluster:index" is never bundled.
func (r *Runner) resolveIndex(pattern string) ([]string, error) {
	if _, ok := bundled[pattern]; ok {
		return []string{pattern}, nil
	}
	if strings.Contains(pattern, "*") && !strings.Contains(pattern, ":") {
		var out []string
		for _, n := range BundledDatasets() {
			if ok, _ := path.Match(pattern, n); ok {
				out = append(out, n)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("data set %s not bundled", pattern)
}

// execute compiles and runs c over sets and asserts the outcome.
func (r *Runner) execute(c *Case, shape queryShape, sets []*Dataset) Result {
	opts := esql.Options{
		Catalog:      mergeCatalogs(sets),
		Now:          r.Now,
		DefaultLimit: 1000,  // ES|QL's default for ad-hoc queries (docs/esql-semantics.md §A7)
		MaxLimit:     10000, // esql.query.result_truncation_max_size default
	}
	prog, err := esql.Compile(c.Query, opts)
	if err != nil {
		return classifyCompileError(err, shape)
	}
	var rows [][]esql.Value
	exec := prog.Start(func(row []esql.Value) error {
		rows = append(rows, append([]esql.Value(nil), row...))
		return nil
	})
	inputs := prog.Inputs()
	keep, err := timeFilter(c.TimeFilter)
	if err != nil {
		return fail(KindSpec, err.Error())
	}
	for _, d := range sets {
		for ri := range d.Rows {
			if keep != nil && !keep(d.Value(ri, "@timestamp")) {
				continue
			}
			// A fresh slice per document: the contract does not promise
			// that Push copies what it keeps.
			doc := make([]esql.Value, len(inputs))
			for i, in := range inputs {
				doc[i] = docField(d, ri, in, opts.Catalog)
			}
			if err := exec.Push(doc); err != nil {
				return fail(CatRuntime, fmt.Sprintf("Push (%s row %d): %v", d.Name, ri, err))
			}
		}
	}
	if err := exec.Finish(); err != nil {
		return fail(CatRuntime, fmt.Sprintf("Finish: %v", err))
	}
	if m := assertColumns(c.Columns, prog.Columns()); m != nil {
		return fail(m.kind, m.msg)
	}
	if m := assertRows(c.Columns, c.Rows, rows, c.IgnoreOrder); m != nil {
		return fail(m.kind, m.msg)
	}
	warnings := append(append([]string(nil), prog.Warnings()...), exec.Warnings()...)
	if m := assertWarnings(c, warnings); m != nil {
		return fail(m.kind, m.msg)
	}
	return Result{Status: Passed}
}

// docField is the value of input field in for document ri of d. _index
// and _id are the METADATA fields ES would return; a field whose types
// conflict between the queried indices is unsupported and reads as null.
func docField(d *Dataset, ri int, in string, cat esql.Catalog) esql.Value {
	switch in {
	case "_index":
		return keyword(d.Name)
	case "_id":
		return keyword(fmt.Sprintf("%s-%d", d.Name, ri))
	}
	if cat[in] == typeUnsupported {
		return null
	}
	return d.Value(ri, in)
}

// mergeCatalogs unions the catalogs of the queried data sets; a field with
// different types in different indices becomes unsupported, as ES|QL marks
// such fields ("Cannot use field [x] due to ambiguities").
func mergeCatalogs(sets []*Dataset) esql.Catalog {
	if len(sets) == 1 {
		return sets[0].Catalog
	}
	out := esql.Catalog{}
	for _, d := range sets {
		for f, t := range d.Catalog {
			if prev, ok := out[f]; ok && prev != t {
				out[f] = typeUnsupported
				continue
			}
			out[f] = t
		}
	}
	return out
}

// timeFilter builds the request_time_filter predicate: a range query on
// @timestamp with gte/lte (a document matches when any value is in range).
func timeFilter(f []string) (func(esql.Value) bool, error) {
	if f == nil {
		return nil, nil
	}
	gte, err1 := parseDate(f[0])
	lte, err2 := parseDate(f[1])
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("request_time_filter: %v", err)
	}
	return func(v esql.Value) bool {
		for i := 0; i < v.Count(); i++ {
			s, ok := v.Index(i).JSON().(string)
			if !ok {
				continue
			}
			if t, err := parseDate(s); err == nil && !t.Before(gte) && !t.After(lte) {
				return true
			}
		}
		return false
	}, nil
}

func fail(cat, detail string) Result {
	first, _, _ := strings.Cut(detail, "\n")
	return Result{Status: Failed, Category: cat, Reason: first, Detail: detail}
}

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/exception"
	"github.com/trailql/trailql/rule"
)

// exceptionFlags are --exceptions, --value-list and --explain-exceptions.
type exceptionFlags struct {
	files      []string
	valueLists []string
	explain    bool
}

// addExceptionFlags adds the exception flags; explain adds
// --explain-exceptions (the hunt only: it evaluates rules twice).
func addExceptionFlags(fl *pflag.FlagSet, explain bool) *exceptionFlags {
	f := &exceptionFlags{}
	fl.StringArrayVar(&f.files, "exceptions", nil, "Kibana exception list `FILE` (an _export NDJSON, or a detection-rules exception TOML) applied to every rule, as Kibana applies exceptions to ES|QL rules: matching source events are removed before the query runs; repeatable")
	fl.StringArrayVar(&f.valueLists, "value-list", nil, "the values (one a line) of the Kibana value list that list entries name, as `[ID=]FILE` (ID defaults to FILE's base name, as Kibana names an imported list); repeatable")
	if explain {
		fl.BoolVar(&f.explain, "explain-exceptions", false, "print, per rule and exception item, the events and alerts it removed (evaluates each rule with exceptions twice)")
	}
	return f
}

// load reads the exception lists: those of --exceptions apply to every
// rule; those bundled in a Kibana rule export given to --rules apply to the
// rules whose exceptions_list names them. Nil when there are none.
func (f *exceptionFlags) load(ruleSpecs []string) (*detect.Exceptions, error) {
	lists := exception.NewSet()
	for _, p := range ruleSpecs {
		st, err := os.Stat(p)
		if err != nil || st.IsDir() {
			continue // rule loading reports it
		}
		data, err := os.ReadFile(p)
		if err != nil || !rule.IsNDJSON(data) {
			continue
		}
		if err := lists.Load(p, data); err != nil {
			return nil, usageErrorf("--rules %s: exception lists: %v", p, err)
		}
	}
	global := exception.NewSet()
	for _, p := range f.files {
		if err := global.LoadFile(p); err != nil {
			return nil, usageErrorf("--exceptions: %v", err)
		}
		if err := lists.LoadFile(p); err != nil {
			return nil, usageErrorf("--exceptions: %v", err)
		}
	}
	values := exception.ValueLists{}
	for _, spec := range f.valueLists {
		if err := values.LoadValueList(spec); err != nil {
			return nil, usageErrorf("--value-list: %v", err)
		}
	}
	// A list entry whose value list was not given is looked for beside
	// the file that names it: Kibana names a value list by the file it was
	// imported from, so an export kept with its lists' files just works.
	for _, l := range lists.Lists() {
		for _, it := range l.Items {
			for _, id := range valueListIDs(it.Entries) {
				if _, ok := values[id]; ok || strings.ContainsAny(id, `/\`) || id == ".." {
					continue
				}
				beside := filepath.Join(filepath.Dir(l.Source), id)
				if st, err := os.Stat(beside); err == nil && st.Mode().IsRegular() {
					if err := values.LoadValueList(id + "=" + beside); err != nil {
						return nil, usageErrorf("value list %s: %v", beside, err)
					}
				}
			}
		}
	}
	if lists.Len() == 0 {
		if len(f.valueLists) > 0 {
			return nil, usageErrorf("--value-list needs --exceptions (or a rule export with exception lists) whose list entries name it")
		}
		return nil, nil
	}
	return &detect.Exceptions{Global: global.Lists(), Lists: lists, ValueLists: values, Explain: f.explain}, nil
}

// printExceptionWarnings shows the exception items' warnings once.
func printExceptionWarnings(w io.Writer, warns []string) {
	for _, s := range warns {
		fmt.Fprintln(w, "trailql: warning:", s)
	}
}

// printExceptionReport writes what each item removed, one line an item.
func printExceptionReport(w io.Writer, stats []detect.ExceptionStat) {
	if len(stats) == 0 {
		return
	}
	fmt.Fprintln(w, "trailql: exceptions:")
	for _, s := range stats {
		alerts := ""
		if s.Alerts >= 0 {
			alerts = ", " + plural(s.Alerts, "alert") + " removed"
		}
		fmt.Fprintf(w, "  rule %q  item %s: %s removed%s\n", s.Rule, s.Item.Label(), plural(int(s.Events), "event"), alerts)
	}
}

// exceptionSummary is the summary's part about exceptions ("" without).
func exceptionSummary(ex *detect.Exceptions, removed int64) string {
	if ex == nil {
		return ""
	}
	return fmt.Sprintf(", %s removed by exceptions", plural(int(removed), "event"))
}

// valueListIDs are the value lists entries name (nested ones included).
func valueListIDs(entries []exception.Entry) []string {
	var ids []string
	for _, e := range entries {
		if e.List != nil {
			ids = append(ids, e.List.ID)
		}
		ids = append(ids, valueListIDs(e.Entries)...)
	}
	return ids
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/esql/parser"
	"github.com/trailql/trailql/internal/termtext"
	"github.com/trailql/trailql/rule"
	"github.com/trailql/trailql/ruletest"
)

// newRulesCmd is "trailql rules": list, validate, show and test rules.
func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List, validate, show and test detection rules",
		Long: `rules works on Elastic detection rules (TOML): the 25 CloudTrail ES|QL rules
bundled in trailql, or your own files and directories.`,
	}
	cmd.AddCommand(newRulesListCmd(), newRulesValidateCmd(), newRulesShowCmd(), newRulesTestCmd())
	return cmd
}

func newRulesListCmd() *cobra.Command {
	var dirs []string
	var filter *rule.Filter
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List rules: id, severity, name",
		Long: `list prints one line per rule: its rule_id, severity and name, sorted by
name. Without --rules it lists the bundled CloudTrail rules.`,
		Example: `  trailql rules list
  trailql rules list --rules my-rules/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rules, err := loadRulesOrBundled(dirs)
			if err != nil {
				return err
			}
			if rules, err = filterRules(rules, filter); err != nil {
				return err
			}
			sort.SliceStable(rules, func(i, j int) bool { return rules[i].Name < rules[j].Name })
			rows := make([][]string, len(rules))
			for i, r := range rules {
				bb := ""
				if r.BuildingBlockType != "" {
					bb = " (building block)"
				}
				rows[i] = []string{r.RuleID, r.Severity, sanitize(r.Name) + bb}
			}
			_, err = termtext.Table{}.Write(cmd.OutOrStdout(), rows)
			return err
		},
	}
	cmd.Flags().StringArrayVar(&dirs, "rules", nil, "rule `FILE|DIR` to list instead of the bundled rules; repeatable")
	filter = addRuleFilterFlags(cmd.Flags())
	return cmd
}

// loadRulesOrBundled loads rule files, or returns the bundled rules when
// none are given. A rule that fails to load is a usage error (exit 2).
func loadRulesOrBundled(paths []string) ([]*rule.Rule, error) {
	if len(paths) == 0 {
		return rule.Bundled(), nil
	}
	rules, err := rule.Load(paths...)
	if err != nil {
		return nil, withStatus(exitUsage, err)
	}
	return rules, nil
}

func newRulesValidateCmd() *cobra.Command {
	var parseOnly bool
	var format string
	cmd := &cobra.Command{
		Use:   "validate [flags] [DIR|FILE...]",
		Short: "Parse and type-check rules",
		Long: `validate reads each rule (TOML, *.toml files of directories, recursively),
parses its ES|QL query and type-checks it against the CloudTrail field catalog
(the fields of Elastic's logs-aws.cloudtrail-* indices), as Elasticsearch would
when the rule runs. It prints one line per rule, "ok" or the error with
file:line:col, then a summary, and exits with status 2 if any rule is invalid.

--parse-only stops after parsing: use it for rules written for other
integrations (Azure, Okta, Elastic Defend, ...), whose fields the CloudTrail
catalog does not have. Without arguments it validates the bundled rules.`,
		Example: `  trailql rules validate
  trailql rules validate my-rules/ extra.toml
  trailql rules validate --parse-only detection-rules/rules/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErrorf("unknown --format %q (want text or json)", format)
			}
			return runValidate(cmd.OutOrStdout(), args, parseOnly, format)
		},
	}
	cmd.Flags().BoolVar(&parseOnly, "parse-only", false, "only parse the queries, do not type-check them against the CloudTrail catalog")
	cmd.Flags().StringVar(&format, "format", "text", "output `FORMAT`: text, or json (one document: each rule's status and error, and the counts) for CI")
	return cmd
}

// validation is one rule's outcome in `rules validate --format json`.
type validation struct {
	Path   string `json:"path"`
	RuleID string `json:"rule_id,omitempty"`
	Name   string `json:"name,omitempty"`
	// Status is "ok", "invalid", or "skipped" (a rule of another type).
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// runValidate validates each rule file of paths (the bundled rules when
// paths is empty). Rules of other types (KQL, EQL, machine learning) are
// skipped, not failed: a detection-rules checkout holds them all.
func runValidate(out io.Writer, paths []string, parseOnly bool, format string) error {
	type item struct {
		path string
		r    *rule.Rule
		err  error
	}
	var items []item
	if len(paths) == 0 {
		for _, r := range rule.Bundled() {
			items = append(items, item{path: r.Path, r: r})
		}
	} else {
		files, err := ruleFiles(paths)
		if err != nil {
			return withStatus(exitUsage, err)
		}
		if len(files) == 0 {
			return usageErrorf("no rule files (*.toml) in %s", strings.Join(paths, " "))
		}
		for _, f := range files {
			r, err := rule.LoadFile(f)
			items = append(items, item{path: f, r: r, err: err})
		}
	}
	now := time.Now().UTC()
	var results []validation
	counts := map[string]int{}
	for _, it := range items {
		v := validation{Path: it.path}
		if it.r != nil {
			v.RuleID, v.Name = it.r.RuleID, it.r.Name
		}
		err := it.err
		if err == nil {
			if parseOnly {
				err = parseRule(it.r)
			} else {
				_, err = detect.CompileRule(it.r, now)
			}
		}
		switch {
		case err == nil:
			v.Status = "ok"
		case rule.IsUnsupported(err):
			v.Status, v.Error = "skipped", err.Error()
		default:
			v.Status, v.Error = "invalid", err.Error()
		}
		counts[v.Status]++
		results = append(results, v)
	}
	if format == "json" {
		if results == nil {
			results = []validation{}
		}
		doc := map[string]any{"rules": results, "valid": counts["ok"], "invalid": counts["invalid"], "skipped": counts["skipped"]}
		if err := json.NewEncoder(out).Encode(doc); err != nil {
			return withStatus(exitError, err)
		}
	} else {
		for _, v := range results {
			switch v.Status {
			case "ok":
				fmt.Fprintf(out, "ok   %s (%s)\n", v.Path, sanitize(v.Name))
			case "skipped":
				fmt.Fprintf(out, "skip %s\n", sanitize(v.Error))
			default:
				fmt.Fprintln(out, sanitize(v.Error))
			}
		}
		checked := len(results) - counts["skipped"]
		fmt.Fprintf(out, "%d of %d valid", counts["ok"], checked)
		if counts["skipped"] > 0 {
			fmt.Fprintf(out, " (%d rules of other types skipped)", counts["skipped"])
		}
		fmt.Fprintln(out)
	}
	if counts["invalid"] > 0 {
		return withStatus(exitUsage, errPartialValid)
	}
	return nil
}

// errPartialValid is the exit-2 signal of validate; the lines already say
// which rules failed, so run() prints nothing more.
var errPartialValid = errors.New("some rules are invalid")

// parseRule parses a rule's query without type-checking, and names errors by
// file:line:col like detect.CompileRule does.
func parseRule(r *rule.Rule) error {
	if _, err := parser.Parse(r.Query); err != nil {
		return detect.RuleError(r, err)
	}
	return nil
}

// ruleFiles expands paths into rule files: a file as given, a directory's
// *.toml files recursively, in lexical order.
func ruleFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var files []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".toml") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		out = append(out, files...)
	}
	return out, nil
}

func newRulesShowCmd() *cobra.Command {
	var dirs []string
	cmd := &cobra.Command{
		Use:   "show [flags] ID|NAME|FILE",
		Short: "Show a rule: metadata, threat mapping, schedule, query and investigation guide",
		Long: `show prints one rule for a person at a terminal: its metadata, MITRE ATT&CK
mapping, schedule, query (with the file's line numbers) and investigation
guide, with the Markdown turned into plain text. The rule is a file, or a rule
of the bundled set (or of --rules) named by rule_id, file name or name (a
unique case-insensitive part of the name is enough).`,
		Example: `  trailql rules show 74f45152-9aee-11ef-b0a5-f661ea17fbcd
  trailql rules show "Discovery API Calls via CLI"
  trailql rules show my-rules/rule.toml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := findRule(args[0], dirs)
			if err != nil {
				return err
			}
			width := terminalWidth(os.Stdout)
			if width <= 0 || width > 100 {
				width = 100
			}
			return showRule(cmd.OutOrStdout(), r, width)
		},
	}
	cmd.Flags().StringArrayVar(&dirs, "rules", nil, "rule `FILE|DIR` to search instead of the bundled rules; repeatable")
	return cmd
}

// findRule resolves a rule by file path, else by rule_id, file name, exact
// name or unique name substring among the bundled rules (or dirs).
func findRule(ref string, dirs []string) (*rule.Rule, error) {
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		r, err := rule.LoadFile(ref)
		if err != nil {
			return nil, withStatus(exitUsage, err)
		}
		return r, nil
	}
	rules, err := loadRulesOrBundled(dirs)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		stem := strings.TrimSuffix(filepath.Base(r.Path), ".toml")
		if r.RuleID == ref || stem == ref || strings.EqualFold(r.Name, ref) {
			return r, nil
		}
	}
	var matches []*rule.Rule
	for _, r := range rules {
		if strings.Contains(strings.ToLower(r.Name), strings.ToLower(ref)) {
			matches = append(matches, r)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return nil, usageErrorf("no rule %q (try 'trailql rules list')", ref)
	}
	names := make([]string, len(matches))
	for i, r := range matches {
		names[i] = "  " + r.RuleID + "  " + sanitize(r.Name)
	}
	return nil, usageErrorf("%q matches %d rules:\n%s", ref, len(matches), strings.Join(names, "\n"))
}

// showRule renders a rule for a terminal.
func showRule(w io.Writer, r *rule.Rule, width int) error {
	p := &printer{w: w, width: width}
	name := sanitize(r.Name)
	p.line(name)
	p.line(strings.Repeat("=", min(termtext.Width(name), width)))
	p.blank()
	kv := func(k, v string) {
		if v != "" {
			p.wrap(fmt.Sprintf("%-16s", k), "                ", sanitize(v))
		}
	}
	kv("rule_id", r.RuleID)
	kv("severity", fmt.Sprintf("%s (risk score %d)", r.Severity, r.RiskScore))
	kind := r.Type
	if r.BuildingBlockType != "" {
		kind += ", building block"
	}
	kv("type", kind)
	sched := fmt.Sprintf("every %s, looking back to %s", r.Interval, r.From)
	if r.TimestampOverride != "" {
		sched += fmt.Sprintf(" (time field %s, falling back to @timestamp)", r.TimestampOverride)
	}
	kv("schedule", sched)
	kv("max_signals", fmt.Sprint(r.MaxSignals))
	kv("index", strings.Join(r.Index, ", "))
	kv("version", fmt.Sprint(r.Version))
	kv("maturity", r.Metadata.Maturity)
	kv("created", r.Metadata.CreationDate)
	kv("updated", r.Metadata.UpdatedDate)
	kv("integration", strings.Join(r.Metadata.Integration, ", "))
	kv("author", strings.Join(r.Author, ", "))
	kv("license", r.License)
	kv("file", r.Path)
	kv("tags", strings.Join(r.Tags, ", "))
	kv("investigate", strings.Join(r.InvestigationFields, ", "))
	if s := r.AlertSuppression; s != nil {
		v := "by " + strings.Join(s.GroupBy, ", ")
		if s.Duration != nil {
			v += fmt.Sprintf(" for %d%s", s.Duration.Value, s.Duration.Unit)
		}
		kv("suppression", v)
	}

	p.section("Description")
	p.markdown(r.Description)
	if len(r.Threat) > 0 {
		p.section("MITRE ATT&CK")
		for _, t := range r.Threat {
			p.wrap("  ", "    ", sanitize(fmt.Sprintf("%s %s (%s)", t.Tactic.ID, t.Tactic.Name, t.Framework)))
			for _, te := range t.Technique {
				p.wrap("    ", "      ", sanitize(te.ID+" "+te.Name))
				for _, st := range te.Subtechnique {
					p.wrap("      ", "        ", sanitize(st.ID+" "+st.Name))
				}
			}
		}
	}
	if len(r.FalsePositives) > 0 {
		p.section("False positives")
		for _, fp := range r.FalsePositives {
			p.wrap("  - ", "    ", termtext.Inline(sanitize(strings.Join(strings.Fields(fp), " "))))
		}
	}
	if len(r.References) > 0 {
		p.section("References")
		for _, ref := range r.References {
			p.line("  " + sanitize(ref))
		}
	}
	p.section("Query")
	for i, l := range strings.Split(strings.TrimRight(r.Query, "\n"), "\n") {
		n := i + 1
		if r.QueryLine > 0 {
			n, _ = r.FileLine(i+1, 1)
		}
		p.line(fmt.Sprintf("%5d | %s", n, sanitize(l)))
	}
	if strings.TrimSpace(r.Note) != "" {
		p.section("Investigation guide")
		p.markdown(r.Note)
	}
	if strings.TrimSpace(r.Setup) != "" {
		p.section("Setup")
		p.markdown(r.Setup)
	}
	return p.err
}

// printer writes wrapped plain text and remembers the first write error.
type printer struct {
	w     io.Writer
	width int
	err   error
	// atBlank is set after an empty line, so blocks are separated by one
	// blank line however the Markdown spaced them.
	atBlank bool
}

func (p *printer) line(s string) {
	s = strings.TrimRight(s, " ")
	p.atBlank = s == ""
	if p.err == nil {
		_, p.err = fmt.Fprintln(p.w, s)
	}
}

// blank ends a block with one empty line (never two in a row).
func (p *printer) blank() {
	if !p.atBlank {
		p.line("")
	}
}

func (p *printer) section(title string) {
	p.blank()
	p.line(title)
	p.line(strings.Repeat("-", termtext.Width(title)))
}

// wrap prints text word-wrapped to the width, the first line after first,
// the others after rest.
func (p *printer) wrap(first, rest, text string) {
	for _, l := range termtext.Wrap(text, p.width, first, rest) {
		p.line(l)
	}
}

// markdown prints Markdown (a description or investigation guide) as plain
// text; termtext.Markdown sanitizes it.
func (p *printer) markdown(md string) {
	for _, l := range termtext.Markdown(md, p.width) {
		p.line(l)
	}
}

// sanitize makes rule text and messages safe to print on a terminal: rule
// files are input, and escape sequences in a name or note could rewrite the
// screen or hide text. It is termtext.Sanitize for prose: newlines kept,
// tabs expanded, control and bidirectional formatting characters removed.
func sanitize(s string) string { return termtext.Sanitize(s, termtext.Text) }

func newRulesTestCmd() *cobra.Command {
	var verbose bool
	var format string
	var runPattern string
	var geoip *geoipFlags
	var exceptions *exceptionFlags
	cmd := &cobra.Command{
		Use:   "test [flags] DIR|FILE...",
		Short: "Run rule script tests (*.test)",
		Long: `test runs script tests: small text files that feed raw CloudTrail records to a
rule (or an ad-hoc ES|QL query) and state the alerts (or rows) expected. See
testdata/rules/ in the trailql repository for examples and the ruletest
package documentation for the format. Directories are searched recursively for
*.test files. It prints PASS, FAIL or SKIP per case, the failed expectations
with file:line, and a summary; the exit status is 1 if any case failed or a
script could not be read.

A case that states "geoip" lines runs on GeoIP/ASN databases built from them;
a case marked "requires geoip" without such lines runs on the databases given
with --geoip-city/--geoip-asn, and is skipped without them.`,
		Example: `  trailql rules test testdata/rules/
  trailql rules test -v --run 'window' testdata/rules/discovery_multiple_discovery_api_calls_via_cli/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var re *regexp.Regexp
			if runPattern != "" {
				var err error
				if re, err = regexp.Compile(runPattern); err != nil {
					return usageErrorf("--run: %v", err)
				}
			}
			geo, err := geoip.open()
			if err != nil {
				return err
			}
			if geo != nil {
				defer geo.Close()
			}
			if format != "text" && format != "junit" {
				return usageErrorf("unknown --format %q (want text or junit)", format)
			}
			ex, err := exceptions.load(nil)
			if err != nil {
				return err
			}
			return runRuleTests(cmd.OutOrStdout(), args, re, verbose, format, ruletest.Options{GeoIP: geo, Exceptions: ex})
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output `FORMAT`: text, or junit (JUnit XML, for CI systems)")
	geoip = addGeoIPFlags(cmd.Flags())
	exceptions = addExceptionFlags(cmd.Flags(), false)
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "also print warnings and the alerts' group columns of every case")
	cmd.Flags().StringVar(&runPattern, "run", "", "run only the cases whose file/case name matches `REGEXP`")
	return cmd
}

// runRuleTests runs the scripts of paths and prints one line per case.
func runRuleTests(out io.Writer, paths []string, re *regexp.Regexp, verbose bool, format string, opts ruletest.Options) error {
	files, err := ruletest.Find(paths...)
	if err != nil {
		return withStatus(exitUsage, err)
	}
	if len(files) == 0 {
		return usageErrorf("no script tests (*.test) in %s", strings.Join(paths, " "))
	}
	var passed, failed, skipped, broken int
	junit := format == "junit"
	var report junitReport
	text := out
	if junit {
		text = io.Discard
	}
	for _, f := range files {
		s, err := ruletest.ParseFile(f)
		suite := junitSuite{Name: filepath.ToSlash(f)}
		if err != nil {
			broken++
			fmt.Fprintf(text, "ERROR %v\n", err)
			suite.Errors = 1
			suite.Cases = append(suite.Cases, junitCase{Name: "(script)", Class: suite.Name, Error: &junitMessage{Message: err.Error()}})
			report.add(suite)
			continue
		}
		for _, c := range s.Cases {
			name := f + ": " + c.Name
			if re != nil && !re.MatchString(filepath.ToSlash(f)+"/"+c.Name) {
				continue
			}
			res := c.Run(opts)
			jc := junitCase{Name: c.Name, Class: suite.Name}
			switch {
			case res.Skipped != "":
				skipped++
				fmt.Fprintf(text, "SKIP  %s (%s)\n", name, res.Skipped)
				jc.Skipped = &junitMessage{Message: res.Skipped}
				suite.Skipped++
				suite.Cases = append(suite.Cases, jc)
				continue
			case res.Passed():
				passed++
				fmt.Fprintf(text, "PASS  %s\n", name)
			default:
				failed++
				fmt.Fprintf(text, "FAIL  %s\n", name)
				for _, msg := range res.Failures {
					fmt.Fprintf(text, "      %s\n", sanitize(msg))
				}
				jc.Failure = &junitMessage{Message: res.Failures[0], Text: strings.Join(res.Failures, "\n")}
				suite.Failures++
			}
			suite.Cases = append(suite.Cases, jc)
			if verbose && !junit {
				for _, w := range res.Warnings {
					fmt.Fprintf(out, "      warning: %s\n", sanitize(w))
				}
				for i, a := range res.Alerts {
					fmt.Fprintf(out, "      alert %d: %s\n", i+1, sanitize(alertSummary(a.Doc.Get, a.GroupBy, a.Columns)))
				}
			}
		}
		report.add(suite)
	}
	if junit {
		if err := report.write(out); err != nil {
			return withStatus(exitError, err)
		}
		out = io.Discard
	}
	fmt.Fprintf(out, "%d passed, %d failed, %d skipped", passed, failed, skipped)
	if broken > 0 {
		fmt.Fprintf(out, ", %d scripts with errors", broken)
	}
	fmt.Fprintln(out)
	if failed > 0 || broken > 0 {
		return withStatus(exitError, errTestsFailed)
	}
	return nil
}

// errTestsFailed is the exit-1 signal of test; the output already says why.
var errTestsFailed = errors.New("some rule tests failed")

// alertSummary shows an alert's identifying columns (its group columns, or
// the first few columns of a non-aggregating rule).
func alertSummary(get func(string) (any, bool), groupBy, cols []string) string {
	keys := groupBy
	if len(keys) == 0 {
		keys = cols
		if len(keys) > 4 {
			keys = keys[:4]
		}
	}
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v, ok := get(k)
		if !ok {
			v = nil
		}
		parts = append(parts, fmt.Sprintf("%s=%v", k, v))
	}
	return strings.Join(parts, " ")
}

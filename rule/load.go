package rule

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Load reads rules from files and directories. A directory is searched
// recursively for *.toml files, in lexical order; a file named explicitly is
// read whatever its extension: a TOML rule, or a Kibana rule export
// (NDJSON: ParseNDJSON). It returns every rule that loaded and,
// if anything failed, an error joining one *Error per failure (each naming
// its file, and line:col where known), so callers can report all problems
// at once and still decide to run the rules that did load. A rule_id seen
// twice is a failure of the second file.
func Load(paths ...string) ([]*Rule, error) {
	var (
		rules []*Rule
		errs  []error
		seen  = map[string]string{}
	)
	add := func(r *Rule, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		if prev, dup := seen[r.RuleID]; dup {
			errs = append(errs, &Error{File: r.Path, Msg: fmt.Sprintf("duplicate rule_id %s (also in %s)", r.RuleID, prev)})
			return
		}
		seen[r.RuleID] = r.Path
		rules = append(rules, r)
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, &Error{File: p, Msg: unwrapPathError(err)})
			continue
		}
		if !st.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				errs = append(errs, &Error{File: p, Msg: unwrapPathError(err)})
				continue
			}
			if IsNDJSON(data) {
				// A Kibana rule export: its rules, each with its own
				// exceptions_list.
				rs, err := ParseNDJSON(p, data)
				for _, r := range rs {
					add(r, nil)
				}
				if j, ok := err.(interface{ Unwrap() []error }); ok {
					errs = append(errs, j.Unwrap()...)
				} else if err != nil {
					errs = append(errs, err)
				}
				continue
			}
			add(Parse(p, data))
			continue
		}
		var files []string
		werr := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, &Error{File: path, Msg: unwrapPathError(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".toml") {
				files = append(files, path)
			}
			return nil
		})
		if werr != nil {
			errs = append(errs, &Error{File: p, Msg: werr.Error()})
		}
		sort.Strings(files)
		for _, f := range files {
			add(LoadFile(f))
		}
	}
	return rules, errors.Join(errs...)
}

// unwrapPathError drops the path from an *fs.PathError, since *Error
// already names the file.
func unwrapPathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/BurntSushi/toml"
	"github.com/spf13/pflag"
)

// applyConfig reads a TOML file whose keys are the command's flag names
// (`sink = ["file:/var/log/trailql/alerts.ndjson"]`, `allowed-lateness =
// "15m"`) and sets every flag the command line did not set: flags win over
// the file, the file over defaults. Unknown keys are errors, so a typo does
// not silently fall back to a default.
func applyConfig(fs *pflag.FlagSet, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return usageErrorf("--config: %v", err)
	}
	var values map[string]any
	if _, err := toml.Decode(string(data), &values); err != nil {
		return usageErrorf("--config %s: %v", path, err)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fl := fs.Lookup(k)
		if fl == nil || k == "config" {
			return usageErrorf("--config %s: unknown setting %q", path, k)
		}
		if fl.Changed {
			continue
		}
		var items []any
		switch v := values[k].(type) {
		case []any:
			items = v
		default:
			items = []any{v}
		}
		for _, it := range items {
			if err := fs.Set(k, fmt.Sprint(it)); err != nil {
				return usageErrorf("--config %s: %s: %v", path, k, err)
			}
		}
	}
	return nil
}

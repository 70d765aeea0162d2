package investigate

import (
	_ "embed"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Sensitive is one group of the sensitive-action catalogue.
type Sensitive struct {
	Group     string   `yaml:"group" json:"group"`
	Tactic    string   `yaml:"tactic" json:"tactic"`
	Technique string   `yaml:"technique" json:"technique"`
	Why       string   `yaml:"why" json:"why"`
	Actions   []string `yaml:"actions" json:"-"`
}

// Catalog finds the sensitive group of an action.
type Catalog struct {
	exact  map[string]*Sensitive // provider:Name
	prefix []catalogPrefix
}

type catalogPrefix struct {
	p string
	s *Sensitive
}

//go:embed sensitive.yaml
var builtinCatalog []byte

// DefaultCatalog is the built-in catalogue (sensitive.yaml).
func DefaultCatalog() *Catalog {
	c, err := ParseCatalog(builtinCatalog)
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return c
}

// LoadCatalog reads a catalogue file in sensitive.yaml's format.
func LoadCatalog(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseCatalog(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}

// ParseCatalog parses a catalogue: a YAML list of groups, each with its
// actions as provider:Name (Name* matches by prefix).
func ParseCatalog(data []byte) (*Catalog, error) {
	var groups []*Sensitive
	if err := yaml.Unmarshal(data, &groups); err != nil {
		return nil, err
	}
	c := &Catalog{exact: map[string]*Sensitive{}}
	for i, g := range groups {
		if g.Group == "" || len(g.Actions) == 0 {
			return nil, fmt.Errorf("group %d: want a group name and actions", i+1)
		}
		for _, a := range g.Actions {
			provider, name, ok := strings.Cut(a, ":")
			if !ok || provider == "" || name == "" {
				return nil, fmt.Errorf("group %q: action %q is not provider:Name", g.Group, a)
			}
			if p, ok := strings.CutSuffix(a, "*"); ok {
				c.prefix = append(c.prefix, catalogPrefix{p, g})
			} else {
				c.exact[a] = g
			}
		}
	}
	return c, nil
}

// Match returns the group of an event's action, nil when it is not
// sensitive. provider is event.provider (iam.amazonaws.com).
func (c *Catalog) Match(provider, action string) *Sensitive {
	key := strings.TrimSuffix(provider, ".amazonaws.com") + ":" + action
	if s, ok := c.exact[key]; ok {
		return s
	}
	for _, p := range c.prefix {
		if strings.HasPrefix(key, p.p) {
			return p.s
		}
	}
	return nil
}

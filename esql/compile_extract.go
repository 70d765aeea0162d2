package esql

import (
	"github.com/trailql/trailql/esql/parser"
)

// extractSpec is DISSECT or GROK: it parses a string column into new
// columns. A null input or a failed match gives nulls; a multi-valued
// input is parsed from its first value (ES ColumnExtractOperator).
type extractSpec struct {
	input evalFn
	slots []int
	parse func(s string, out []Value) bool
}

type extractOp struct {
	*extractSpec
	env  *env
	out  []Value
	next operator
}

func (s *extractSpec) build(x *Execution, next operator) operator {
	return &extractOp{extractSpec: s, env: x.env, out: make([]Value, len(s.slots)), next: next}
}

func (o *extractOp) push(row []Value) error {
	for i := range o.out {
		o.out[i] = Value{}
	}
	v := o.input(o.env, row)
	if v.t != Null {
		ok := o.parse(v.Index(0).s, o.out)
		if !ok {
			for i := range o.out {
				o.out[i] = Value{}
			}
		}
	}
	for i, s := range o.slots {
		row[s] = o.out[i]
	}
	return o.next.push(row)
}
func (o *extractOp) finish() error { return o.next.finish() }

// addExtracted appends the extracted columns, replacing same-named ones.
func (c *checker) addExtracted(names []string, types []DataType) []int {
	slots := make([]int, len(names))
	for i, name := range names {
		slots[i] = c.seg.alloc()
		c.removeColumn(name)
		c.schema = append(c.schema, column{name: name, typ: types[i], ref: &slotRef{slot: slots[i], seg: c.seg}})
	}
	return slots
}

// compileDissect implements DISSECT input "pattern" [APPEND_SEPARATOR="sep"]:
// keyword columns named by the pattern's keys.
func (c *checker) compileDissect(cmd *parser.DissectCommand) {
	x := c.compileExpr(cmd.Input)
	if x.bad {
		return
	}
	if !isString(x.typ) && x.typ != Null {
		c.errorf(cmd.Input.Pos(), "Dissect only supports KEYWORD or TEXT values, found expression [%s] type [%s]", c.text(cmd.Input), x.typ)
		return
	}
	pattern, _ := cmd.Pattern.Value.(string)
	sep := ""
	if cmd.AppendSeparator != nil {
		sep, _ = cmd.AppendSeparator.Value.(string)
	}
	d, err := parseDissect(pattern, sep)
	if err != nil {
		c.errorf(cmd.Pattern.Pos(), "Invalid pattern for dissect: [%s]", err)
		return
	}
	types := make([]DataType, len(d.outputs))
	for i := range types {
		types[i] = Keyword
	}
	slots := c.addExtracted(d.outputs, types)
	c.ops = append(c.ops, &extractSpec{input: x.fn, slots: slots, parse: d.parse})
}

// compileGrok implements GROK input "pattern"[, "pattern"...]: the named
// captures become columns (keyword unless typed :int, :long, :double,
// :boolean); the first pattern that matches wins.
func (c *checker) compileGrok(cmd *parser.GrokCommand) {
	x := c.compileExpr(cmd.Input)
	if x.bad {
		return
	}
	if !isString(x.typ) && x.typ != Null {
		c.errorf(cmd.Input.Pos(), "GROK only supports KEYWORD or TEXT values, found expression [%s] type [%s]", c.text(cmd.Input), x.typ)
		return
	}
	var gs []*grokker
	var names []string
	var types []DataType
	seen := map[string]int{}
	for _, p := range cmd.Patterns {
		pattern, _ := p.Value.(string)
		g, err := compileGrok(pattern)
		if err != nil {
			c.errorf(p.Pos(), "Invalid GROK pattern [%s]: [%s]", pattern, err)
			return
		}
		gs = append(gs, g)
		for _, f := range g.fields {
			if i, ok := seen[f.name]; ok {
				if types[i] != f.typ {
					c.errorf(p.Pos(), "Invalid GROK pattern [%s]: the attribute [%s] is defined multiple times with different types", pattern, f.name)
					return
				}
				continue
			}
			seen[f.name] = len(names)
			names = append(names, f.name)
			types = append(types, f.typ)
		}
	}
	slots := c.addExtracted(names, types)
	c.ops = append(c.ops, &extractSpec{input: x.fn, slots: slots, parse: func(s string, out []Value) bool {
		for _, g := range gs {
			if g.parse(s, names, out) {
				return true
			}
		}
		return false
	}})
}

// ExtractedColumns returns the names of the columns a DISSECT or GROK
// command adds (and overwrites, where a name is taken), for callers that
// reason about a query's syntax; ok is false for another command or a
// pattern that does not compile.
func ExtractedColumns(cmd parser.Command) (names []string, ok bool) {
	switch cmd := cmd.(type) {
	case *parser.DissectCommand:
		pattern, _ := cmd.Pattern.Value.(string)
		d, err := parseDissect(pattern, "")
		if err != nil {
			return nil, false
		}
		return d.outputs, true
	case *parser.GrokCommand:
		for _, p := range cmd.Patterns {
			pattern, _ := p.Value.(string)
			g, err := compileGrok(pattern)
			if err != nil {
				return nil, false
			}
			for _, f := range g.fields {
				names = append(names, f.name)
			}
		}
		return names, true
	}
	return nil, false
}

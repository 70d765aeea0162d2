package csvspec

import (
	"regexp"
	"strings"
)

// supportedCommands are the commands trailql's parser has AST nodes for
// (esql/parser/ast.go). A compile failure of a query using any other
// command is a missing feature, not a wrong answer.
var supportedCommands = map[string]bool{
	"FROM": true, "ROW": true, "WHERE": true, "EVAL": true, "KEEP": true, "DROP": true,
	"RENAME": true, "STATS": true, "SORT": true, "LIMIT": true, "MV_EXPAND": true,
	"DISSECT": true, "GROK": true, "COMPLETION": true,
}

var unknownFunction = regexp.MustCompile(`(?i)unknown function \[([^\]]+)\]`)

// unsupportedWords mark a compile error as a missing feature.
var unsupportedWords = []string{"unsupported", "not supported", "not yet supported", "not implemented", "unimplemented"}

// classifyCompileError turns a Compile error into a skip (missing
// function, command or feature) or a failure (anything else).
func classifyCompileError(err error, shape queryShape) Result {
	msg := err.Error()
	first, _, _ := strings.Cut(msg, "\n")
	if m := unknownFunction.FindStringSubmatch(msg); m != nil {
		fn := strings.ToUpper(m[1])
		return Result{Status: Skipped, Category: CatFunction, Reason: "function " + fn + " not supported by trailql: " + first, Subject: fn}
	}
	for _, cmd := range shape.Commands {
		if !supportedCommands[cmd] {
			return Result{Status: Skipped, Category: CatCommand, Reason: "command " + cmd + " not supported by trailql: " + first, Subject: cmd}
		}
	}
	lower := strings.ToLower(msg)
	for _, w := range unsupportedWords {
		if strings.Contains(lower, w) {
			return Result{Status: Skipped, Category: CatUnsupported, Reason: first, Subject: reLineCol.ReplaceAllString(first, "")}
		}
	}
	return fail(CatCompile, "compile error: "+msg)
}

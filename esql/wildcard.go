package esql

import "github.com/trailql/trailql/internal/wildcard"

// compileWildcard compiles a LIKE pattern (internal/wildcard.Compile).
func compileWildcard(p string) func(string) bool { return wildcard.Compile(p) }

// compileNamePattern compiles a KEEP/DROP or KQL field name pattern
// (internal/wildcard.CompileName).
func compileNamePattern(p string) func(string) bool { return wildcard.CompileName(p) }

// Package doccheck holds a test, not code: every section of docs/*.md that
// a Go comment cites ("docs/esql-semantics.md §A5", "docs/architecture.md
// "Alert document"", or a bare "§A5" in a package whose comments cite one
// document by default) must exist in the repository, so that a clone of
// the repository alone can follow every reference.
package doccheck

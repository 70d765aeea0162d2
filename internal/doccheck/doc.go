// Package doccheck holds tests, not code; nothing imports it. Its tests
// keep the repository's documents and its Go comments in step, so that a
// clone of the repository alone can follow every reference, and keep the
// README's package table the import layout.
//
// TestCitationsExist reads every comment of every .go file (the files under
// testdata and hidden directories aside) and checks each citation of a
// document in docs/ by these rules:
//
//   - A citation names its document by its path in the repository,
//     "docs/NAME.md"; docs/NAME.md must exist. Consecutive comment lines are
//     read as one text, so a citation may be wrapped.
//   - "docs/NAME.md" followed by a double-quoted string (after an optional
//     comma, spaces or a line break) cites a heading by name:
//     docs/architecture.md "Alert document". The document must have a
//     Markdown heading equal to the string (case-insensitive), a remark in
//     parentheses after it aside: "Semantics that must hold" names
//     "## Semantics that must hold (the seed rule depends on each)".
//   - "§X" cites section X, where X is a number ("6", "6.2"), a capital
//     letter ("B", "C") or a capital letter and a number ("A5", "B3"). It
//     belongs to the nearest "docs/NAME.md" before it whose text up to the §
//     (the path itself not counted) is under 40 characters with no "(",
//     ")" or ";": "docs/esql-semantics.md §A3, §A6" cites A3 and A6 of that
//     document. The document must have a Markdown heading whose text is X
//     or starts with X followed by "." or a space: "## A5. Aggregate
//     functions", "### 6.2 The rule that yields `aws-cli`", "## C. Open
//     points and caveats".
//   - "RFC N §X" cites an RFC and is not checked; any other § that belongs
//     to no "docs/NAME.md" is an error: write the document's path. So is
//     "docs/NAME.md section X": write §X.
//   - The name of a document of docs/ written without "docs/"
//     ("esql-semantics.md §A2"), DESIGN.md and shared/docs/ (the documents
//     as they were kept outside the repository) are errors.
//
// Every error names the file and line of the citation.
//
// TestMarkdownCitesNothingOutside fails on a Markdown file of the
// repository that names DESIGN.md or shared/docs/.
package doccheck

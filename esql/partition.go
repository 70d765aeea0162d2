package esql

import "hash/maphash"

// Partitioned evaluation: a query whose first STATS groups BY keys and
// whose later commands only filter, compute or reorder rows (WHERE, EVAL,
// KEEP, DROP, RENAME, GROK, DISSECT, SORT without a limit) gives the same
// rows, in some order, when it is run once per partition of the groups,
// each run aggregating only the groups whose key hashes to its partition,
// and the outputs are put together. The state of each run is then a part of
// the whole: a caller short of memory (a rule's 24-hour run over many
// keys) trades reading its input several times for it.

// Partitionable reports whether the program can be run by partitions of
// its first STATS's groups (ExecOptions.Partitions).
func (p *Program) Partitionable() bool {
	first := -1
	for i, op := range p.ops {
		if s, ok := op.(*statsSpec); ok {
			if s.inline || len(s.keys) == 0 {
				return false
			}
			first = i
			break
		}
	}
	if first < 0 {
		return false
	}
	for _, op := range p.ops[first+1:] {
		switch op := op.(type) {
		case *whereSpec, *evalSpec, *extractSpec, *outputSpec:
		case *sortSpec:
			if op.limit > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// partitionSeed makes a group's partition the same in every execution of
// the process (the runs of one evaluation must agree).
var partitionSeed = maphash.MakeSeed()

// inPartition reports whether the group whose key is key belongs to
// partition part of parts.
func inPartition(key []byte, part, parts int) bool {
	return maphash.Bytes(partitionSeed, key)%uint64(parts) == uint64(part)
}

#!/usr/bin/env bash
# Short, fixed-time fuzzing of the parsers of untrusted input (issue
# "Reliability: hostile input, fuzzing, and honest errors", item 3): the
# ES|QL parser, the CloudTrail record reader and its fast scan (against the
# reference scan), the ECS mapper, the SQS
# message parser, the CloudTrail digest parser and the prefilters' literal
# matcher (multimatch.Anchored, which reads every record) and the known-field
# prefilters (detect, against a rule-by-rule reference).
# Usage: .ci/fuzz.sh [SECONDS per target, default 20]
# A crash leaves its input in <pkg>/testdata/fuzz/<Target>/ and fails the
# script; commit that file with the fix: it is then a regression test that
# plain `go test` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-20}"
export CGO_ENABLED=0

status=0
for target in ./esql/parser:FuzzParse ./cloudtrail:FuzzRead ./cloudtrail:FuzzFastScan ./ecs:FuzzMap ./internal/source:FuzzParseMessage ./integrity:FuzzDigest ./internal/multimatch:FuzzAnchored ./detect:FuzzKnownFilters; do
  pkg="${target%%:*}" fn="${target##*:}"
  echo "== fuzz $fn ($pkg, ${secs}s)"
  # -parallel bounds the workers so a shared CI machine stays responsive;
  # -fuzzminimizetime keeps a crash report from taking a minute to shrink.
  corpus="$pkg/testdata/fuzz/$fn"
  before=$( (ls "$corpus" 2>/dev/null || true) | wc -l)
  log=$(mktemp)
  if ! go test -run '^$' -fuzz "^${fn}\$" -fuzztime "${secs}s" -fuzzminimizetime 10s \
      -parallel "${FUZZ_PARALLEL:-2}" "$pkg" 2>&1 | tee "$log"; then
    # Go's fuzzer can report "context deadline exceeded" when -fuzztime ends
    # while it is busy (minimising an input): no crash, no input written.
    # Only a failure that left its input in the corpus is a finding.
    after=$( (ls "$corpus" 2>/dev/null || true) | wc -l)
    if [ "$after" = "$before" ] && grep -q "context deadline exceeded" "$log"; then
      echo "fuzz $fn: the fuzzer's deadline flake (no failing input written); not a finding"
    else
      echo "fuzz $fn found a failure: see $corpus/"
      status=1
    fi
  fi
  rm -f "$log"
done
exit $status

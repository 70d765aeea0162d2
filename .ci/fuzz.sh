#!/usr/bin/env bash
# Short, fixed-time fuzzing of the parsers of untrusted input (issue
# "Reliability: hostile input, fuzzing, and honest errors", item 3): the
# ES|QL parser, the CloudTrail record reader and the ECS mapper.
# Usage: .ci/fuzz.sh [SECONDS per target, default 20]
# A crash leaves its input in <pkg>/testdata/fuzz/<Target>/ and fails the
# script; commit that file with the fix: it is then a regression test that
# plain `go test` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-20}"
export CGO_ENABLED=0

status=0
for target in ./esql/parser:FuzzParse ./cloudtrail:FuzzRead ./ecs:FuzzMap; do
  pkg="${target%%:*}" fn="${target##*:}"
  echo "== fuzz $fn ($pkg, ${secs}s)"
  # -parallel bounds the workers so a shared CI machine stays responsive;
  # -fuzzminimizetime keeps a crash report from taking a minute to shrink.
  if ! go test -run '^$' -fuzz "^${fn}\$" -fuzztime "${secs}s" -fuzzminimizetime 10s \
      -parallel "${FUZZ_PARALLEL:-2}" "$pkg"; then
    echo "fuzz $fn found a failure: see $pkg/testdata/fuzz/$fn/"
    status=1
  fi
done
exit $status

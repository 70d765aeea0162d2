#!/usr/bin/env bash
# Checks that the release configuration (.goreleaser.yaml) is valid and
# builds a linux/amd64 snapshot: no publishing, no Docker (CI has no engine),
# no SBOM tool needed. goreleaser is pinned in tools/release/go.mod.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go -C tools/release build -o "$tmp/goreleaser" github.com/goreleaser/goreleaser/v2
gr="$tmp/goreleaser"
echo "== goreleaser $("$gr" --version 2>/dev/null | grep -m1 GitVersion | awk '{print $2}')"
"$gr" check
GOOS=linux GOARCH=amd64 "$gr" build --snapshot --single-target --clean -o "$tmp/trailql" 2>&1 | tail -3
"$tmp/trailql" --version
rm -rf dist

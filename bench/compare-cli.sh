#!/usr/bin/env bash
# Compares what the real CLI prints on the demo data at a git revision and in the working tree,
# byte for byte (generation times, temporary paths and the Prometheus port aside).
#
#   bash bench/compare-cli.sh [REV]      # REV defaults to HEAD
#
# Builds both, runs bench/cli-snapshot.ts with both CLIs against one demo Prometheus, and prints
# `diff -ru` of the two snapshots; exit 0 when they are identical. Needs prometheus and promtool.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-HEAD}
work=$(mktemp -d "${TMPDIR:-/tmp}/slo-ledger-compare.XXXXXX")
cleanup() {
  git worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

git worktree add --detach --quiet "$work/base" "$rev"
ln -s "$PWD/node_modules" "$work/base/node_modules"
(cd "$work/base" && ./node_modules/.bin/tsc -p tsconfig.json)
./node_modules/.bin/tsc -p tsconfig.json
./node_modules/.bin/tsx bench/cli-snapshot.ts "$work/out" "$work/base/bin/slo-ledger.js" bin/slo-ledger.js
if diff -ru "$work/out/0" "$work/out/1"; then
  echo "identical: $(ls "$work/out/0" | wc -l) outputs of $rev and the working tree"
else
  exit 1
fi

#!/usr/bin/env bash
# Compiles apps and libs to dist/ (path aliases rewritten to relative requires) and copies the
# SQL migrations beside the compiled code that reads them.
# Skipped when dist/ is up to date: tsc takes seconds even with nothing to do, and every
# `npm run cli|simulate|bench` comes through here. Up to date = no input (source, migration,
# tsconfig, lock file, this script) nor input folder (a file added or removed changes its folder's
# time) is newer than the stamp of the last successful build. BUILD_FORCE=1 builds anyway.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
STAMP=dist/.build-stamp
INPUTS=(apps libs bench tools scripts tsconfig.json tsconfig.build.json package-lock.json)

changed_input() {
  # Prints the first input newer than the stamp; git-ignored build output of scripts/kafka is not one.
  find "${INPUTS[@]}" -path scripts/kafka/target -prune -o -newer "$STAMP" -print -quit 2>/dev/null
}

if [ "${BUILD_FORCE:-0}" != 1 ] && [ -f "$STAMP" ] && [ -z "$(changed_input)" ]; then
  exit 0
fi

# The stamp takes the time the build started, so that a file saved during the build is seen as
# newer next time.
mkdir -p dist
started=$(mktemp dist/.build-started.XXXXXX)
trap 'rm -f "$started"' EXIT
npx tsc -p tsconfig.build.json
npx tsc-alias -p tsconfig.build.json
for lib in clickhouse postgres; do
  rm -rf "dist/libs/$lib/migrations"
  cp -r "libs/$lib/migrations" "dist/libs/$lib/migrations"
done
mv "$started" "$STAMP"

#!/usr/bin/env bash
# Compiles apps and libs to dist/ (path aliases rewritten to relative requires) and copies the
# SQL migrations beside the compiled code that reads them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx tsc -p tsconfig.build.json
npx tsc-alias -p tsconfig.build.json
for lib in clickhouse postgres; do
  rm -rf "dist/libs/$lib/migrations"
  cp -r "libs/$lib/migrations" "dist/libs/$lib/migrations"
done

#!/usr/bin/env bash
# Installs node_modules from the lock file when they are missing or older than the lock, then
# compiles the apps into dist/ when a source changed (build.sh skips an up-to-date dist/). Run by
# start.sh, test.sh and `npm run cli|simulate|bench`, so that on a fresh machine `npm start` or
# `npm test` alone does all the set-up, and a warm `npm run cli` costs no compile.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
stamp=node_modules/.lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing node modules from package-lock.json (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
bash scripts/build.sh

#!/usr/bin/env bash
# `npm test`: the whole suite (lint, unit specs, then tests against the real Kafka, ClickHouse and
# PostgreSQL, which jest's global setup starts with the stack script). Extra args go to jest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/ensure-deps.sh
echo "[test] lint (eslint: floating promises, exhaustive switches, lib and app boundaries)"
npx eslint .
echo "[test] format (prettier --check; npm run format fixes it)"
npx prettier --check --log-level warn "**/*.{ts,js,mjs,json}"
exec npx jest "$@"

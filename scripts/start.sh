#!/usr/bin/env bash
# `npm start`: the whole pipeline on this machine, in the foreground. Starts the stack if it is not
# up, then ingestion (port 3000) and the projector; Ctrl-C stops both apps (the stack keeps
# running: `npm run stack:down` stops it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/ensure-deps.sh
bash scripts/stack/stack.sh up
# Migrations run here, as the operator (DATABASE_URL: the local superuser by default), never by the
# apps: they connect as their own roles, which may read and write only what the migrations grant.
echo "[start] migrating (npm run cli -- migrate)"
node dist/apps/cli/src/main.js migrate
INGESTION_DATABASE_URL="${INGESTION_DATABASE_URL:-postgres://wise_ingestion@127.0.0.1:5432/wise}"
PROJECTOR_DATABASE_URL="${PROJECTOR_DATABASE_URL:-postgres://wise_projector@127.0.0.1:5432/wise}"

pids=()
stop() {
  trap - INT TERM
  echo "[start] stopping ingestion and projector"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait
}
trap 'stop; exit 0' INT TERM

# Output goes through a prefixing sed by process substitution, so that $! is node's own pid and a
# stop signal reaches the app itself (a pipeline's $! would be the sed).
DATABASE_URL="$PROJECTOR_DATABASE_URL" node dist/apps/projector/src/main.js > >(sed -u 's/^/[projector] /') 2>&1 &
pids+=($!)
# The heap cap keeps ingestion's RSS near its bounded live memory (docs/configuration.md, `NODE_OPTIONS`).
DATABASE_URL="$INGESTION_DATABASE_URL" node --max-old-space-size=160 dist/apps/ingestion/src/main.js > >(sed -u 's/^/[ingestion] /') 2>&1 &
pids+=($!)
echo "[start] ingestion on http://127.0.0.1:${PORT:-3000}, projector consuming; Ctrl-C stops both"
# If either app exits, the pipeline is broken (events accepted but not projected, or nothing
# accepted): stop the other one too and fail, rather than run half a pipeline silently.
set +e
wait -n "${pids[@]}"
code=$?
echo "[start] an app exited (code $code); stopping the other one. Its last lines are above."
stop
exit "$code"

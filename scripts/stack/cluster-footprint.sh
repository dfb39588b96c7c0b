#!/usr/bin/env bash
# Resident memory (ps -o rss) of every server of the cluster stack and of the single-node stack's
# ClickHouse and Kafka, for docs/scaling.md ("The cluster's footprint"). A process's RSS includes its
# children (nginx's worker). Reads the pids each stack recorded; starts and stops nothing.
#   bash scripts/stack/cluster-footprint.sh      (CLUSTER_DIR, CLUSTER_PORT_BASE, STACK_DIR as for the stacks)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STACK="${STACK_DIR:-$HERE/../../.stack}"

rss_mib() { # pid: the process and its children, MiB
  local pids; pids=$( (echo "$1"; pgrep -P "$1" || true) | paste -sd, -)
  ps -o rss= -p "$pids" 2>/dev/null | awk '{ s += $1 } END { printf "%d", s / 1024 }'
}

total=0
printf '| process | RSS MiB |\n| --- | ---: |\n'
for svc in zk kafka-1 kafka-2 kafka-3 ch-1a ch-1b ch-2a ch-2b ch-lb; do
  pid=$(bash "$HERE/cluster.sh" pid "$svc" 2>/dev/null) || { printf '| cluster %s | not running |\n' "$svc"; continue; }
  m=$(rss_mib "$pid"); total=$((total + m))
  printf '| cluster %s | %s |\n' "$svc" "$m"
done
printf '| **cluster, all** | **%s** |\n' "$total"
for f in clickhouse/clickhouse.pid kafka/kafka.pid; do
  if [ -f "$STACK/$f" ] && kill -0 "$(cat "$STACK/$f")" 2>/dev/null; then
    printf '| single node %s | %s |\n' "${f%%/*}" "$(rss_mib "$(cat "$STACK/$f")")"
  fi
done

#!/usr/bin/env bash
# The cluster stack: what a deployment past one machine runs, on this one machine, for
# `npm run test:cluster` and for trying cluster mode by hand (docs/scaling.md, "The cluster stack").
#   - ZooKeeper, standalone (Debian's zookeeper package), for ClickHouse's replication and ON CLUSTER DDL;
#   - ClickHouse 18.16, 2 shards x 2 replicas (ch-1a ch-1b | ch-2a ch-2b), cluster `wise_cluster`,
#     and `wise_cluster_each` (every server its own shard: 18.16 refuses ALTER ON CLUSTER on a
#     Distributed table of a cluster with replicas);
#   - an nginx in front of the four servers, the one URL the apps are given: ch-1a, and the others
#     as backups when it refuses connections (why one at a time: lb_start);
#   - Kafka: three KRaft brokers, each also a controller (a quorum of three survives one lost),
#     replication factor 3, min.insync.replicas 2, unclean leader election off.
# PostgreSQL is the native stack's (stack.sh up).
#
#   cluster.sh up | down | status | env
#   cluster.sh start|stop|kill <service>    service: zk kafka-1 kafka-2 kafka-3 ch-1a ch-1b ch-2a ch-2b ch-lb
#   cluster.sh pid <service>
# Everything lives under .stack/cluster/ (git-ignored; CLUSTER_DIR moves it). `down` stops exactly
# what `up` started, by the pids it recorded. Ports are fixed offsets from CLUSTER_PORT_BASE (20000):
# the table is printed by `cluster.sh env` and listed in docs/scaling.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/stack/stack.sh
source "$ROOT/scripts/stack/stack.sh"
CLUSTER="${CLUSTER_DIR:-$ROOT/.stack/cluster}"
STACK="$CLUSTER" # apt and Maven logs of the borrowed helpers go here
BASE="${CLUSTER_PORT_BASE:-20000}"
CLUSTER_KAFKA_HEAP="${CLUSTER_KAFKA_HEAP:-512m}"

say() { printf '[cluster] %s\n' "$*"; }
fail() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

ZK_PORT=$((BASE + 181))
LB_PORT=$((BASE + 130))
CH_NODES=(ch-1a ch-1b ch-2a ch-2b)
KAFKA_NODES=(1 2 3)
ch_index() { case $1 in ch-1a) echo 1 ;; ch-1b) echo 2 ;; ch-2a) echo 3 ;; ch-2b) echo 4 ;; *) fail "unknown ClickHouse node $1" ;; esac; }
ch_http() { echo $((BASE + 130 + $(ch_index "$1"))); }
ch_tcp() { echo $((BASE + 140 + $(ch_index "$1"))); }
ch_interserver() { echo $((BASE + 150 + $(ch_index "$1"))); }
ch_shard() { case $1 in ch-1*) echo 01 ;; *) echo 02 ;; esac; }
kafka_port() { echo $((BASE + 90 + $1)); }
kafka_controller_port() { echo $((BASE + 190 + $1)); }
kafka_brokers() { local n out=(); for n in "${KAFKA_NODES[@]}"; do out+=("127.0.0.1:$(kafka_port "$n")"); done; (IFS=,; echo "${out[*]}"); }

pidfile() { echo "$CLUSTER/$1/$1.pid"; }

# ---------------------------------------------------------------- ZooKeeper
ZK_JAR=/usr/share/java/zookeeper.jar

# Bounded: a ZooKeeper still starting can accept the connection and never answer nor close it
# (a `cluster.sh start zk` of the ZooKeeper scenario once hung there for 7 minutes).
zk_ok() { [ "$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf srvr >&3 && cat <&3' _ "$ZK_PORT" 2>/dev/null | grep -c '^Mode:')" = 1 ]; }

zk_start() {
  local dir="$CLUSTER/zk"
  if pid_alive "$(pidfile zk)" && zk_ok; then return 0; fi
  [ -f "$ZK_JAR" ] || apt_install --no-install-recommends zookeeper
  mkdir -p "$dir/data" "$dir/log"
  # Java properties: no inline comments. admin.enableServer=false keeps port 8080 free; srvr is the
  # readiness probe (ruok answers before the server serves).
  cat >"$dir/zoo.cfg" <<CFG
tickTime=1000
initLimit=10
syncLimit=5
dataDir=$dir/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=*
autopurge.purgeInterval=1
CFG
  say "zookeeper: starting on 127.0.0.1:$ZK_PORT"
  nohup java -Xmx256m -cp "$ZK_JAR" -Dzookeeper.log.dir="$dir/log" org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg" \
    </dev/null >>"$dir/log/stdout.log" 2>&1 &
  echo $! >"$(pidfile zk)"
  wait_for zookeeper 60 "$dir/log/stdout.log" zk_ok
}

# ---------------------------------------------------------------- ClickHouse
# One file for every node's view of the cluster: the two cluster definitions and ZooKeeper. A
# session timeout of 5 s (30 s by default) lets a replica restarted after kill -9 rejoin in about 10 s.
ch_cluster_xml() { # node
  local node=$1 n shard replicas
  printf '<?xml version="1.0"?>\n<yandex>\n'
  printf '    <interserver_http_port>%s</interserver_http_port>\n    <interserver_http_host>127.0.0.1</interserver_http_host>\n' "$(ch_interserver "$node")"
  printf '    <remote_servers>\n        <wise_cluster>\n'
  for shard in 1 2; do
    printf '            <shard><internal_replication>true</internal_replication>\n'
    for n in "ch-${shard}a" "ch-${shard}b"; do printf '                <replica><host>127.0.0.1</host><port>%s</port></replica>\n' "$(ch_tcp "$n")"; done
    printf '            </shard>\n'
  done
  printf '        </wise_cluster>\n        <wise_cluster_each>\n'
  for n in "${CH_NODES[@]}"; do printf '            <shard><replica><host>127.0.0.1</host><port>%s</port></replica></shard>\n' "$(ch_tcp "$n")"; done
  printf '        </wise_cluster_each>\n    </remote_servers>\n'
  printf '    <zookeeper><node><host>127.0.0.1</host><port>%s</port></node><session_timeout_ms>5000</session_timeout_ms></zookeeper>\n' "$ZK_PORT"
  replicas=$node
  printf '    <macros><shard>%s</shard><replica>%s</replica></macros>\n' "$(ch_shard "$node")" "$replicas"
  printf '</yandex>\n'
}

ch_ping_node() { [ "$(curl -s --max-time 2 "http://127.0.0.1:$(ch_http "$1")/ping" 2>/dev/null)" = "Ok." ]; }

ch_start() { # node
  local node=$1 dir="$CLUSTER/$1"
  if pid_alive "$(pidfile "$node")" && ch_ping_node "$node"; then return 0; fi
  command -v clickhouse-server >/dev/null || apt_install clickhouse-server clickhouse-client
  mkdir -p "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log" "$dir/etc/config.d" "$dir/etc/users.d"
  local data; data=$(ch_data_dir "$dir")
  sed -e "s#@STACK@/clickhouse/data/#$data/#" -e "s#@STACK@/clickhouse#$dir#g" -e "s#<http_port>8123<#<http_port>$(ch_http "$node")<#" \
    -e "s#<tcp_port>9000<#<tcp_port>$(ch_tcp "$node")<#" "$HERE/clickhouse-config.xml" >"$dir/etc/config.xml"
  ch_cluster_xml "$node" >"$dir/etc/config.d/cluster.xml"
  cp "$HERE/clickhouse-users.xml" "$dir/etc/users.xml"
  cp "$HERE/cluster/users-cluster.xml" "$dir/etc/users.d/cluster.xml"
  say "clickhouse $node: starting on 127.0.0.1:$(ch_http "$node") (shard $(ch_shard "$node"))"
  (cd "$dir" && exec nohup clickhouse-server --config-file="$dir/etc/config.xml") </dev/null >>"$dir/log/stdout.log" 2>&1 &
  echo $! >"$(pidfile "$node")"
}

ch_wait() { # node
  local node=$1
  wait_for "clickhouse $node" 60 "$CLUSTER/$node/log/clickhouse-server.err.log" ch_ping_node "$node"
}

# ---------------------------------------------------------------- the load balancer
lb_ok() { [ "$(curl -s --max-time 2 "http://127.0.0.1:$LB_PORT/ping" 2>/dev/null)" = "Ok." ]; }

lb_start() {
  local dir="$CLUSTER/ch-lb" n
  if pid_alive "$(pidfile ch-lb)" && lb_ok; then return 0; fi
  nginx_present
  mkdir -p "$dir/log"
  {
    printf 'pid %s/nginx.pid;\nerror_log %s/log/error.log warn;\nworker_processes 1;\nevents { worker_connections 1024; }\n' "$dir" "$dir"
    printf 'http {\n    access_log off;\n    client_body_temp_path %s/body;\n    proxy_temp_path %s/proxy;\n' "$dir" "$dir"
    printf '    fastcgi_temp_path %s/fastcgi;\n    uwsgi_temp_path %s/uwsgi;\n    scgi_temp_path %s/scgi;\n' "$dir" "$dir" "$dir"
    # One server at a time, ch-1a while it answers: a synchronous Distributed insert that reaches
    # a replica of a shard writes that shard's rows there, whatever load_balancing says, so were
    # statements spread over the servers, a shard's rows would land on both of its replicas in turn
    # and a read sent to the first would miss what the second just took (docs/scaling.md, "Reads
    # that see their own writes"). The others are backups, in an order that keeps each shard's
    # first replica first.
    printf '    upstream clickhouse {\n'
    local backup=''
    for n in ch-1a ch-2a ch-1b ch-2b; do printf '        server 127.0.0.1:%s max_fails=1 fail_timeout=2s%s;\n' "$(ch_http "$n")" "$backup"; backup=' backup'; done
    printf '        keepalive 32;\n    }\n'
    # Only a refused or broken connection moves a request to the next server: a statement a server
    # answered (even with an error) is the server's answer. An INSERT retried after a broken
    # connection is deduplicated by the replicated table (same block, same checksum).
    printf '    server {\n        listen 127.0.0.1:%s;\n        client_max_body_size 0;\n        proxy_request_buffering off;\n' "$LB_PORT"
    printf '        proxy_http_version 1.1;\n        proxy_set_header Connection "";\n        proxy_read_timeout 600s;\n        proxy_send_timeout 600s;\n'
    printf '        proxy_connect_timeout 1s;\n        proxy_next_upstream error timeout non_idempotent;\n        proxy_next_upstream_tries 4;\n'
    printf '        location / { proxy_pass http://clickhouse; }\n    }\n}\n'
  } >"$dir/nginx.conf"
  say "clickhouse load balancer: starting on 127.0.0.1:$LB_PORT (nginx, over the four servers)"
  nohup "$(command -v nginx || echo /usr/sbin/nginx)" -p "$dir" -c "$dir/nginx.conf" -e "$dir/log/error.log" -g 'daemon off;' \
    </dev/null >>"$dir/log/stdout.log" 2>&1 &
  echo $! >"$(pidfile ch-lb)"
  wait_for "clickhouse load balancer" 20 "$dir/log/error.log" lb_ok
}

# ---------------------------------------------------------------- Kafka
kafka_voters() { local n out=(); for n in "${KAFKA_NODES[@]}"; do out+=("$n@127.0.0.1:$(kafka_controller_port "$n")"); done; (IFS=,; echo "${out[*]}"); }

kafka_node_ready() { # n
  local n=$1
  pid_alive "$(pidfile "kafka-$n")" || { printf '[cluster] ERROR: kafka-%s exited during start-up.\n' "$n" >&2; tail -n 20 "$CLUSTER/kafka-$n/log/stdout.log" "$CLUSTER/kafka-$n/log/server.log" 2>/dev/null | sed 's/^/    /' >&2; exit 1; }
  port_open "$(kafka_port "$n")" && grep -q 'Kafka Server started' "$CLUSTER/kafka-$n/log/server.log" 2>/dev/null
}

kafka_start() { # n
  local n=$1 dir="$CLUSTER/kafka-$1"
  if pid_alive "$(pidfile "kafka-$n")" && port_open "$(kafka_port "$n")"; then return 0; fi
  mkdir -p "$dir/data" "$dir/log"
  kafka_jars
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$(kafka_voters)
listeners=PLAINTEXT://127.0.0.1:$(kafka_port "$n"),CONTROLLER://127.0.0.1:$(kafka_controller_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(kafka_port "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=6
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
$(kafka_shared_properties 3 2)
PROPS
  local cp="$KAFKA_LIBS/*"
  local jvm=(-Xms128m "-Xmx$CLUSTER_KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dkafka.logs.dir=$dir/log" "-Dlog4j2.configurationFile=$HERE/kafka-log4j2.yaml")
  if [ ! -f "$dir/data/meta.properties" ]; then
    [ -f "$CLUSTER/kafka-cluster-id" ] || java -cp "$cp" "${jvm[@]}" kafka.tools.StorageTool random-uuid 2>>"$dir/log/stdout.log" | tail -n 1 >"$CLUSTER/kafka-cluster-id"
    java -cp "$cp" "${jvm[@]}" kafka.tools.StorageTool format -t "$(cat "$CLUSTER/kafka-cluster-id")" \
      -c "$dir/server.properties" >>"$dir/log/stdout.log" 2>&1 || fail "kafka-$n: formatting $dir/data failed (see $dir/log/stdout.log)"
  fi
  say "kafka-$n: starting on 127.0.0.1:$(kafka_port "$n") (controller $(kafka_controller_port "$n"), heap $CLUSTER_KAFKA_HEAP)"
  nohup java -cp "$cp" "${jvm[@]}" kafka.Kafka "$dir/server.properties" </dev/null >>"$dir/log/stdout.log" 2>&1 &
  echo $! >"$(pidfile "kafka-$n")"
}

kafka_wait() { wait_for "kafka-$1" 120 "$CLUSTER/kafka-$1/log/server.log" kafka_node_ready "$1"; }

# ---------------------------------------------------------------- commands
start_service() {
  case $1 in
    zk) zk_start ;;
    kafka-[123]) kafka_start "${1#kafka-}"; kafka_wait "${1#kafka-}" ;;
    ch-1a | ch-1b | ch-2a | ch-2b) ch_start "$1"; ch_wait "$1" ;;
    ch-lb) lb_start ;;
    *) fail "unknown service $1 (zk kafka-1 kafka-2 kafka-3 ch-1a ch-1b ch-2a ch-2b ch-lb)" ;;
  esac
  say "$1: up"
}

up() {
  mkdir -p "$CLUSTER"
  bash "$HERE/stack.sh" up >/dev/null || fail "the native stack (PostgreSQL) did not start: run bash scripts/stack/stack.sh up to see why"
  local n
  kafka_jars
  # Kafka's controllers need each other to elect a leader: all three start before any is awaited.
  for n in "${KAFKA_NODES[@]}"; do kafka_start "$n"; done
  zk_start
  for n in "${CH_NODES[@]}"; do ch_start "$n"; done
  for n in "${CH_NODES[@]}"; do ch_wait "$n"; done
  lb_start
  for n in "${KAFKA_NODES[@]}"; do kafka_wait "$n"; done
  say "all up: kafka $(kafka_brokers), clickhouse http://127.0.0.1:$LB_PORT (cluster wise_cluster), zookeeper 127.0.0.1:$ZK_PORT"
}

stop_service() { # service [signal]
  local svc=$1 sig=${2:-TERM} f; f=$(pidfile "$svc")
  if [ "$sig" = KILL ]; then
    pid_alive "$f" || fail "$svc is not running"
    say "$svc: SIGKILL (pid $(cat "$f"))"
    kill -9 "$(cat "$f")"
    rm -f "$f"
  else
    stop_pid "$svc" "$f"
  fi
}

down() {
  local svc stopping=() f pid
  # All at once: one by one, each ClickHouse server waits for the others' replicas.
  for svc in ch-lb "${CH_NODES[@]}" kafka-1 kafka-2 kafka-3 zk; do
    f=$(pidfile "$svc")
    if pid_alive "$f"; then
      pid=$(cat "$f")
      kill "$pid" 2>/dev/null || true
      stopping+=("$svc:$pid")
    else
      stop_pid "$svc" "$f" # says it was not running
    fi
  done
  for svc in "${stopping[@]}"; do wait_stopped "${svc%%:*}" "${svc##*:}" "$(pidfile "${svc%%:*}")"; done
  for svc in "${CH_NODES[@]}"; do ch_data_release "$CLUSTER/$svc"; done
  say "down (PostgreSQL is the native stack's: bash scripts/stack/stack.sh down stops it)"
}

status() {
  local rc=0 svc ok
  for svc in zk kafka-1 kafka-2 kafka-3 "${CH_NODES[@]}" ch-lb; do
    case $svc in
      zk) ok=zk_ok ;; kafka-*) ok="port_open $(kafka_port "${svc#kafka-}")" ;; ch-lb) ok=lb_ok ;; *) ok="ch_ping_node $svc" ;;
    esac
    if pid_alive "$(pidfile "$svc")" && $ok; then say "$svc: up (pid $(cat "$(pidfile "$svc")"))"; else say "$svc: down"; rc=1; fi
  done
  return $rc
}

# What the apps need to run against this cluster (eval "$(bash scripts/stack/cluster.sh env)").
env_vars() {
  cat <<ENV
export KAFKA_BROKERS=$(kafka_brokers)
export KAFKA_REPLICATION_FACTOR=3
export CLICKHOUSE_URL=http://127.0.0.1:$LB_PORT
export CLICKHOUSE_CLUSTER=wise_cluster
export CLICKHOUSE_CLUSTER_SERVERS=$(for n in "${CH_NODES[@]}"; do printf 'http://127.0.0.1:%s,' "$(ch_http "$n")"; done | sed 's/,$//')
ENV
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env) env_vars ;;
  start) mkdir -p "$CLUSTER"; start_service "${2:?service}" ;;
  stop) stop_service "${2:?service}" ;;
  kill) stop_service "${2:?service}" KILL ;;
  pid) cat "$(pidfile "${2:?service}")" ;;
  port)
    case "${2:?service}" in
      zk) echo "$ZK_PORT" ;; ch-lb) echo "$LB_PORT" ;; kafka-*) kafka_port "${2#kafka-}" ;; *) ch_http "$2" ;;
    esac ;;
  *) echo "usage: $0 up|down|status|env, or start|stop|kill|pid|port <service>" >&2; exit 2 ;;
esac

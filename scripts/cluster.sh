#!/usr/bin/env bash
# The production topology on one machine, without Docker: the official
# Temporal server on the local PostgreSQL, behind its standard JWT
# authorizer (keys: the JWKS of Computor's signing key), one `computor api`,
# two `computor worker` processes (one on every queue, one on the
# high-priority queue only) and `computor ui` (the Web UI behind the admin
# login), each on its own port, logs under the run directory.
#
#   scripts/cluster.sh up              build what is missing, create and migrate the databases, start all
#   scripts/cluster.sh down            stop all (SIGTERM, then SIGKILL after 20 s)
#   scripts/cluster.sh status          what runs, where
#   scripts/cluster.sh start SERVICE   start one: temporal, api, worker, worker-high or ui
#   scripts/cluster.sh stop SERVICE    stop one
#   scripts/cluster.sh reset           down, drop the databases, remove the run directory
#
# Settings (environment):
#   CLUSTER_DIR          run directory: logs, pids, config, repos (default .cluster)
#   CLUSTER_DB_PREFIX    prefix of the three databases <p>temporal, <p>temporal_visibility, <p>computor
#   PGHOST PGPORT PGUSER PostgreSQL (default 127.0.0.1, 5432, postgres; no password, or PGPASSWORD)
#   TEMPORAL_PORT        Temporal frontend gRPC port (default 7233, at most 32754); the services take
#                        the next 20 ports, and its metrics listen on TEMPORAL_PORT+100
#   API_PORT             computor api (default 8000)
#   UI_PORT              computor ui, the Temporal Web UI behind the admin login (default 8088)
#   WORKER_METRICS_PORT  /metrics and /healthz of worker (default 9090) and worker-high (+1);
#                        the API's /metrics on +2
#   CLUSTER_TLS=1        mutual TLS between Temporal and its clients, with certificates made in
#                        the run directory; computor gets them through TEMPORAL_TLS_* in its env file
#   TEMPORAL_BIN_DIR     where the official server and schema tool are built once (default ~/.cache/computor/temporal-<version>)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

dir=${CLUSTER_DIR:-.cluster}
[ "${dir#/}" != "$dir" ] || dir=$PWD/$dir
prefix=${CLUSTER_DB_PREFIX:-}
pghost=${PGHOST:-127.0.0.1} pgport=${PGPORT:-5432} pguser=${PGUSER:-postgres}
tport=${TEMPORAL_PORT:-7233}
api_port=${API_PORT:-8000}
wport=${WORKER_METRICS_PORT:-9090}
ui_port=${UI_PORT:-8088}
version=$(awk '$1 == "go.temporal.io/server" {print $2}' go.mod)
bindir=${TEMPORAL_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/computor/temporal-$version}
services="temporal api worker worker-high ui"
tls=${CLUSTER_TLS:-0}
# Temporal keeps membership ports in a PostgreSQL smallint.
[ $((tport + 14)) -le 32767 ] || { echo "cluster: TEMPORAL_PORT must be at most 32753" >&2; exit 2; }

log() { echo "cluster: $*" >&2; }
die() { log "$*"; exit 1; }

pid_of() { # prints the pid of a running service, or fails
  local f="$dir/pids/$1.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
}

wait_for() { # wait_for SERVICE SECONDS COMMAND...: until COMMAND succeeds
  local svc=$1 secs=$2; shift 2
  for _ in $(seq $((secs * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    pid_of "$svc" >/dev/null || { tail -n 5 "$dir/logs/$svc.log" >&2; die "$svc exited; see $dir/logs/$svc.log"; }
    sleep 0.2
  done
  die "$svc did not come up in ${secs}s; see $dir/logs/$svc.log"
}

sql_tool() { # sql_tool DATABASE ARGS...
  local db=$1; shift
  SQL_PASSWORD=${PGPASSWORD:-} "$bindir/sql" --plugin postgres12 --ep "$pghost" -p "$pgport" -u "$pguser" --db "$db" "$@" >>"$dir/logs/schema.log" 2>&1 ||
    die "schema tool failed on $db ($*); see $dir/logs/schema.log"
}

psql_q() { psql -h "$pghost" -p "$pgport" -U "$pguser" -tAq "$@"; }

build() {
  if [ ! -x "$bindir/server" ] || [ ! -x "$bindir/sql" ]; then
    log "building the official Temporal server and schema tool $version into $bindir (minutes on a cold cache)"
    mkdir -p "$bindir"
    GOBIN=$bindir go install "go.temporal.io/server/cmd/server@$version" "go.temporal.io/server/cmd/tools/sql@$version"
  fi
  mkdir -p "$dir/bin"
  go build -o "$dir/bin/computor" ./cmd/computor
}

migrate() {
  pg_isready -q -h "$pghost" -p "$pgport" || die "PostgreSQL does not answer at $pghost:$pgport"
  mkdir -p "$dir/logs"
  local schema
  schema=$(go list -m -f '{{.Dir}}' go.temporal.io/server)/schema/postgresql/v12
  local db kind
  for kind in temporal visibility; do
    db=${prefix}temporal
    [ "$kind" = visibility ] && db=${prefix}temporal_visibility
    if [ -z "$(psql_q -d postgres -c "select 1 from pg_database where datname = '$db'")" ]; then
      sql_tool "$db" create-database
    fi
    if [ -z "$(psql_q -d "$db" -c "select 1 from information_schema.tables where table_name = 'schema_version'")" ]; then
      sql_tool "$db" setup-schema -v 0.0
    fi
    sql_tool "$db" update-schema -d "$schema/$kind/versioned"
  done
  db=${prefix}computor
  if [ -z "$(psql_q -d postgres -c "select 1 from pg_database where datname = '$db'")" ]; then
    psql_q -d postgres -c "create database $db"
  fi
}

certs() { # two CAs, once: the frontend's (a server certificate for 127.0.0.1 and a
  # client certificate for computor) and the server's own, for its services among themselves
  # (internode), whose certificate no client ever gets: the services behind the frontend take
  # any caller with it as the system itself.
  [ -f "$dir/tls/internode.pem" ] && return
  mkdir -p "$dir/tls"
  (
    cd "$dir/tls"
    umask 077
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    sign() { # sign NAME CA EXTENSIONS
      key "$1-key.pem"
      openssl req -new -key "$1-key.pem" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2-key.pem" -CAcreateserial -days 30 \
        -extfile <(echo "$3") -out "$1.pem" 2>/dev/null
    }
    server_ext=$'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth'
    for ca in ca internode-ca; do
      key "$ca-key.pem"
      openssl req -x509 -key "$ca-key.pem" -subj "/CN=computor cluster $ca" -days 30 -out "$ca.pem" 2>/dev/null
    done
    sign server ca "$server_ext"
    sign client ca "extendedKeyUsage=clientAuth"
    sign internode internode-ca "$server_ext"
  ) || die "could not make the TLS certificates in $dir/tls"
}

configure() {
  mkdir -p "$dir/logs" "$dir/pids" "$dir/repos" "$dir/work"
  # Computor signs every token with this key; Temporal checks them with
  # its public half, which it reads from jwks.json.
  [ -f "$dir/jwt-key.pem" ] || "$dir/bin/computor" key create "$dir/jwt-key.pem" >/dev/null
  COMPUTOR_JWT_KEY_FILE=$dir/jwt-key.pem "$dir/bin/computor" key jwks >"$dir/jwks.json"
  # The certificates are made always: the services behind the frontend
  # (history, matching, the internal frontend) check no tokens, so they
  # take only callers with the cluster's certificate.
  certs
  cat >"$dir/dynamicconfig.yaml" <<EOF
# Computor gives each student's test runs a fairness key.
matching.enableFairness:
  - value: true
# Search attributes that computor adds at start are usable at once.
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
EOF
  local db
  cat >"$dir/temporal.yaml" <<EOF
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
$(for store in default visibility; do
    db=${prefix}temporal; [ "$store" = visibility ] && db=${prefix}temporal_visibility
    cat <<STORE
    $store:
      sql:
        pluginName: postgres12
        databaseName: $db
        connectAddr: "$pghost:$pgport"
        connectProtocol: tcp
        user: $pguser
        password: "${PGPASSWORD:-}"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
STORE
  done)
global:
  tls:
    internode:
      server:
        certFile: $dir/tls/internode.pem
        keyFile: $dir/tls/internode-key.pem
        requireClientAuth: true
        clientCaFiles: [$dir/tls/internode-ca.pem]
      client:
        serverName: localhost
        rootCaFiles: [$dir/tls/internode-ca.pem]
$([ "$tls" = 1 ] && cat <<TLS
    frontend:
      server:
        certFile: $dir/tls/server.pem
        keyFile: $dir/tls/server-key.pem
        requireClientAuth: true
        clientCaFiles: [$dir/tls/ca.pem]
      client:
        serverName: localhost
        rootCaFiles: [$dir/tls/ca.pem]
TLS
)
  # Every call to the frontend needs a token of Computor's key; its
  # "permissions" claim says what it may do (temporal-system:admin for
  # admins, default:write for the API and the workers, nothing for people).
  # The server's own workers use the internal frontend, which trusts them.
  authorization:
    jwtKeyProvider:
      keySourceURIs: ["file://$dir/jwks.json"]
      refreshInterval: 1m
    permissionsClaimName: permissions
    authorizer: default
    claimMapper: default
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: 127.0.0.1:$((tport + 100))
services:
$(i=0; for svc in frontend history matching worker internal-frontend; do
    cat <<SVC
  $svc:
    rpc:
      grpcPort: $((tport + i))
      membershipPort: $((tport + 10 + i))
      bindOnLocalHost: true
SVC
    [ "$svc" = frontend ] && echo "      httpPort: $((tport + 20))"
    i=$((i + 1))
  done)
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:$tport
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: $dir/dynamicconfig.yaml
  pollInterval: 10s
EOF
  cat >"$dir/env" <<EOF
# source this file to run computor against the cluster
export TEMPORAL_ADDRESS=127.0.0.1:$tport
export TEMPORAL_NAMESPACE=default
export COMPUTOR_DATABASE_URL='postgres://$pguser@$pghost:$pgport/${prefix}computor?sslmode=disable'
export COMPUTOR_REPOS_DIR='$dir/repos'
export COMPUTOR_JWT_KEY_FILE='$dir/jwt-key.pem'
export COMPUTOR_LOG_FORMAT=json
export COMPUTOR_API_URL=http://127.0.0.1:$api_port
EOF
  if [ "$tls" = 1 ]; then
    cat >>"$dir/env" <<EOF
export TEMPORAL_TLS_CA='$dir/tls/ca.pem'
export TEMPORAL_TLS_CERT='$dir/tls/client.pem'
export TEMPORAL_TLS_KEY='$dir/tls/client-key.pem'
export TEMPORAL_TLS_SERVER_NAME=localhost
EOF
  fi
  chmod 600 "$dir/env"
}

start() { # start SERVICE
  local svc=$1
  if pid=$(pid_of "$svc"); then log "$svc already runs (pid $pid)"; return; fi
  [ -f "$dir/env" ] || die "no cluster in $dir: run '$0 up' first"
  # shellcheck source=/dev/null
  . "$dir/env"
  local cmd
  case $svc in
    temporal) cmd=("$bindir/server" --config-file "$dir/temporal.yaml" start --service frontend --service internal-frontend \
      --service history --service matching --service worker) ;;
    api) cmd=("$dir/bin/computor" api --api-addr "127.0.0.1:$api_port" --metrics-addr "127.0.0.1:$((wport + 2))" --data-dir "$dir/api") ;;
    worker) cmd=("$dir/bin/computor" worker --metrics-addr "127.0.0.1:$wport" --data-dir "$dir/worker") ;;
    worker-high) cmd=("$dir/bin/computor" worker --high-priority --metrics-addr "127.0.0.1:$((wport + 1))" --data-dir "$dir/worker-high") ;;
    ui) cmd=("$dir/bin/computor" ui --ui-addr "127.0.0.1:$ui_port") ;;
    *) die "unknown service $svc (known: $services)" ;;
  esac
  # Own session, so a signal to whoever called us does not reach it.
  setsid "${cmd[@]}" >>"$dir/logs/$svc.log" 2>&1 </dev/null &
  echo $! >"$dir/pids/$svc.pid"
  case $svc in
    temporal) wait_for "$svc" 60 "$dir/bin/computor" namespace create --timeout 2s ;;
    api) wait_for "$svc" 30 curl -fsS "http://127.0.0.1:$api_port/readyz" ;;
    worker) wait_for "$svc" 30 curl -fsS "http://127.0.0.1:$wport/healthz" ;;
    worker-high) wait_for "$svc" 30 curl -fsS "http://127.0.0.1:$((wport + 1))/healthz" ;;
    ui) wait_for "$svc" 30 curl -fsS "http://127.0.0.1:$ui_port/_computor/login" ;;
  esac
  log "$svc started (pid $(cat "$dir/pids/$svc.pid"), log $dir/logs/$svc.log)"
}

stop() { # stop SERVICE
  local pid
  pid=$(pid_of "$1") || { rm -f "$dir/pids/$1.pid"; return 0; }
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { log "$1 did not stop in 20s: SIGKILL"; kill -KILL "$pid"; }
  rm -f "$dir/pids/$1.pid"
  log "$1 stopped"
}

status() {
  local svc pid
  for svc in $services; do
    if pid=$(pid_of "$svc"); then echo "$svc running pid $pid"; else echo "$svc stopped"; fi
  done
  echo "API       http://127.0.0.1:$api_port  (admin token: $dir/admin-token), metrics http://127.0.0.1:$((wport + 2))/metrics"
  echo "Web UI    http://127.0.0.1:$ui_port  (admins only: paste the admin token)"
  echo "Temporal  127.0.0.1:$tport$([ "$tls" = 1 ] && echo " (mutual TLS)"), metrics http://127.0.0.1:$((tport + 100))/metrics"
  echo "workers   metrics http://127.0.0.1:$wport/metrics, http://127.0.0.1:$((wport + 1))/metrics"
}

case ${1:-} in
  up)
    build
    migrate
    configure
    for svc in $services; do start "$svc"; done
    # shellcheck source=/dev/null
    . "$dir/env"
    (umask 077 && "$dir/bin/computor" token --sub admin --role admin --ttl 720h >"$dir/admin-token")
    status
    ;;
  down) for svc in ui worker-high worker api temporal; do stop "$svc"; done ;;
  status) status ;;
  start) [ $# = 2 ] || die "usage: $0 start SERVICE"; start "$2" ;;
  stop) [ $# = 2 ] || die "usage: $0 stop SERVICE"; stop "$2" ;;
  reset)
    for svc in ui worker-high worker api temporal; do stop "$svc"; done
    for db in "${prefix}temporal" "${prefix}temporal_visibility" "${prefix}computor"; do
      psql_q -d postgres -c "drop database if exists $db" || die "could not drop $db"
    done
    rm -rf "$dir"
    ;;
  help | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac

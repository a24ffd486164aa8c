#!/usr/bin/env bash
# The same zero-work workload on the engine of `computor dev` and on
# Temporal's own dev server (`temporal server start-dev`, CLI v1.5.1, file
# database), one after the other on this machine, through the API and
# straight through the SDK on each.
#
#   scripts/bench-vs-stock.sh            N=300 tasks per path, CLIENTS=16
#   N=200 CLIENTS=1 scripts/bench-vs-stock.sh
#
# The CLI is built once into ~/.cache/computor (minutes on a cold cache: it
# brings its own Temporal server, 1.29.1).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
n=${N:-300} clients=${CLIENTS:-16}
cli=${XDG_CACHE_HOME:-$HOME/.cache}/computor/temporal-cli-v1.5.1
if [ ! -x "$cli/temporal" ]; then
  echo "building the Temporal CLI v1.5.1 into $cli" >&2
  mkdir -p "$cli"
  GOBIN=$cli go install github.com/temporalio/cli/cmd/temporal@v1.5.1
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/computor" ./cmd/computor

echo "== computor dev engine (embedded, file database)"
"$work/computor" bench --n "$n" --clients "$clients"

echo
echo "== stock: temporal server start-dev (CLI v1.5.1, file database)"
port=17233 api=18000
"$cli/temporal" server start-dev --headless --db-filename "$work/stock.db" --port "$port" \
  --http-port 0 --metrics-port 0 --log-level error >"$work/stock.log" 2>&1 &
pids+=($!)
export TEMPORAL_ADDRESS=127.0.0.1:$port COMPUTOR_DATA_DIR=$work/data COMPUTOR_LOG_LEVEL=warn
COMPUTOR_JWT_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export COMPUTOR_JWT_SECRET
for _ in $(seq 100); do
  "$work/computor" namespace create --timeout 2s default >/dev/null 2>&1 && break
  sleep 0.2
done
"$work/computor" worker >"$work/worker.log" 2>&1 &
pids+=($!)
"$work/computor" api --api-addr "127.0.0.1:$api" --no-testing >"$work/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$api/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
"$work/computor" bench --api "http://127.0.0.1:$api" --n "$n" --clients "$clients"

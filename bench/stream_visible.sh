#!/usr/bin/env bash
# From POST to visible: clients post new rows to `till stream` (1 and 10 clients, 1- and
# 500-row requests, SECONDS each) while `till serve` runs on the same warehouse; a request's
# rows are visible when `till serve`'s event stream (/api/v1/events) announces a snapshot that
# holds them (bench/stream_visible.py). Reports p50/p95/p99 and the worst, in ms, from the
# POST's start. Beside it, in the same run, the peer: the same server with `--no-watch`, which
# notices new data at its check every 2 s only, as `till serve` did before it watched commits.
# SQLite, and PostgreSQL with --postgres (a throwaway cluster).
#
#   bench/stream_visible.sh [SECONDS] [--postgres]      (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
postgres=false
[ "${2:-}" = "--postgres" ] && postgres=true
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  if $postgres; then stop_pg_cluster; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$till" generate --rows 20000 --seed 42 --output "$tmp/base.csv" >/dev/null
template=$(python3 - "$tmp/base.csv" <<'PY'
import csv, json, sys
with open(sys.argv[1], newline="") as f:
    print(json.dumps(next(csv.DictReader(f))))
PY
)

wait_for() {
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.05; done
  echo "nothing answers on port $1" >&2; exit 1
}

serve_port=18180
stream_port=18190
# Runs the shapes against warehouse $1 with `till serve` given flags $3...; a table row each.
run() {
  local location=$1 label=$2 base=1000000000
  shift 2
  "$till" ingest "$tmp/base.csv" --warehouse "$location" >/dev/null
  "$till" serve --warehouse "$location" --port "$serve_port" "$@" >"$tmp/serve.log" 2>&1 &
  pids+=($!)
  local serve=$!
  "$till" stream --listen "127.0.0.1:$stream_port" --warehouse "$location" >"$tmp/stream.log" 2>&1 &
  pids+=($!)
  local stream=$!
  wait_for "$serve_port"
  wait_for "$stream_port"
  for rows in 1 500; do
    for clients in 1 10; do
      read -r _ requests p50 p95 p99 worst < <(python3 bench/stream_visible.py "$serve_port" \
        "$stream_port" "$template" "$rows" "$clients" "$seconds" "$base" | grep '^VISIBLE')
      base=$((base + 100000000))
      printf "| %s | %d | %d | %d | %d | %d | %d | %d |\n" "$label" "$rows" "$clients" \
        "$requests" "$p50" "$p95" "$p99" "$worst"
    done
  done
  kill "$serve" "$stream"
  wait "$serve" "$stream" 2>/dev/null || true
  pids=()
}

echo "| till serve | rows/request | clients | requests | p50 ms | p95 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|---|---|---|"
run "$tmp/push.db" "SQLite, commits watched (pushed)"
run "$tmp/poll.db" "peer: SQLite, --no-watch (2 s check)" --no-watch
if $postgres; then
  source bench/pg_cluster.sh
  start_pg_cluster
  admin "CREATE DATABASE push"
  admin "CREATE DATABASE poll"
  run "postgres://postgres:$password@127.0.0.1:$port/push" "PostgreSQL, commits watched (pushed)"
  run "postgres://postgres:$password@127.0.0.1:$port/poll" "peer: PostgreSQL, --no-watch (2 s check)" --no-watch
fi

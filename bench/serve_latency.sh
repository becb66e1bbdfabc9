#!/usr/bin/env bash
# Latency of every `till serve` API endpoint under wrk, at 1 and at 50 concurrent connections,
# on a SQLite and a PostgreSQL warehouse of each size, the dashboard's first full render in
# headless Chromium, and the first render of every other tab after its click. Beside it, the
# peer: the same figures computed by SQL on retail_data_view (what a BI tool querying the
# warehouse live runs), timed with sqlite3 and psql.
#
#   bench/serve_latency.sh [ROWS...]        (default: 302010 3020100)
#   DURATION=5 BACKENDS="sqlite postgres" bench/serve_latency.sh 302010
#
# Each endpoint is measured twice: "cached" is till serve as it runs (a repeated question is
# answered from memory until the warehouse changes), "computed" is `till serve --no-cache`, where
# every request scans the in-memory sales again: the cost of a question never asked before.
# Latencies are wrk's (milliseconds, p50 and p95); errors count failed sockets, timeouts and
# non-2xx answers. peak_MiB is the server's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(302010 3020100)
duration=${DURATION:-3}
backends=${BACKENDS:-sqlite postgres}
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh" >&2; exit 2; }

server=
cleanup() {
  set +e
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [[ " $backends " == *" postgres "* ]] && stop_pg_cluster
  rm -rf "$scratch"
}
scratch=$(mktemp -d)
trap cleanup EXIT
trap 'exit 130' INT TERM
if [[ " $backends " == *" postgres "* ]]; then
  source bench/pg_cluster.sh
  start_pg_cluster
fi

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

endpoints=(
  "meta"
  "dimensions"
  "kpis"
  "kpis?from=2023-12-01&to=2023-12-31&category=Electronics&country=USA"
  "timeseries?grain=day"
  "timeseries?grain=month&gender=Female"
  "breakdown?by=category"
  "breakdown?by=product&limit=25"
  "breakdown?by=category&by=feedback"
  "breakdown?by=city&limit=25&segment=Premium"
  "customers?from=2023-12-01&to=2023-12-31"
  "growth?by=category&from=2023-12-01&to=2024-02-29"
  "growth?by=city&measure=orders&sort=change&limit=200&from=2023-12-01&to=2024-02-29"
  "pipeline/runs"
  "pipeline/rejects"
  "pipeline/freshness"
)

# Starts till serve on warehouse $1 with extra flags; sets server (pid) and url.
start_server() {
  local log=$scratch/serve.log
  "$till" serve --warehouse "$1" --port 0 "${@:2}" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" || true)
    [ -n "$url" ] && return 0
    kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "till serve did not start" >&2
  exit 1
}

stop_server() {
  peak=$(awk '/VmHWM/ { print $2 }' "/proc/$server/status")
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=
}

# Times SQL $2 on warehouse kind $1 (sqlite/postgres) at $3, median of 5, in milliseconds.
peer_ms() {
  local kind=$1 sql=$2 target=$3
  for _ in 1 2 3 4 5; do
    local start end
    start=$(date +%s%N)
    if [ "$kind" = sqlite ]; then
      sqlite3 "$target" "$sql" >/dev/null
    else
      "$psql" -X -q -A -t -v ON_ERROR_STOP=1 "$target" -c "$sql" >/dev/null
    fi
    end=$(date +%s%N)
    echo $(((end - start) / 1000))
  done | median | awk '{ printf "%.1f", $1 / 1000 }'
}

printf "%-8s %-8s %-8s %-70s %4s %9s %9s %9s %7s\n" rows backend mode endpoint conn p50_ms p95_ms req_per_s errors
for rows in "${sizes[@]}"; do
  raw=$scratch/raw_$rows.csv
  "$till" generate --rows "$rows" --seed 42 --output "$raw"
  for backend in $backends; do
    if [ "$backend" = sqlite ]; then
      warehouse=$scratch/till_$rows.db
      peer_target=$warehouse
    else
      admin "CREATE DATABASE till_$rows"
      warehouse="postgres://postgres:$password@127.0.0.1:$port/till_$rows"
      peer_target="host=127.0.0.1 port=$port user=postgres dbname=till_$rows"
    fi
    "$till" ingest "$raw" --warehouse "$warehouse" >/dev/null
    for mode in cached computed; do
      flags=()
      [ "$mode" = computed ] && flags=(--no-cache)
      start_server "$warehouse" "${flags[@]}"
      echo "$rows $backend $mode: $(grep -o 'warehouse read in [0-9.]* s' "$scratch/serve.log")"
      for endpoint in "${endpoints[@]}"; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "${url}api/v1/$endpoint")
        [ "$code" = 200 ] || { echo "${url}api/v1/$endpoint answered $code" >&2; exit 1; }
        for conn in 1 50; do
          threads=$((conn < 2 ? 1 : 2))
          line=$(wrk -t "$threads" -c "$conn" -d "${duration}s" --timeout 10s \
            -s bench/wrk_report.lua "${url}api/v1/$endpoint" | grep '^WRK')
          read -r _ requests errors p50 p95 _ rps <<<"$line"
          printf "%-8s %-8s %-8s %-70s %4s %9s %9s %9s %7s\n" "$rows" "$backend" "$mode" \
            "$endpoint" "$conn" "$p50" "$p95" "$rps" "$errors"
        done
      done
      if [ "$mode" = cached ] && [ -f web/node_modules/playwright-core/package.json ]; then
        renders=$(node bench/first_render.mjs "$url" 5 2>&1 || true)
        render=$(awk '/^RENDER/ { print $2 " ms (max " $3 " ms)"; found = 1 } END { if (!found) print "failed" }' <<<"$renders")
        echo "$rows $backend first render, median of 5 fresh loads: $render"
        awk -v prefix="$rows $backend" '/^TAB/ { print prefix " first render of tab " $2 " after its click: " $3 " ms (max " $4 " ms)" }' <<<"$renders"
      fi
      stop_server
      echo "$rows $backend $mode: till serve peak $((peak / 1024)) MiB"
    done
    # The peer: the same figures by SQL on the view.
    kpis="SELECT sum(total_amount), count(*), sum(total_purchases), count(DISTINCT customer_id), avg(ratings) FROM retail_data_view"
    category="SELECT product_category, sum(total_amount), count(*), sum(total_purchases), count(DISTINCT customer_id), avg(ratings) FROM retail_data_view GROUP BY 1"
    month="SELECT substr(CAST(date AS TEXT), 1, 7), sum(total_amount), count(*) FROM retail_data_view GROUP BY 1"
    for query in kpis category month; do
      echo "$rows $backend peer SQL on retail_data_view ($query): $(peer_ms "$backend" "${!query}" "$peer_target") ms"
    done
    [ "$backend" = postgres ] && admin "DROP DATABASE till_$rows"
  done
  rm -f "$raw"
done

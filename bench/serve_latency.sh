#!/usr/bin/env bash
# Latency of every `till serve` API endpoint under wrk, at 1 and at 50 concurrent connections,
# on a SQLite and a PostgreSQL warehouse of each size, the dashboard's first full render in
# headless Chromium, and the first render of every other tab after its click. Beside it, the
# peer: the same figures computed by SQL on retail_data_view (what a BI tool querying the
# warehouse live runs), timed with sqlite3 and psql.
#
#   bench/serve_latency.sh [ROWS...]        (default: 302010 3020100)
#   DURATION=5 BACKENDS="sqlite postgres" bench/serve_latency.sh 302010
#   MODES= QUESTIONS=1000 BACKENDS=sqlite bench/serve_latency.sh 302010   (hostile clients only)
#
# Each endpoint is measured twice: "cached" is till serve as it runs (a repeated question is
# answered from memory until the warehouse changes), "computed" is `till serve --no-cache`, where
# every request scans the in-memory sales again: the cost of a question never asked before.
# Latencies are wrk's (milliseconds, p50 and p95); errors count failed sockets, timeouts and
# non-2xx answers. peak_MiB is the server's peak RSS.
#
# Then, on the first back end, hostile and greedy clients (HOSTILE=0 leaves them out): the p99 of
# a probe (a new connection for each request) on the idle server, the peer figure, and while
# 1,000 busy keep-alive connections (wrk) and 300 slow clients (a byte a second each, connecting
# again when closed) hold it; and the server's peak and idle resident memory after 10,000 distinct
# heavy questions (breakdowns over every product and city), 64 at a time, against its memory once
# the warehouse is read (the loaded cube) and the answer cache's 64 MiB. Targets: p99 <= 100 ms,
# peak <= 2 x loaded + 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(302010 3020100)
duration=${DURATION:-3}
modes=${MODES-cached computed}
hostile=${HOSTILE:-1}
questions=${QUESTIONS:-10000}
backends=${BACKENDS:-sqlite postgres}
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is missing: scripts/install-deps.sh" >&2; exit 2; }

server=
load_pids=()
cleanup() {
  set +e
  for pid in "${load_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
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
  "segments"
  "segments?country=Germany&category=Electronics"
  "clusters"
  "cohorts"
  "customers/at-risk?limit=50"
  "forecast?by=category"
  "forecast/accuracy?by=category"
  "forecast?by=country&by=category&horizon=28"
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

# "p50 p99 answered" of $1 probes (GET kpis, each on a new connection) made within $2 seconds,
# in milliseconds; a probe unanswered within 5 s, or not made in time, counts as 5000.
probe_p99() {
  local count=$1 until=$((SECONDS + $2)) made
  for _ in $(seq 1 "$count"); do
    [ $SECONDS -ge $until ] && break
    curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}\n' "${url}api/v1/kpis" || true
  done | awk '{ if ($1 == 200) print $2 * 1000; else print 5000 }' >"$scratch/probes"
  made=$(wc -l <"$scratch/probes")
  for ((i = made; i < count; i++)); do echo 5000; done >>"$scratch/probes"
  sort -g "$scratch/probes" | awk -v n="$count" '{ v[NR] = $1; if ($1 < 5000) ok++ }
    END { printf "%.1f %.1f %d/%d", v[int(n * 0.5 + 0.999)], v[int(n * 0.99 + 0.999)], ok, n }'
}

# $1 slow clients on port $2, until killed: each sends a request line, then one byte of a header
# a second, never ending it, and connects again when the server closes it.
slow_clients() {
  trap '' PIPE
  trap 'exit 0' TERM
  local fds=() fd i
  for ((i = 0; i < $1; i++)); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$2" && printf 'GET / HTTP/1.1\r\nX-Slow: ' >&"$fd" && fds[i]=$fd
  done
  while :; do
    for i in "${!fds[@]}"; do
      fd=${fds[i]}
      if ! printf 'a' >&"$fd" 2>/dev/null; then
        exec {fd}>&-
        exec {fd}<>"/dev/tcp/127.0.0.1/$2" 2>/dev/null && fds[i]=$fd &&
          printf 'GET / HTTP/1.1\r\nX-Slow: ' >&"$fd" 2>/dev/null
      fi
    done
    sleep 1
  done
}

# Hostile and greedy clients against till serve on warehouse $1 (see the top).
hostile_clients() {
  local rows=$1 backend=$2 port idle idle50 busy busy50 answered loaded line
  start_server "$3"
  port=${url#http://127.0.0.1:}
  port=${port%/}
  loaded=$(awk '/VmRSS/ { print $2 }' "/proc/$server/status")
  read -r idle50 idle answered <<<"$(probe_p99 100 120)"
  echo "$rows $backend hostile: probe on the idle server (peer): p50 $idle50 ms, p99 $idle ms, $answered answered"
  wrk -t 2 -c 1000 -d 600s --timeout 30s "${url}api/v1/kpis" >/dev/null 2>&1 &
  load_pids+=($!)
  slow_clients 300 "$port" 2>/dev/null &
  load_pids+=($!)
  sleep 3
  read -r busy50 busy answered <<<"$(probe_p99 100 120)"
  for pid in "${load_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  load_pids=()
  echo "$rows $backend hostile: probe under 1,000 keep-alive connections and 300 slow clients: p50 $busy50 ms, p99 $busy ms (target 100; $(awk -v a="$busy" -v b="$idle" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }') x idle), $answered answered"
  # wrk runs for its whole duration whatever its threads do: it is stopped (SIGINT, after which
  # it prints its summary) once the server has answered the questions.
  # The server's CPU time (user + system, in clock ticks) over the questions: on a machine
  # others load, answers per second follow the CPU share the server gets; CPU time per question
  # does not.
  local ticks0 ticks1
  ticks0=$(awk '{ print $14 + $15 }' "/proc/$server/stat")
  QUESTIONS=$questions THREADS=2 wrk -t 2 -c 64 -d 3600s --timeout 60s \
    -s bench/distinct_questions.lua "${url}api/v1/breakdown" >"$scratch/questions" &
  local questioner=$! answered_now=0
  while [ "$answered_now" -lt "$questions" ] && kill -0 "$questioner" 2>/dev/null; do
    sleep 1
    answered_now=$(curl -s --max-time 30 "${url}metrics" | awk '/^till_http_requests_total/ &&
      /endpoint="breakdown"/ { n += $NF } END { printf "%d", n }')
  done
  kill -INT "$questioner" 2>/dev/null || true
  wait "$questioner" 2>/dev/null || true
  ticks1=$(awk '{ print $14 + $15 }' "/proc/$server/stat")
  line=$(grep '^WRK' "$scratch/questions")
  read -r _ requests errors p50 p95 p99 rps <<<"$line"
  sleep 5
  local now
  now=$(awk '/VmRSS/ { print $2 }' "/proc/$server/status")
  stop_server
  echo "$rows $backend hostile: $requests distinct heavy questions, 64 at a time: $errors errors, p50 $p50 ms, p99 $p99 ms, $rps per s, $(awk -v t=$((ticks1 - ticks0)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? 1000 * t / hz / n : 0) }') ms of server CPU each"
  echo "$rows $backend hostile: resident memory: loaded $((loaded / 1024)) MiB, peak $((peak / 1024)) MiB (target <= $((2 * loaded / 1024 + 64)) MiB), idle after $((now / 1024)) MiB"
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
    for mode in $modes; do
      flags=()
      [ "$mode" = computed ] && flags=(--no-cache)
      start_server "$warehouse" "${flags[@]}"
      echo "$rows $backend $mode: $(grep -o 'warehouse read in [0-9.]* s' "$scratch/serve.log")"
      for endpoint in "${endpoints[@]}"; do
        read -r code first < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "${url}api/v1/$endpoint")
        [ "$code" = 200 ] || { echo "${url}api/v1/$endpoint answered $code" >&2; exit 1; }
        # The first answer: a question the server never saw (customer analytics: the first of
        # the endpoints sharing a selection computes the segmentation for all of them).
        printf "%-8s %-8s %-8s %-70s %4s %9s\n" "$rows" "$backend" "$mode" "$endpoint" first \
          "$(awk -v s="$first" 'BEGIN { printf "%.1f", s * 1000 }')"
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
    if [ "$hostile" != 0 ] && [ "$backend" = "${backends%% *}" ]; then
      hostile_clients "$rows" "$backend" "$warehouse"
    fi
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

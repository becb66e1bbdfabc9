#!/usr/bin/env bash
# `till serve` from its start to its first answer, and its memory, at each size given (default
# 302,010 and 3,020,100 generated sales) on SQLite and PostgreSQL (a throwaway cluster,
# bench/pg_cluster.sh):
#   load:  the first start after the load, from the cube file the load wrote (the seconds that
#          took the load are reported apart: its log's "sales cube file updated");
#   cold:  no cube file: every sale read from the warehouse (then the file is written, after the
#          first answer, on the refreshing thread);
#   warm:  the cube file of the cold start: the warehouse's state compared, the cube read back;
#   none:  --no-cube-file, as every start was before the cube file.
# Each start is timed from the command to the first 200 of /api/v1/kpis (the whole warehouse's
# figures); the resident memory is read then, and bytes a sale is that over the sales.
# The peer, in the same run: the same kpis by SQL on retail_data_view, timed with sqlite3 and
# psql (what a BI tool querying the warehouse live waits for its first figure).
#
# With REPLICA=1, each PostgreSQL warehouse is also served from a streaming replica of the cluster
# (pg_basebackup, a hot standby on another port, caught up before it is timed): the none, cold and
# warm starts and the peer's kpis again, on the replica, as `till serve` for reporting past one
# machine runs.
#
#   bench/serve_start.sh [ROWS...]   (make bench-serve-start; BACKENDS="sqlite" for one)
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(302010 3020100)
backends=${BACKENDS:-sqlite postgres}
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: scripts/install-deps.sh" >&2; exit 2; }

server=
cleanup() {
  set +e
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  stop_replica
  [[ " $backends " == *" postgres "* ]] && stop_pg_cluster
  rm -rf "$scratch"
}
scratch=$(mktemp -d)
trap cleanup EXIT
trap 'exit 130' INT TERM
# The loads refresh the cube file alone: the stored forecasts and customer segments a load
# refreshes too are timed by bench/forecast.sh and bench/segments.sh.
printf '[forecast]\nrefresh = false\nanomaly_alerts = false\n[segments]\nrefresh_after_load = false\n' \
  >"$scratch/till.toml"
export TILL_CONFIG="$scratch/till.toml"
if [[ " $backends " == *" postgres "* ]]; then
  source bench/pg_cluster.sh
  start_pg_cluster
fi

replica_data=
stop_replica() {
  [ -n "$replica_data" ] && [ -f "$replica_data/postmaster.pid" ] &&
    as_server "$bindir/pg_ctl" -D "$replica_data" -m immediate stop >/dev/null 2>&1
  [ -n "$replica_data" ] && rm -rf "$replica_data"
  replica_data=
}

# A fresh streaming replica of the cluster as it is now, caught up; sets replica_port.
start_replica() {
  local lsn
  stop_replica
  replica_data=$work/replica
  as_server "$bindir/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$replica_data" -R \
    -X stream -c fast >"$work/basebackup.log" 2>&1 || { cat "$work/basebackup.log" >&2; exit 1; }
  replica_port=$(start_pg_server "$replica_data" "$work/replica.log")
  lsn=$(admin "SELECT pg_current_wal_lsn()")
  for _ in $(seq 1 6000); do
    [ "$("$psql" -X -q -A -t "host=127.0.0.1 port=$replica_port user=postgres dbname=postgres" \
      -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && return 0
    sleep 0.1
  done
  echo "the replica did not catch up" >&2
  exit 1
}

now_ns() { date +%s%N; }

# Starts till serve on warehouse $1 with flags $2...; prints "seconds rss_kib peak_kib" at its
# first answer, and leaves it running (server).
start_and_ask() {
  local log=$scratch/serve.log url= start end
  start=$(now_ns)
  "$till" --log-level info serve --warehouse "$1" --port 0 "${@:2}" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 60000); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" || true)
    if [ -n "$url" ] && curl -sf -o /dev/null "${url}api/v1/kpis"; then break; fi
    kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.01
  done
  end=$(now_ns)
  echo "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')" \
    "$(awk '/VmRSS/ { print $2 }' "/proc/$server/status")" \
    "$(awk '/VmHWM/ { print $2 }' "/proc/$server/status")"
}

stop_server() {
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=
}

# Waits up to 10 minutes for file $1 to exist (the cube a cold start writes after answering).
wait_for() {
  for _ in $(seq 1 6000); do
    [ -f "$1" ] && return 0
    sleep 0.1
  done
  echo "$1 was never written" >&2
  exit 1
}

# SQL $2 on warehouse kind $1 at $3, once, in seconds.
peer_seconds() {
  local start end
  start=$(now_ns)
  if [ "$1" = sqlite ]; then
    sqlite3 "$3" "$2" >/dev/null
  else
    "$psql" -X -q -A -t -v ON_ERROR_STOP=1 "$3" -c "$2" >/dev/null
  fi
  end=$(now_ns)
  awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }'
}

# Times each start ($5...: load, none, cold, warm) of till serve on warehouse $2 with cube file
# $3 (the load's at $4), a table row each labelled $1, with sales and peer as set by the caller.
time_starts() {
  local label=$1 warehouse=$2 cube=$3 loaded_cube=$4 start flags seconds rss peak size
  for start in "${@:5}"; do
    flags=(--cube-file "$cube")
    [ "$start" = load ] && flags=(--cube-file "$loaded_cube")
    [ "$start" = none ] && flags=(--no-cube-file)
    [ "$start" = cold ] && rm -f "$cube"
    # Not in a subshell: server must be set here.
    start_and_ask "$warehouse" "${flags[@]}" >"$scratch/start.txt"
    read -r seconds rss peak <"$scratch/start.txt"
    [ "$start" = cold ] && wait_for "$cube"
    stop_server
    size=-
    [ "$start" = load ] && size=$(awk -v b="$(stat -c %s "$loaded_cube")" 'BEGIN { printf "%.1f", b / 1048576 }')
    [ "$start" = cold ] || [ "$start" = warm ] &&
      size=$(awk -v b="$(stat -c %s "$cube")" 'BEGIN { printf "%.1f", b / 1048576 }')
    printf "%-9s %-9s %-5s %9s %9s %9s %10s %12s %9s\n" "$sales" "$label" "$start" "$seconds" \
      "$((rss / 1024))" "$((peak / 1024))" "$((rss * 1024 / sales))" "$size" "$peer"
  done
}

kpis="SELECT sum(total_amount), count(*), sum(total_purchases), count(DISTINCT customer_id), avg(ratings) FROM retail_data_view"
printf "%-9s %-9s %-5s %9s %9s %9s %10s %12s %9s\n" sales backend start first_s rss_MiB peak_MiB bytes/sale cube_file_MiB peer_s
for rows in "${sizes[@]}"; do
  raw=$scratch/raw_$rows.csv
  "$till" generate --rows "$rows" --seed 42 --output "$raw"
  for backend in $backends; do
    if [ "$backend" = sqlite ]; then
      warehouse=$scratch/till_$rows.db
      peer_target=$warehouse
      cube=$warehouse.cube
    else
      admin "CREATE DATABASE till_$rows"
      warehouse="postgres://postgres:$password@127.0.0.1:$port/till_$rows"
      peer_target="host=127.0.0.1 port=$port user=postgres dbname=till_$rows"
      cube=$scratch/till_$rows.cube
    fi
    # The load writes the cube file where `till serve` looks for it without --cube-file.
    XDG_CACHE_HOME=$scratch/cache "$till" --log-level info --log-format json ingest "$raw" \
      --warehouse "$warehouse" >/dev/null 2>"$scratch/ingest.log"
    update=$(grep '"msg":"sales cube file updated"' "$scratch/ingest.log" || true)
    [ -n "$update" ] || { cat "$scratch/ingest.log" >&2; exit 1; }
    update_s=$(sed 's/.*"seconds":\([0-9.e+-]*\).*/\1/' <<<"$update")
    loaded_cube=$(sed 's/.*"cube_file":"\([^"]*\)".*/\1/' <<<"$update")
    if [ "$backend" = sqlite ]; then
      sales=$(sqlite3 "$peer_target" "SELECT count(*) FROM fact_sales")
    else
      sales=$("$psql" -X -q -A -t "$peer_target" -c "SELECT count(*) FROM fact_sales")
    fi
    # The peer first, on a warehouse the load has just written, as the cold start reads it.
    peer=$(peer_seconds "$backend" "$kpis" "$peer_target")
    time_starts "$backend" "$warehouse" "$cube" "$loaded_cube" load none cold warm
    printf "%-9s %-9s the load's update of the cube file: %.2f s\n" "$sales" "$backend" "$update_s"
    if [ "$backend" = postgres ] && [ "${REPLICA:-0}" = 1 ]; then
      start_replica
      warehouse="postgres://postgres:$password@127.0.0.1:$replica_port/till_$rows"
      peer_target="host=127.0.0.1 port=$replica_port user=postgres dbname=till_$rows"
      cube=$scratch/replica_$rows.cube
      peer=$(peer_seconds postgres "$kpis" "$peer_target")
      time_starts replica "$warehouse" "$cube" "" none cold warm
      stop_replica
    fi
  done
  rm -f "$raw"
done

#!/usr/bin/env bash
# `till stream` under load: wrk posts NDJSON requests of 1 and of 500 new rows with 1, 10 and
# 100 connections (clients) for SECONDS each, into a fresh SQLite warehouse (and PostgreSQL with
# --postgres, on a throwaway cluster). Each answer comes once its rows are committed, so wrk's
# latency is the time from POST to committed, queryable in the warehouse (`till serve` shows
# them once it notices the commit: bench/stream_visible.sh measures POST to visible there).
# Reports sustained rows/s (the rows the warehouse holds at the end, over the time), latency
# p50/p95/p99 and the server's peak memory; beside it, in the same run, the peer: the same kind
# of rows as single-row `INSERT … ON CONFLICT DO NOTHING` statements through sqlite3 (and
# psql), each its own transaction, as a receiver that inserts what it is sent would. CPU time
# per row (user + system, which a busy machine disturbs less than wall time): of `till stream`,
# and on PostgreSQL also of the cluster's processes (its server side), over the run. Bytes
# written per row by `till stream` (what it passed to write(2), /proc/PID/io wchar): on SQLite its
# WAL and the checkpoints that copy the WAL's pages into the database.
#
#   bench/stream.sh [SECONDS] [--postgres]      (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
postgres=false
[ "${2:-}" = "--postgres" ] && postgres=true
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
for tool in wrk sqlite3 jq; do
  command -v $tool >/dev/null || { echo "$tool is missing: scripts/install-deps.sh" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: scripts/install-deps.sh" >&2; exit 2; }

tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  if $postgres; then stop_pg_cluster; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# The template row: the first row of a generated file, as NDJSON, its Transaction_ID a %d.
"$till" generate --rows 1 --seed 42 --output "$tmp/one.csv" >/dev/null
template=$(python3 - "$tmp/one.csv" <<'PY'
import csv, json, sys
with open(sys.argv[1], newline="") as f:
    row = next(csv.DictReader(f))
row["Transaction_ID"] = "TEMPLATE_ID"
print(json.dumps(row).replace("%", "%%").replace('"TEMPLATE_ID"', '"%d"'))
PY
)
export STREAM_TEMPLATE="$template"

stream_port=18090
clock_ticks=$(getconf CLK_TCK)
# CPU ticks (user + system) of process $1; of the PostgreSQL cluster's processes with "pg".
cpu_ticks() {
  local pids=$1
  if [ "$1" = pg ]; then
    [ -z "${postmaster:-}" ] && { echo 0; return; }
    pids="$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ')"
  fi
  for pid in $pids; do awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null; done |
    awk '{ t += $1 } END { print t + 0 }'
}
# Runs `till stream` on warehouse $1 under wrk, for each shape; prints a table row each.
run_till() {
  local location=$1 label=$2 base=0
  for rows in 1 500; do
    for clients in 1 10 100; do
      "$till" init --warehouse "$location" >/dev/null 2>&1 || true
      "$till" stream --listen "127.0.0.1:$stream_port" --warehouse "$location" \
        >"$tmp/server.log" 2>&1 &
      server=$!
      for _ in $(seq 100); do curl -sf "http://127.0.0.1:$stream_port/healthz" >/dev/null && break; sleep 0.1; done
      before=$(count "$location")
      export STREAM_ROWS=$rows STREAM_BASE=$base
      base=$((base + 1000000000000))
      threads=$(( clients < 2 ? 1 : 2 ))
      till_ticks=$(cpu_ticks "$server")
      till_written=$(written_bytes "$server")
      pg_ticks=$(cpu_ticks pg)
      start=$(date +%s.%N)
      wrk -t "$threads" -c "$clients" -d "${seconds}s" --timeout 30s \
        -s bench/stream_post.lua "http://127.0.0.1:$stream_port/" >"$tmp/wrk.out" 2>"$tmp/wrk.err"
      elapsed=$(echo "$(date +%s.%N) - $start" | bc)
      peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
      till_ticks=$(( $(cpu_ticks "$server") - till_ticks ))
      till_written=$(( $(written_bytes "$server") - till_written ))
      # The cluster's side: its processes now (the stream's sessions end with it) less before.
      pg_ticks=$(( $(cpu_ticks pg) - pg_ticks ))
      kill -INT "$server"
      wait "$server" || true
      server=""
      after=$(count "$location")
      read -r _ requests errors p50 p95 p99 _ < <(grep '^WRK' "$tmp/wrk.out")
      loaded=$((after - before))
      local pg_us=""
      [ "$label" = PostgreSQL ] && pg_us=$(per_row_us "$pg_ticks" "$loaded")
      local per_row_written="-"
      [ "$loaded" -gt 0 ] && per_row_written=$(( till_written / loaded ))
      printf "| %s | %d | %d | %d | %.0f | %.1f | %.1f | %.1f | %d | %s | %s | %s | %d MiB |\n" \
        "$label" "$rows" "$clients" "$requests" "$(echo "$loaded / $elapsed" | bc -l)" "$p50" \
        "$p95" "$p99" "$errors" "$(per_row_us "$till_ticks" "$loaded")" "$pg_us" \
        "$per_row_written" $(( peak_kib / 1024 ))
    done
  done
}

# Bytes process $1 has passed to write(2) so far.
written_bytes() {
  awk '/^wchar:/ { print $2 }' "/proc/$1/io" 2>/dev/null || echo 0
}

# Microseconds of CPU per row: ticks $1 over rows $2.
per_row_us() {
  [ "$2" -gt 0 ] && echo "$1 $2 $clock_ticks" | awk '{ printf "%.1f", $1 / $3 * 1e6 / $2 }' || echo "-"
}

count() {
  case $1 in
    postgres*) "$psql" -X -qtA "$1" -c "SELECT count(*) FROM fact_sales" ;;
    *) sqlite3 "$1" "SELECT count(*) FROM fact_sales" ;;
  esac
}

# The peer: N single-row INSERT … ON CONFLICT DO NOTHING statements, each committed alone.
peer_sql() {
  local n=$1
  python3 - "$tmp/one.csv" "$n" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as f:
    reader = csv.reader(f)
    header = next(reader)
    row = next(reader)
cols = ", ".join('"%s"' % c for c in header)
print('CREATE TABLE IF NOT EXISTS sales (%s, PRIMARY KEY ("Transaction_ID"));' % ", ".join(
    '"%s" TEXT' % c for c in header))
for i in range(int(sys.argv[2])):
    values = ["'%s'" % (str(1000000 + i) if c == "Transaction_ID" else v.replace("'", "''"))
              for c, v in zip(header, row)]
    print("INSERT INTO sales (%s) VALUES (%s) ON CONFLICT DO NOTHING;" % (cols, ", ".join(values)))
PY
}

peer_rows=${PEER_ROWS:-5000}
peer_sql "$peer_rows" >"$tmp/peer.sql"

echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| back end | rows/request | clients | requests | rows/s | p50 ms | p95 ms | p99 ms | errors | till CPU µs/row | PostgreSQL CPU µs/row | till bytes written/row | peak |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
run_till "$tmp/stream.db" SQLite
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$tmp/peer_mem" sqlite3 "$tmp/peer.db" <"$tmp/peer.sql"
peer_s=$(echo "$(date +%s.%N) - $start" | bc)
sqlite_peer=$(echo "$peer_rows / $peer_s" | bc -l)
printf "| peer: sqlite3, single-row INSERT … ON CONFLICT DO NOTHING | 1 | 1 | %d | %.0f | | | | | | | | %d MiB |\n" \
  "$peer_rows" "$sqlite_peer" $(( $(cat "$tmp/peer_mem") / 1024 ))

if $postgres; then
  source bench/pg_cluster.sh
  start_pg_cluster
  admin "CREATE DATABASE stream"
  admin "CREATE DATABASE peer"
  run_till "postgres://postgres:$password@127.0.0.1:$port/stream" PostgreSQL
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$tmp/peer_mem" "$psql" -X -q \
    "host=127.0.0.1 port=$port user=postgres dbname=peer" <"$tmp/peer.sql" >/dev/null
  peer_s=$(echo "$(date +%s.%N) - $start" | bc)
  printf "| peer: psql, single-row INSERT … ON CONFLICT DO NOTHING | 1 | 1 | %d | %.0f | | | | | | | | %d MiB |\n" \
    "$peer_rows" "$(echo "$peer_rows / $peer_s" | bc -l)" $(( $(cat "$tmp/peer_mem") / 1024 ))
fi
echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

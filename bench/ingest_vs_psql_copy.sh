#!/usr/bin/env bash
# Times `till ingest` of a generated raw file into a fresh, empty PostgreSQL warehouse beside the
# peer, `psql \copy` of the same file into one flat UNLOGGED table of 30 text columns, in the same
# run, alternating the two. Reports medians of wall time, peak memory and WAL written, the ratio,
# rows/s and MB/s, for each size.
#
#   bench/ingest_vs_psql_copy.sh [RUNS] [ROWS...]     (defaults: 5 runs; 302010 3020100)
#
# TILL names the binary (build/release/src/cli/till by default); BASELINE, another build of Till
# timed in the same rounds (each round both builds, in turns first, then the peer), to compare
# two builds.
#
# The server is a throwaway PostgreSQL cluster this script starts: initdb in a temporary folder,
# listening on 127.0.0.1 only, scram-sha-256 for the superuser, and initdb's default settings
# otherwise (fsync on, synchronous_commit on; they are printed first). It is stopped and removed
# on exit. Every run of either tool gets a database of its own, created (and for the peer its
# table too) and checkpointed before the clock starts, dropped after, so that no run pays for
# another's dirty buffers. Both clients connect over TCP to 127.0.0.1. Till's time includes
# creating its schema, a few milliseconds.
#
# Reading the columns:
#   peak_MiB    the client's max RSS (/usr/bin/time): till, or psql.
#   server_MiB  the peak RSS (VmHWM) of the server backend serving the run's database, sampled
#               from /proc every 0.1 s. It counts the shared_buffers pages the backend touched,
#               so it is not its private memory alone, and a peak in its last 0.1 s is missed.
#   WAL_MB      WAL the whole server wrote while the command ran. The peer's table is UNLOGGED
#               and writes almost none; Till's warehouse is crash-safe, logged tables.
# The two do not do the same work: Till parses, cleans and types every field, rejects bad rows,
# and builds the dimensions, facts and indexes of the star schema; the peer stores 30 text columns
# as they come. The ratio says what that costs next to the fastest way into PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
shift || true
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(302010 3020100)
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
baseline=${BASELINE:-}
[ -z "$baseline" ] || [ -x "$baseline" ] || { echo "BASELINE=$baseline is not a program" >&2; exit 2; }
tills=(till)
[ -n "$baseline" ] && tills+=(baseline)
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: scripts/install-deps.sh" >&2; exit 2; }
source bench/pg_cluster.sh
sampler=
cleanup() {
  set +e
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  stop_pg_cluster
  rm -f "${settings:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The load alone: the cube file, stored forecasts and customer segments a load refreshes
# afterwards are timed by bench/serve_start.sh, bench/forecast.sh and bench/segments.sh.
settings=$(mktemp)
printf '[forecast]\nrefresh = false\nanomaly_alerts = false\n[segments]\nrefresh_after_load = false\n[serve]\ncube_after_load = false\n' \
  >"$settings"
export TILL_CONFIG="$settings"
start_pg_cluster

admin "SELECT 'PostgreSQL ' || current_setting('server_version') || ': ' || string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers', 'wal_level', 'synchronous_commit', 'fsync', 'max_wal_size')"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Until killed: the largest VmHWM (KiB) seen of the server backend serving database $1 (Till
# opens one session, as psql does), written to $2 on the way out.
sample_backend() {
  local db=$1 out=$2 peak=0 pid cmd key value kids=()
  trap - EXIT INT
  trap 'echo $peak >"$out"; exit 0' TERM
  while :; do
    read -r -a kids <"/proc/$postmaster/task/$postmaster/children" || true
    for pid in "${kids[@]}"; do
      cmd=
      IFS= read -r -d '' cmd 2>/dev/null <"/proc/$pid/cmdline" || true
      [[ $cmd == "postgres: postgres $db "* ]] || continue
      while read -r key value _; do
        [ "$key" = VmHWM: ] && { [ "$value" -gt "$peak" ] && peak=$value; break; }
      done 2>/dev/null <"/proc/$pid/status" || true
    done
    sleep 0.1
  done
}

wal_lsn() { admin "SELECT pg_current_wal_insert_lsn()"; }

# Runs a command against database $2 (already created), appends
# "seconds client_kib server_kib wal_bytes" to file $1.
measure() {
  local out=$1 db=$2 before
  shift 2
  admin "CHECKPOINT"
  before=$(wal_lsn)
  sample_backend "$db" "$work/server_kib" &
  sampler=$!
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
    cat "$work/stderr" >&2
    exit 1
  }
  kill "$sampler"
  wait "$sampler" || true
  sampler=
  echo "$(cat "$work/time") $(cat "$work/server_kib") $(admin "SELECT pg_wal_lsn_diff('$(wal_lsn)', '$before')")" >>"$out"
}

printf "%-9s %-16s %9s %12s %9s %10s %10s %9s\n" rows tool median_s rows_per_s MB_per_s peak_MiB server_MiB WAL_MB
for rows in "${sizes[@]}"; do
  raw="$work/raw_$rows.csv"
  "$till" generate --rows "$rows" --seed 42 --output "$raw"
  bytes=$(stat -c %s "$raw")
  columns=$(head -1 "$raw" | tr -d '\r' | awk -F, '{ for (i = 1; i <= NF; i++) { gsub(/"/, "\"\"", $i); printf "%s\"%s\" text", (i > 1 ? ", " : ""), $i } }')
  for tool in "${tills[@]}" peer; do : >"$work/$tool.$rows"; done
  for ((i = 0; i < runs; i++)); do
    order=("${tills[@]}")
    # With a baseline, which of the two goes first alternates: the first after the file is
    # written reads it from a cold cache.
    [ $((i % 2)) -eq 1 ] && [ -n "$baseline" ] && order=(baseline till)
    for tool in "${order[@]}"; do
      db=${tool}_${rows}_$i
      binary=$([ "$tool" = till ] && echo "$till" || echo "$baseline")
      admin "CREATE DATABASE $db"
      measure "$work/$tool.$rows" "$db" "$binary" ingest "$raw" \
        --warehouse "postgres://postgres:$password@127.0.0.1:$port/$db"
      loaded=$(admin "SELECT coalesce(sum(rows_read), 0) FROM etl_file WHERE status = 'loaded'" "$db")
      [ "$loaded" -eq "$rows" ] || { echo "$tool read $loaded rows of $rows" >&2; exit 1; }
      admin "DROP DATABASE $db"
    done

    db=peer_${rows}_$i
    admin "CREATE DATABASE $db"
    admin "CREATE UNLOGGED TABLE raw ($columns)" "$db"
    measure "$work/peer.$rows" "$db" "$psql" -X -q -v ON_ERROR_STOP=1 \
      "host=127.0.0.1 port=$port user=postgres dbname=$db" \
      -c "\\copy raw FROM '$raw' WITH (FORMAT csv, HEADER true)"
    loaded=$(admin "SELECT count(*) FROM raw" "$db")
    [ "$loaded" -eq "$rows" ] || { echo "psql \\copy loaded $loaded rows of $rows" >&2; exit 1; }
    admin "DROP DATABASE $db"
  done
  for tool in "${tills[@]}" peer; do
    t=$(cut -d' ' -f1 "$work/$tool.$rows" | median)
    m=$(cut -d' ' -f2 "$work/$tool.$rows" | median)
    s=$(cut -d' ' -f3 "$work/$tool.$rows" | median)
    w=$(cut -d' ' -f4 "$work/$tool.$rows" | median)
    case $tool in
      till) name="till ingest" ;;
      baseline) name="baseline ingest" ;;
      *) name="psql \\copy" ;;
    esac
    awk -v r="$rows" -v t="$t" -v m="$m" -v s="$s" -v w="$w" -v b="$bytes" -v n="$name" \
      'BEGIN { printf "%-9d %-16s %9.3f %12.0f %9.1f %10.1f %10.1f %9.1f\n", r, n, t, r / t, b / 1e6 / t, m / 1024, s / 1024, w / 1e6 }'
  done
  paste -d' ' <(cut -d' ' -f1 "$work/till.$rows") <(cut -d' ' -f1 "$work/peer.$rows") |
    awk '{ print $1 / $2 }' | median | awk -v r="$rows" '{ printf "%-9d ratio till/peer (median of pairs): %.2f\n", r, $1 }'
  if [ -n "$baseline" ]; then
    paste -d' ' <(cut -d' ' -f1 "$work/till.$rows") <(cut -d' ' -f1 "$work/baseline.$rows") |
      awk '{ print $1 / $2 }' | median |
      awk -v r="$rows" '{ printf "%-9d ratio till/baseline (median of pairs): %.2f\n", r, $1 }'
  fi
  rm -f "$raw"
done

#!/usr/bin/env bash
# Does a warehouse stay as fast after many stream batches? A warehouse holding one file of
# BASE_ROWS generated rows takes BATCHES one-request batches through `till stream` (one client
# posting ROWS NDJSON rows a request, rows of a generated file of their own, and waiting for
# each answer, --group-ms 0, so each request is its own batch: its own etl_file record and
# commit). A copy of the warehouse is kept
# as it was after 10 batches; after BATCHES, the two are measured in turns, ROUNDS times, so
# that a machine growing busier or quieter during the run weighs on both alike:
#   - dashboard SQL: the retail_data_view count for one category, timed inside sqlite3 (wall and
#     CPU time) / the PostgreSQL server;
#   - API: `till serve --no-cache --no-cube-file` started on the warehouse, the time to its
#     first answer (reading every sale) and a category-filtered /api/v1/kpis answer (median of
#     5 a round), computed each time;
#   - file load: `till ingest` of a new generated file of FILE_ROWS rows into a fresh copy of the
#     warehouse (which itself only gains batches), wall and CPU time, without what follows a
#     load by default (the cube file's update, the forecast and segment refresh), which reads
#     the whole warehouse however its rows came;
#   - the peer: the same category count on a plain table holding the view's rows
#     (CREATE TABLE … AS SELECT * FROM retail_data_view), which batches cannot have slowed.
# One-row batches by default, so that the rows batches add (3% of the base) barely change what
# a query reads: what is measured is what a batch costs beyond its rows. Medians of the rounds.
# Target (issue 18): after BATCHES, each within 10% of its figure after 10.
#
#   bench/stream_batches.sh [sqlite|postgres]...      (default: both)
#   BATCHES=10000 ROWS=1 BASE_ROWS=300000 FILE_ROWS=20000 ROUNDS=5 bench/stream_batches.sh sqlite
set -euo pipefail
cd "$(dirname "$0")/.."

backends=("$@")
[ ${#backends[@]} -eq 0 ] && backends=(sqlite postgres)
batches=${BATCHES:-10000}
rows=${ROWS:-1}
base_rows=${BASE_ROWS:-300000}
file_rows=${FILE_ROWS:-20000}
rounds=${ROUNDS:-5}
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: scripts/install-deps.sh" >&2; exit 2; }
for tool in sqlite3 curl python3; do
  command -v $tool >/dev/null || { echo "$tool is missing: scripts/install-deps.sh" >&2; exit 2; }
done

scratch=$(mktemp -d)
server=
cleanup() {
  set +e
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [[ " ${backends[*]} " == *" postgres "* ]] && stop_pg_cluster
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A file load is timed without what follows it by default (the cube file's update, the forecast
# and segment refresh): that reads the whole warehouse, however the rows came, and would swamp
# the load's time.
printf '[forecast]\nrefresh = false\n[segments]\nrefresh_after_load = false\n[serve]\ncube_after_load = false\n' \
  >"$scratch/till.toml"
export TILL_CONFIG=$scratch/till.toml
if [[ " ${backends[*]} " == *" postgres "* ]]; then
  source bench/pg_cluster.sh
  start_pg_cluster
fi

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now_us() { echo $(($(date +%s%N) / 1000)); }

# Runs SQL $2 on warehouse $1, printing its result.
sql() {
  case $1 in
    postgres*) "$psql" -X -q -A -t -v ON_ERROR_STOP=1 "$1" -c "$2" ;;
    *) sqlite3 "$1" "$2" ;;
  esac
}

# One timing of SQL $2 on $1 inside the engine (sqlite3's .timer, PostgreSQL's planning and
# execution time), in milliseconds: without the client's start, which on a busy machine varies
# more than the query. On SQLite, then the CPU time (user and system) the query took, which
# other work on the machine disturbs less; on PostgreSQL, "-" (the server's CPU is not told).
sql_ms() {
  case $1 in
    postgres*)
      "$psql" -X -q -A -t -v ON_ERROR_STOP=1 "$1" -c "EXPLAIN (ANALYZE, TIMING OFF) $2" |
        awk '/^(Planning|Execution) Time/ { ms += $3 } END { printf "%.1f -\n", ms }'
      ;;
    *)
      printf '.timer on\n%s;\n' "$2" | sqlite3 "$1" |
        awk '/^Run Time/ { printf "%.1f %.1f\n", $4 * 1000, ($6 + $8) * 1000 }'
      ;;
  esac
}

# The rows the batches post: a generated file of their own seed, as NDJSON, one line a row. Its
# rows are as varied as a file's (customers, products, a dirty row now and then), so that the
# batches do not skew what the planner knows of the data. (Until this version every batch posted
# one row with a new Transaction_ID: 9,990 facts of one customer and one category, which tipped
# PostgreSQL's join order for the category count.)
"$till" generate --rows $((batches * rows)) --seed 9 --output "$scratch/batches.csv" >/dev/null
python3 - "$scratch/batches.csv" "$scratch/batches.ndjson" <<'PY'
import csv, json, sys
with open(sys.argv[1], newline="") as source, open(sys.argv[2], "w") as out:
    for row in csv.DictReader(source):
        out.write(json.dumps(row) + "\n")
PY
rm "$scratch/batches.csv"

# Posts batches $2 … $3 - 1 of ROWS rows each (lines of batches.ndjson) to the stream at port
# $1 over one keep-alive connection, each answered (committed) before the next is sent; exits
# non-zero on any other answer than 200 or a row not accounted for (accepted, rejected or a
# duplicate). Prints the rows accepted.
post_batches() {
  python3 - "$1" "$2" "$3" "$rows" "$scratch/batches.ndjson" <<'PY'
import http.client, itertools, json, sys
port, first, last, rows = (int(a) for a in sys.argv[1:5])
with open(sys.argv[5]) as f:
    lines = list(itertools.islice(f, first * rows, last * rows))
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
accepted = 0
for batch in range(last - first):
    body = "".join(lines[batch * rows:(batch + 1) * rows])
    connection.request("POST", "/v1/transactions", body,
                       {"Content-Type": "application/x-ndjson"})
    answer = connection.getresponse()
    text = answer.read()
    if answer.status != 200:
        sys.exit("batch %d: %d %s" % (first + batch, answer.status, text[:200]))
    count = json.loads(text)
    if count["accepted"] + count["rejected"] + count["duplicate"] != rows:
        sys.exit("batch %d: rows unaccounted for: %s" % (first + batch, text[:200]))
    accepted += count["accepted"]
print(accepted)
PY
}

stream_port=${STREAM_PORT:-18091}
# Runs `till stream` on $1 while posting batches $2 … $3 - 1.
stream_batches() {
  "$till" stream --listen "127.0.0.1:$stream_port" --warehouse "$1" --group-ms 0 \
    >"$scratch/stream.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$stream_port/healthz" >/dev/null && break; sleep 0.1; done
  post_batches "$stream_port" "$2" "$3" >>"$scratch/accepted"
  kill -INT "$server"
  wait "$server" || true
  server=
}

# "first_answer_ms kpis_ms" of `till serve --no-cache` on $1.
api_ms() {
  local log=$scratch/serve.log url start first
  start=$(now_us)
  "$till" serve --warehouse "$1" --port 0 --no-cache --no-cube-file >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 3000); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" || true)
    [ -n "$url" ] && curl -sf -o /dev/null "${url}api/v1/kpis" && break
    kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.02
  done
  first=$(( $(now_us) - start ))
  kpis=$(for _ in 1 2 3 4 5; do
    curl -sf -o /dev/null -w '%{time_total}\n' "${url}api/v1/kpis?category=Electronics"
  done | median)
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=
  awk -v f="$first" -v k="$kpis" 'BEGIN { printf "%.0f %.1f\n", f / 1000, k * 1000 }'
}

# Copy $2 of warehouse $1 (a database of the same cluster, or a file beside it); prints its
# location. drop_copy removes it.
copy_of() {
  case $1 in
    postgres*)
      admin "CREATE DATABASE $2 TEMPLATE ${1##*/}"
      echo "${1%/*}/$2"
      ;;
    *)
      cp "$1" "$scratch/$2.db"
      [ -f "$1-wal" ] && cp "$1-wal" "$scratch/$2.db-wal"
      echo "$scratch/$2.db"
      ;;
  esac
}
drop_copy() {
  case $1 in
    postgres*) admin "DROP DATABASE ${1##*/}" ;;
    *) rm -f "$1" "$1-wal" "$1-shm" ;;
  esac
}

# Wall time and CPU time (user and system) of loading new file $2 into a fresh copy of $1, in
# milliseconds.
ingest_ms() {
  local copy
  copy=$(copy_of "$1" load_copy)
  /usr/bin/time -f "%e %U %S" -o "$scratch/ingest.time" \
    "$till" ingest --warehouse "$copy" "$2" >/dev/null
  awk '{ printf "%.0f %.0f\n", $1 * 1000, ($2 + $3) * 1000 }' "$scratch/ingest.time"
  drop_copy "$copy"
}

category="SELECT count(*) FROM retail_data_view WHERE product_category = 'Electronics'"

# Adds to $scratch/$3.round one round of figures of warehouse $1: the view's count (wall and CPU
# time), the first answer, kpis, a file load of file $4 (wall and CPU time) and the plain
# table's count (wall time).
measure_round() {
  local view api_line load peer
  view=$(sql_ms "$1" "$category")
  api_line=$(api_ms "$1")
  load=$(ingest_ms "$1" "$4")
  peer=$(sql_ms "$1" "${category/retail_data_view/peer_flat}")
  echo "$view $api_line $load ${peer%% *}" >>"$scratch/$3.round"
}

# Prints the table row of warehouse $1 (kind $2) after $3 batches, from the medians of
# $scratch/$4.round.
report() {
  local files facts column figures=()
  files=$(sql "$1" "SELECT count(*) FROM etl_file")
  facts=$(sql "$1" "SELECT count(*) FROM fact_sales")
  for column in 1 2 3 4 5 6 7; do
    figures+=("$(awk -v c=$column '{ print $c }' "$scratch/$4.round" |
      { read -r first; [ "$first" = - ] && echo - || { echo "$first"; cat; } | median; })")
  done
  printf "| %s | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s |\n" "$2" "$3" "$files" "$facts" \
    "${figures[@]}"
}

echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| back end | batches | etl_file rows | facts | category count via view, ms | its CPU, ms | serve first answer, ms | API kpis?category, ms | ingest of $file_rows rows, ms | its CPU, ms | peer: count on a plain table, ms |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for kind in "${backends[@]}"; do
  case $kind in
    sqlite) location=$scratch/batches.db ;;
    postgres)
      admin "CREATE DATABASE batches"
      location="postgres://postgres:$password@127.0.0.1:$port/batches"
      ;;
    *) echo "unknown back end $kind (sqlite or postgres)" >&2; exit 2 ;;
  esac
  "$till" init --warehouse "$location" >/dev/null
  "$till" generate --rows "$base_rows" --seed 7 --output "$scratch/base.csv" >/dev/null
  "$till" ingest --warehouse "$location" "$scratch/base.csv" >/dev/null
  rm -f "$scratch/base.csv"
  stream_batches "$location" 0 10
  early=$(copy_of "$location" after_ten)
  start=$(now_us)
  stream_batches "$location" 10 "$batches"
  elapsed=$(( $(now_us) - start ))
  for warehouse in "$early" "$location"; do
    sql "$warehouse" "CREATE TABLE peer_flat AS SELECT * FROM retail_data_view" >/dev/null
    # Vacuumed whole, as autovacuum would in time: else it may run during some rounds of the
    # warehouse whose batches left dead rows behind, and weigh on those rounds alone.
    [ "$kind" = postgres ] && sql "$warehouse" "VACUUM ANALYZE" >/dev/null
  done
  rm -f "$scratch/early.round" "$scratch/late.round"
  # In turns, and each round in the other order than the last (ABBA), so that neither state
  # is always measured first.
  for round in $(seq "$rounds"); do
    "$till" generate --rows "$file_rows" --seed "$((100 + round))" --output "$scratch/file.csv" >/dev/null
    if [ $((round % 2)) -eq 1 ]; then
      measure_round "$early" "$kind" early "$scratch/file.csv"
      measure_round "$location" "$kind" late "$scratch/file.csv"
    else
      measure_round "$location" "$kind" late "$scratch/file.csv"
      measure_round "$early" "$kind" early "$scratch/file.csv"
    fi
  done
  report "$early" "$kind" 10 early
  report "$location" "$kind" "$batches" late
  for state in early late; do
    echo "($kind, $state, each round: $(paste -sd ';' "$scratch/$state.round"))"
  done
  drop_copy "$early"
  echo "($kind: $((batches - 10)) batches of $rows rows in $((elapsed / 1000000)) s, $(awk '{ s += $1 } END { print s }' "$scratch/accepted") rows accepted; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  rm -f "$scratch/accepted"
done

#!/usr/bin/env bash
# Does a PostgreSQL warehouse stay as fast after many files as after ten? A warehouse holding
# one file of BASE_ROWS generated rows takes FILES small files of ROWS rows each (cut from one
# generated file, so they share customers and products) through `till ingest`, in two
# warehouses of the same throwaway cluster, side by side:
#   - shared: Till's default, small files appending to the one table they share;
#   - peer: file_partition_mib = 0, every file a partition of fact_sales of its own (what every
#     file did before schema version 11).
# A copy of each warehouse is kept as it was after 10 files; after FILES, the two states are
# measured in turns, ROUNDS times (each round in the other order than the last, ABBA), so that a
# machine growing busier or quieter during the run weighs on both alike:
#   - partitions of fact_sales (tables, not their indexes);
#   - dashboard SQL: the retail_data_view count for one category, timed inside the server
#     (planning and execution, median of 3), beside the same count on a plain table of the
#     view's rows (CREATE TABLE … AS), which the number of files cannot have slowed;
#   - file load: `till ingest` of one more file of ROWS rows into a fresh copy of the state
#     (CREATE DATABASE … TEMPLATE), its wall time with the process's start, and its CPU time.
# Medians of the rounds. The base file keeps what the small files add to the data small (FILES × ROWS beside
# BASE_ROWS), so that what is measured is what a file costs beyond its rows.
# Then, for each size of LARGE_ROWS (none by default), one file of that many rows loaded into the
# shared table and into a partition of its own (median of 3 each): the size at which a file's
# own partition starts to pay, which file_partition_mib's default (16) comes from.
#
# PEER=0 leaves the peer out, for runs of more files than it can load in reasonable time (it
# took 16 minutes for 2,000).
#
#   bench/pg_many_files.sh
#   FILES=2000 ROWS=20 BASE_ROWS=300000 LARGE_ROWS="20000 60000 120000 240000" bench/pg_many_files.sh
#   FILES=10000 PEER=0 ROUNDS=8 bench/pg_many_files.sh
set -euo pipefail
cd "$(dirname "$0")/.."

files=${FILES:-2000}
rows=${ROWS:-20}
base_rows=${BASE_ROWS:-300000}
large_rows=${LARGE_ROWS:-}
rounds=${ROUNDS:-5}
kinds=(shared peer)
[ "${PEER:-1}" = 0 ] && kinds=(shared)
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: scripts/install-deps.sh" >&2; exit 2; }

source bench/pg_cluster.sh
scratch=$(mktemp -d)
cleanup() {
  set +e
  stop_pg_cluster
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start_pg_cluster

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now_us() { echo $(($(date +%s%N) / 1000)); }

# till.toml for warehouse $1 whose files of $2 MiB or more get their own partition. The loads are
# timed without the forecast and segment refresh that follows each by default: it reads the
# whole warehouse, however the rows came, and would swamp a small file's load.
write_config() {
  printf 'file_partition_mib = %d\n[forecast]\nrefresh = false\n[segments]\nrefresh_after_load = false\n[serve]\ncube_after_load = false\n' \
    "$2" >"$scratch/$1.toml"
}
write_config shared 16
write_config peer 0
for kind in "${kinds[@]}"; do
  admin "CREATE DATABASE $kind"
  TILL_CONFIG=$scratch/$kind.toml "$till" init \
    --warehouse "postgres://postgres:$password@127.0.0.1:$port/$kind" >/dev/null
done
location() { echo "postgres://postgres:$password@127.0.0.1:$port/$1"; }
# Loads files $3… into database $2 with the settings of warehouse kind $1.
ingest_into() {
  local kind=$1 database=$2
  shift 2
  TILL_CONFIG=$scratch/$kind.toml "$till" ingest --warehouse "$(location "$database")" "$@" >/dev/null
}
ingest() { ingest_into "$1" "$@"; }

"$till" generate --rows "$base_rows" --seed 5 --output "$scratch/base.csv" >/dev/null
for kind in "${kinds[@]}"; do ingest "$kind" "$scratch/base.csv"; done
rm "$scratch/base.csv"

# FILES + ROUNDS files of ROWS rows: the ones loaded, and one each round times.
total=$((files + rounds))
"$till" generate --rows $((total * rows)) --seed 7 --output "$scratch/all.csv" >/dev/null
mkdir -p "$scratch/files"
awk -v rows="$rows" -v dir="$scratch/files" '
  NR == 1 { header = $0; next }
  (NR - 2) % rows == 0 { if (out) close(out); out = sprintf("%s/f%05d.csv", dir, (NR - 2) / rows); print header > out }
  { print > out }' "$scratch/all.csv"
rm "$scratch/all.csv"
mapfile -t all < <(ls "$scratch"/files/f*.csv)
timed=("${all[@]:files}")  # the file each round loads, into a copy of each state

category="SELECT count(*) FROM retail_data_view WHERE product_category = 'Electronics'"
# Median of 3 timings of the category count in database $1, through the view or on table $2.
count_ms() {
  local sql=${category/retail_data_view/${2:-retail_data_view}}
  for _ in 1 2 3; do
    "$psql" -X -q -A -t -v ON_ERROR_STOP=1 "$(location "$1")" -c "EXPLAIN (ANALYZE, TIMING OFF) $sql" |
      awk '/^(Planning|Execution) Time/ { ms += $3 } END { print ms }'
  done | median | awk '{ printf "%.1f", $1 }'
}
# "wall_ms cpu_ms" of loading file $3 into a fresh copy of database $2 (warehouse kind $1).
load_ms() {
  admin "CREATE DATABASE load_copy TEMPLATE $2"
  TILL_CONFIG=$scratch/$1.toml /usr/bin/time -f "%e %U %S" -o "$scratch/ingest.time" \
    "$till" ingest --warehouse "$(location load_copy)" "$3" >/dev/null
  admin "DROP DATABASE load_copy"
  awk '{ printf "%.0f %.0f\n", $1 * 1000, ($2 + $3) * 1000 }' "$scratch/ingest.time"
}
partitions() {
  "$psql" -X -q -A -t "$(location "$1")" -c "SELECT count(*) FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r', 'p')"
}
query() { "$psql" -X -q -A -t -v ON_ERROR_STOP=1 "$(location "$1")" -c "$2"; }
# Adds to $scratch/$2.round one round of database $2 (kind $1), loading file $3: the view's
# count, the plain table's, and the load's wall and CPU time.
measure_round() {
  local view flat load
  view=$(count_ms "$2")
  flat=$(count_ms "$2" peer_flat)
  load=$(load_ms "$1" "$2" "$3")
  echo "$view $flat $load" >>"$scratch/$2.round"
}
# The table row of database $2 (kind $1) after $3 files, from the medians of its rounds.
report() {
  local column figures=()
  for column in 1 2 3 4; do
    figures+=("$(awk -v c=$column '{ print $c }' "$scratch/$2.round" | median)")
  done
  printf "| %s | %d | %d | %d | %s | %s | %s | %s |\n" "$1" "$3" "$(partitions "$2")" \
    "$(query "$2" "SELECT count(*) FROM fact_sales")" "${figures[@]}"
  echo "($1 after $3 files, each round: $(paste -sd ';' "$scratch/$2.round"))"
}

echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in "${kinds[@]}"; do
  ingest "$kind" "${all[@]:0:10}"
  admin "CREATE DATABASE ${kind}_early TEMPLATE $kind"
done
rest=("${all[@]:10:files-10}")
for kind in "${kinds[@]}"; do
  start=$(now_us)
  for ((i = 0; i < ${#rest[@]}; i += 200)); do ingest "$kind" "${rest[@]:i:200}"; done
  echo "($kind: $((files - 10)) more files in $((($(now_us) - start) / 1000000)) s; load average $(cut -d' ' -f1-3 /proc/loadavg))"
done
for kind in "${kinds[@]}"; do
  for database in "${kind}_early" "$kind"; do
    query "$database" "CREATE TABLE peer_flat AS SELECT * FROM retail_data_view" >/dev/null
    # Vacuumed whole, as autovacuum would in time, so that it does not run during some rounds.
    query "$database" "VACUUM ANALYZE" >/dev/null
    rm -f "$scratch/$database.round"
  done
  for round in $(seq "$rounds"); do
    file=${timed[round - 1]}
    if [ $((round % 2)) -eq 1 ]; then
      measure_round "$kind" "${kind}_early" "$file"
      measure_round "$kind" "$kind" "$file"
    else
      measure_round "$kind" "$kind" "$file"
      measure_round "$kind" "${kind}_early" "$file"
    fi
  done
done
echo "| warehouse | files loaded | partitions | facts | category count via view, ms | peer: count on a plain table, ms | ingest of one more $rows-row file, ms | its CPU, ms |"
echo "|---|---|---|---|---|---|---|---|"
for kind in "${kinds[@]}"; do
  report "$kind" "${kind}_early" 10
  report "$kind" "$kind" "$files"
done
echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in "${kinds[@]}"; do
  query "$kind" "DROP TABLE peer_flat" >/dev/null
done

# One file of each of LARGE_ROWS' sizes, loaded into the shared table (the threshold raised above
# it) and into a partition of its own, each time into a fresh copy of the warehouse of the files
# above (medians of 3): where a file's own partition starts to pay.
if [ -n "$large_rows" ]; then
  echo
  echo "| one file of | MiB | into the shared table, ms | into a partition of its own, ms | load average |"
  echo "|---|---|---|---|---|"
  for size in $large_rows; do
    "$till" generate --rows "$size" --seed 99 --output "$scratch/large.csv" >/dev/null
    bytes=$(stat -c %s "$scratch/large.csv")
    write_config large_shared $((bytes / 1048576 + 1))
    write_config large_own 0
    times=()
    for target in large_shared large_own; do
      times+=("$(for _ in 1 2 3; do
        admin "CREATE DATABASE $target TEMPLATE shared"
        start=$(now_us)
        ingest "$target" "$scratch/large.csv"
        echo $((($(now_us) - start) / 1000))
        admin "DROP DATABASE $target"
      done | median)")
    done
    printf "| %d rows | %s | %d | %d | %s |\n" "$size" \
      "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')" "${times[0]}" "${times[1]}" \
      "$(cut -d' ' -f1-3 /proc/loadavg)"
  done
fi

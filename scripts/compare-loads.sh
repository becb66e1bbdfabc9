#!/usr/bin/env bash
# Loads the same sequences of files with two till binaries, on SQLite and on PostgreSQL, and
# compares what each left in the warehouse, table by table. For changes that must not change
# behaviour: the warehouses must be equal row for row.
#
#   scripts/compare-loads.sh OLD_TILL NEW_TILL [sqlite|postgres|both]
#
# The sequences: a first load of a generated 302,010-row file; a small first load, then ten
# files that overlap it and each other (parts of the big file, a file delivered twice, a file
# with changed lines, the sample and golden inputs), then the big file; and a watched folder
# where files are added, changed, renamed and deleted. Every table is dumped sorted, without
# the columns that hold clock readings (*_at, seconds), file-system versions (version: the
# modification time and inode of a landing key) or process identities (owner: a run's process or
# server session). Exits 0 when every dump is equal, 1 with
# a diff otherwise. The dumps stay in the printed folder.
set -euo pipefail

usage() { echo "usage: $0 OLD_TILL NEW_TILL [sqlite|postgres|both]" >&2; exit 2; }
[ $# -ge 2 ] || usage
old=$(realpath "$1")
new=$(realpath "$2")
engines=${3:-both}
case "$engines" in sqlite) engines=(sqlite) ;; postgres) engines=(postgres) ;;
  both) engines=(sqlite postgres) ;; *) usage ;; esac
repo=$(cd "$(dirname "$0")/.." && pwd)

root=$(mktemp -d)
chmod 755 "$root"  # the PostgreSQL server may run as another user, from this folder
echo "dumps in $root"
inputs=$root/inputs
mkdir -p "$inputs"
"$old" generate --rows 302010 --seed 42 --output "$inputs/big.csv" >/dev/null
"$old" generate --rows 5000 --seed 7 --output "$inputs/small.csv" >/dev/null
"$old" generate --rows 2000 --seed 3 --output "$inputs/tiny.csv" >/dev/null
header=$(head -1 "$inputs/big.csv")
part() { { echo "$header"; sed -n "$2,$3p" "$inputs/big.csv"; } >"$inputs/$1.csv"; }
part head 2 100001
part middle 50001 150001
part tail 250001 302011
cp "$inputs/head.csv" "$inputs/head-again.csv"
# Changed lines: the same rows with another quantity, and some of them twice.
{ echo "$header"; sed -n '2,20001p' "$inputs/big.csv" | sed 's/,\([0-9]\),/,\1\1,/'; sed -n '2,501p' "$inputs/big.csv"; } \
  >"$inputs/changed.csv"

# Runs one sequence with binary $1 into warehouse $2, in the folder $root/run (the same path for
# both binaries, since file URIs and zone names are stored).
run_sequence() {
  local till=$1 warehouse=$2 sequence=$3 run=$root/run
  rm -rf "$run"
  mkdir -p "$run"
  cd "$run"
  exec 3>&2 2>>"$root/$sequence.log"
  local in=(--warehouse "$warehouse")
  case "$sequence" in
    big)
      cp "$inputs/big.csv" .
      "$till" ingest big.csv "${in[@]}" >/dev/null
      ;;
    many)
      cp "$inputs"/*.csv .
      "$till" ingest small.csv "${in[@]}" >/dev/null
      for f in head middle head-again changed tail; do "$till" ingest $f.csv "${in[@]}" >/dev/null || true; done
      for f in "$repo"/tests/data/samples/*.csv "$repo"/tests/data/golden/*/input.csv; do
        cp "$f" "sample-$(basename "$(dirname "$f")")-$(basename "$f")"
      done
      "$till" ingest sample-*.csv "${in[@]}" >/dev/null || true
      "$till" ingest big.csv "${in[@]}" >/dev/null
      ;;
    tiny-then-big)
      cp "$inputs/tiny.csv" "$inputs/big.csv" .
      "$till" ingest tiny.csv "${in[@]}" >/dev/null
      "$till" ingest big.csv "${in[@]}" >/dev/null
      ;;
    watch)
      mkdir -p zone/sub
      cp "$inputs/small.csv" zone/a.csv
      cp "$inputs/head.csv" zone/sub/b.csv
      cp "$inputs/tiny.csv" zone/c.csv
      "$till" watch zone --once "${in[@]}" >/dev/null
      cp "$inputs/changed.csv" zone/a.csv   # changed content
      rm zone/c.csv                       # deleted
      mv zone/sub/b.csv zone/b.csv        # renamed
      cp "$inputs/middle.csv" zone/d.csv    # new, overlapping b
      "$till" watch zone --once "${in[@]}" >/dev/null
      rm zone/d.csv
      "$till" watch zone --once "${in[@]}" >/dev/null
      ;;
  esac
  exec 2>&3 3>&-
  cd "$root"
}

sqlite_dump() {
  local db=$1 table columns
  for table in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"); do
    columns=$(sqlite3 "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('$table')
                             WHERE name NOT LIKE '%\_at' ESCAPE '\' AND name NOT IN ('seconds', 'version', 'owner')")
    echo "## $table ($columns)"
    sqlite3 -separator '|' "$db" "SELECT $columns FROM $table ORDER BY $columns"
  done
}

pg_dump_tables() {
  local db=$1 table columns
  for table in $(admin "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'
                        AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'fact\_sales\_file\_%'
                        UNION SELECT 'fact_sales' ORDER BY 1" "$db"); do
    columns=$(admin "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position)
                     FROM information_schema.columns WHERE table_schema = 'public'
                     AND table_name = '$table' AND column_name NOT LIKE '%\_at'
                     AND column_name NOT IN ('seconds', 'version', 'owner')" "$db")
    echo "## $table ($columns)"
    "$psql" -X -q -A -t -F '|' "host=127.0.0.1 port=$port user=postgres dbname=$db" \
      -c "SELECT $columns FROM $table ORDER BY $columns"
  done
}

sequences=(big many tiny-then-big watch)
failed=0
compare() {
  if cmp -s "$root/$1.old" "$root/$1.new"; then
    echo "equal:     $1 ($(wc -l <"$root/$1.new") lines)"
  else
    echo "DIFFERENT: $1"
    diff "$root/$1.old" "$root/$1.new" | head -40 || true  # a difference ends no comparison
    failed=1
  fi
}

for engine in "${engines[@]}"; do
  if [ "$engine" = postgres ]; then
    # shellcheck source=../bench/pg_cluster.sh
    source "$repo/bench/pg_cluster.sh"
    start_pg_cluster
    trap stop_pg_cluster EXIT
  fi
  for sequence in "${sequences[@]}"; do
    for side in old new; do
      till=$old
      [ "$side" = new ] && till=$new
      if [ "$engine" = sqlite ]; then
        rm -f "$root/w.db"
        run_sequence "$till" "$root/w.db" "$sequence"
        sqlite_dump "$root/w.db" >"$root/$engine-$sequence.$side"
      else
        db="w_${sequence//-/_}_$side"
        admin "CREATE DATABASE $db" >/dev/null
        run_sequence "$till" "postgres://postgres@127.0.0.1:$port/$db" "$sequence"
        pg_dump_tables "$db" >"$root/$engine-$sequence.$side"
      fi
    done
    compare "$engine-$sequence"
  done
  if [ "$engine" = postgres ]; then stop_pg_cluster; trap - EXIT; fi
done
exit $failed

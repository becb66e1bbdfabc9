#!/usr/bin/env bash
# Regenerates the warehouses an old Till left, which the upgrade tests bring to this Till's
# schema (tests/warehouse/upgrade_test.cc on both back ends, and the package's install test):
#   sqlite_v1.db     a SQLite warehouse
#   postgres_v1.sql  a PostgreSQL warehouse with its roles: psql -v ON_ERROR_STOP=1 -f it as a
#                    superuser (it creates till_loader, till_reader and the database till_v1)
#   expected.txt     what they hold, as the old Till's own SQL counted it here (read by the tests)
#
# Provenance: both are made by the till command built from commit f54bd9c (2026-11-25, "the
# PostgreSQL suites run as one CTest test each"), the last commit whose warehouses are at schema
# version 1 on both back ends: the next (8ca6a3b) added migration 2, the landing-zone ledger.
# Migration 1's SQL is the same at that commit and today. That till loads three files into each
# back end: the 30 real rows of tests/data/samples, 200 rows of its own generator (seed 16), and
# 20 more of them (seed 17) with three spoilt (an unreadable date, a unit price that is not a
# number, a quantity of zero), loaded with --max-reject-ratio 0.2; then the 30 rows again
# (skipped: same content). PostgreSQL's warehouse is made as the package does it on a server:
# `till init --create-roles` (passwords loader-pw and reader-pw), then loads as till_loader.
#
# Usage: tests/data/upgrade/regenerate.sh [OLD_BUILD], in a clone that has the commit; needs what
# building Till needs (scripts/install-deps.sh), sqlite3 and PostgreSQL's server programs. Builds
# only `till` of the old commit, in a temporary git worktree removed at the end, or in OLD_BUILD,
# a CMake build folder of a clean checkout of that commit; runs a PostgreSQL server on a Unix
# socket of a temporary folder, stopped at the end.
set -euo pipefail
commit=f54bd9c2406c4afc1d34f0e4a79870f7fc6a21b0
here=$(cd "$(dirname "$0")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
work=$(mktemp -d)
chmod 755 "$work"
pg_bin=$(pg_config --bindir)
as_postgres=()
[ "$(id -u)" -ne 0 ] || as_postgres=(runuser -u postgres --)

cleanup() {
  if [ -f "$work/pg/postmaster.pid" ]; then
    "${as_postgres[@]}" "$pg_bin/pg_ctl" stop -D "$work/pg" -m fast >/dev/null 2>&1 || true
  fi
  git -C "$repo" worktree remove --force "$work/src" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ $# -ge 1 ]; then
  # A build folder of that commit made before: used when its sources are at the commit, clean.
  build=$(cd "$1" && pwd)
  sources=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
  if [ "$(git -C "$sources" rev-parse HEAD)" != "$commit" ] ||
    [ -n "$(git -C "$sources" status --porcelain --untracked-files=no)" ]; then
    echo "$build is not a build of commit $commit" >&2
    exit 1
  fi
  cmake --build "$build" --target till -j 2 >"$work/cmake.log"
  till=$build/src/cli/till
else
  git -C "$repo" worktree add --detach "$work/src" "$commit" >/dev/null
  cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DTILL_BUILD_TESTS=OFF -DTILL_BUILD_BENCH=OFF >"$work/cmake.log"
  cmake --build "$work/build" --target till -j 2 >>"$work/cmake.log"
  till=$work/build/src/cli/till
fi
"$till" --version

# The files, under plain names: the warehouse records each file's path as given.
mkdir "$work/in"
cp "$repo/tests/data/samples/real_rows_30.csv" "$work/in/real_rows_30.csv"
"$till" generate --rows 200 --seed 16 --output "$work/in/generated_200.csv"
# 20 other rows of the generator (seed 17), three of them spoilt: row 5's date cannot be read,
# row 11's unit price is not a number, row 17's quantity is zero.
"$till" generate --rows 20 --seed 17 --output "$work/in/clean_20.csv"
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) column[$i] = i; print; next }
  NR == 6 { $column["Date"] = "31/31/2023" } NR == 12 { $column["Amount"] = "n/a" }
  NR == 18 { $column["Total_Purchases"] = "0" } { print }' \
  "$work/in/clean_20.csv" >"$work/in/spoilt_20.csv"
rm "$work/in/clean_20.csv"
grep -q '31/31/2023' "$work/in/spoilt_20.csv" || { echo "the spoilt file is not spoilt" >&2; exit 1; }

load() {  # load WAREHOUSE: the four loads, from the folder of the files
  (cd "$work/in" &&
    "$till" ingest --warehouse "$1" real_rows_30.csv generated_200.csv &&
    "$till" ingest --warehouse "$1" --max-reject-ratio 0.2 spoilt_20.csv &&
    "$till" ingest --warehouse "$1" real_rows_30.csv) >>"$work/load.log"
}

# SQLite: the file as the old till leaves it (its WAL checkpointed when the last load closed).
rm -f "$here/sqlite_v1.db"
load "$work/sqlite_v1.db"
[ ! -e "$work/sqlite_v1.db-wal" ] || { echo "the WAL was not checkpointed" >&2; exit 1; }
cp "$work/sqlite_v1.db" "$here/sqlite_v1.db"

# PostgreSQL: a throwaway server on a Unix socket only.
mkdir "$work/pg" "$work/socket"
[ "$(id -u)" -ne 0 ] || chown postgres "$work/pg" "$work/socket"
"${as_postgres[@]}" "$pg_bin/initdb" -D "$work/pg" -U postgres --auth=trust >/dev/null
"${as_postgres[@]}" "$pg_bin/pg_ctl" start -D "$work/pg" -w -l "$work/pg/server.log" \
  -o "-c listen_addresses='' -k $work/socket" >/dev/null
export PGHOST=$work/socket PGUSER=postgres
"$pg_bin/createdb" till_v1
TILL_LOADER_PASSWORD=loader-pw TILL_READER_PASSWORD=reader-pw \
  "$till" init --create-roles --warehouse "postgres:///till_v1?host=$work/socket&user=postgres"
load "postgres:///till_v1?host=$work/socket&user=till_loader"

{
  echo "-- A PostgreSQL warehouse at schema version 1, made by till of commit $commit with"
  echo "-- tests/data/upgrade/regenerate.sh: its roles (till_loader owns it, till_reader reads"
  echo "-- its reporting views), then the database till_v1. Apply as a superuser with psql."
  "$pg_bin/pg_dumpall" --roles-only --no-role-passwords |
    grep -E '^(CREATE|ALTER) ROLE till_(loader|reader)|^GRANT till_loader TO' |
    sed -E 's/^GRANT till_loader TO [^ ]+/GRANT till_loader TO CURRENT_USER/; s/ GRANTED BY [^;]+;/;/'
  echo "ALTER ROLE till_loader PASSWORD 'loader-pw';"
  echo "ALTER ROLE till_reader PASSWORD 'reader-pw';"
  "$pg_bin/pg_dump" --create till_v1
} >"$here/postgres_v1.sql"

# What both hold, counted with the old till's schema: the tests compare the upgraded warehouses
# with these figures.
count_sqlite() { sqlite3 "$work/sqlite_v1.db" "$1"; }
count_pg() { "$pg_bin/psql" -X -A -t -q -d till_v1 -c "$1"; }
{
  echo "# name value, as counted in both warehouses at schema version 1 by regenerate.sh"
  for name in facts files_loaded files_skipped rejects customers revenue units; do
    case $name in
      facts) sql="SELECT count(*) FROM fact_sales" ;;
      files_loaded) sql="SELECT count(*) FROM etl_file WHERE status = 'loaded'" ;;
      files_skipped) sql="SELECT count(*) FROM etl_file WHERE status = 'skipped'" ;;
      rejects) sql="SELECT count(*) FROM etl_reject WHERE row_rejected" ;;
      customers) sql="SELECT count(*) FROM dim_customer WHERE customer_key <> 0" ;;
      revenue) sql="SELECT round(CAST(sum(total_amount) AS NUMERIC), 2) FROM fact_sales" ;;
      units) sql="SELECT sum(quantity) FROM fact_sales" ;;
    esac
    # SQLite stores row_rejected as 0 or 1.
    lite=$(count_sqlite "${sql/WHERE row_rejected/WHERE row_rejected = 1}")
    pg=$(count_pg "$sql")
    if [ "$name" = revenue ]; then lite=$(printf '%.2f' "$lite"); fi
    [ "$lite" = "$pg" ] || { echo "$name: SQLite $lite, PostgreSQL $pg" >&2; exit 1; }
    echo "$name $lite"
  done
} >"$here/expected.txt"
cat "$here/expected.txt"
ls -l "$here/sqlite_v1.db" "$here/postgres_v1.sql"

#!/usr/bin/env bash
# How fast could any load that ends in Till's warehouse be? Loads a generated raw file with
# `till ingest`, then times the storage engine alone writing that same final content again,
# with no parsing, cleaning or modelling at all, beside the flat peer of the ingest benchmarks:
#
#   SQLite:     the rows of fact_sales, dim_customer and fact_sales_row copied by INSERT …
#               SELECT (with a WHERE, so that each row goes through the insert path as bound
#               rows would, not SQLite's page-copying transfer), their indexes built in one sort
#               each, committed durably with the settings of a first load; beside
#               `sqlite3 .import` of the raw file.
#   PostgreSQL: the same three tables copied by INSERT … SELECT, their keys and indexes built,
#               the foreign keys added to the facts (each validated in one join) and the facts
#               attached as fact_sales' partition (in a transaction rolled back); beside
#               `psql \copy` into an unlogged table. The file is larger than file_partition_mib,
#               so Till's load made it a partition of its own too.
#
# The floor is what the engine needs on one connection, so no ingest into that engine on one
# connection can take less wall time. PostgreSQL's is also timed on two connections, split as
# Till's load splits it (the facts copied and indexed on the second, while the first writes the
# customer versions and row hashes; then the facts' foreign keys and the attach on the first):
# no load split this way can take less, and the customer versions, row hashes, foreign keys and
# attach must be written by the one transaction that commits the file. The summary gives
# PostgreSQL two lines: the one-connection floor, then the two-connection one.
#
# Then each step of the floor (each statement, timed by the client: sqlite3's .timer, psql's
# \timing) with its share of the floor, medians of the runs, and the steps of Till's own load as
# it recorded them in etl_step (its last run; the reading thread's steps overlap the writing
# thread's).
#
#   bench/ingest_floor.sh [RUNS] [ROWS]     (defaults: 5 runs; 302010 rows)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
rows=${2:-302010}
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: scripts/install-deps.sh" >&2; exit 2; }
source bench/pg_cluster.sh
trap 'stop_pg_cluster; rm -f "${settings:-}"' EXIT
trap 'exit 130' INT TERM
# The load alone: the cube file, stored forecasts and customer segments a load refreshes
# afterwards are timed by bench/serve_start.sh, bench/forecast.sh and bench/segments.sh.
settings=$(mktemp)
printf '[forecast]\nrefresh = false\nanomaly_alerts = false\n[segments]\nrefresh_after_load = false\n[serve]\ncube_after_load = false\n' \
  >"$settings"
export TILL_CONFIG="$settings"
start_pg_cluster

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
seconds() { /usr/bin/time -f "%e" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }; cat "$work/time"; }

raw=$work/raw.csv
"$till" generate --rows "$rows" --seed 42 --output "$raw"
chmod a+r "$raw"
columns=$(head -1 "$raw" | tr -d '\r' | awk -F, '{ for (i = 1; i <= NF; i++) printf "%s\"%s\" text", (i > 1 ? ", " : ""), $i }')

# SQLite: Till's warehouse first, then the tables' definitions without their indexes.
sqlite=$work/till.db
"$till" ingest "$raw" --warehouse "$sqlite" >/dev/null 2>&1
sqlite3 "$sqlite" "SELECT sql || ';' FROM sqlite_schema WHERE type = 'table' AND name IN ('fact_sales', 'dim_customer', 'fact_sales_row')" >"$work/tables.sql"
cat >"$work/floor.sql" <<SQL
PRAGMA page_size = 16384; PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL;
PRAGMA cache_size = -131072; PRAGMA threads = 2;
.read $work/tables.sql
ATTACH '$sqlite' AS loaded;
.timer on
BEGIN;
INSERT INTO fact_sales SELECT * FROM loaded.fact_sales WHERE sale_id > 0;
INSERT INTO dim_customer SELECT * FROM loaded.dim_customer WHERE customer_key IS NOT NULL;
INSERT INTO fact_sales_row SELECT * FROM loaded.fact_sales_row WHERE sale_id > 0;
CREATE UNIQUE INDEX dim_customer_key ON dim_customer (customer_key);
CREATE INDEX dim_customer_current ON dim_customer (customer_id) WHERE is_current = 1 AND customer_id IS NOT NULL;
CREATE INDEX fact_sales_file ON fact_sales (file_id);
COMMIT;
SQL

# The floor's statements after .timer on, in order, as its steps are named.
sqlite_steps=(begin "copy facts" "copy customer versions" "copy row hashes" "index customer key"
  "index current customer" "index facts by file" commit)

# PostgreSQL: Till's warehouse, then the floor in a transaction that is rolled back.
db=floor
admin "CREATE DATABASE $db"
"$till" ingest "$raw" --warehouse "postgres://postgres:$password@127.0.0.1:$port/$db" >/dev/null 2>&1
admin "CREATE DATABASE peer"
# The floor's parts that both splits below share: the facts' foreign keys added to table f (the
# file's facts), and the customer versions and row hashes copied and indexed.
cat >"$work/floor_pg_keys.sql" <<'SQL'
DO $$
BEGIN
  EXECUTE 'ALTER TABLE f ' || (SELECT string_agg(format('ADD CONSTRAINT %I %s', conname,
    pg_get_constraintdef(oid)), ', ') FROM pg_constraint
    WHERE conrelid = 'fact_sales_files'::regclass AND contype = 'f');
END $$;
SQL
cat >"$work/floor_pg_copies.sql" <<'SQL'
CREATE TABLE c (LIKE dim_customer INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO c SELECT * FROM dim_customer;
ALTER TABLE c ADD PRIMARY KEY (customer_key);
CREATE UNIQUE INDEX ON c (customer_id) WHERE is_current AND customer_id IS NOT NULL;
CREATE TABLE r (LIKE fact_sales_row INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO r SELECT * FROM fact_sales_row;
ALTER TABLE r ADD PRIMARY KEY (row_hash);
CREATE INDEX ON r (file_id);
SQL
cat >"$work/floor_pg.sql" <<SQL
\timing on
BEGIN;
ALTER TABLE fact_sales DETACH PARTITION fact_sales_file_1;
CREATE TABLE f (LIKE fact_sales INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK (file_id = 1));
INSERT INTO f SELECT * FROM fact_sales_file_1;
\i $work/floor_pg_keys.sql
\i $work/floor_pg_copies.sql
ALTER TABLE fact_sales ATTACH PARTITION f FOR VALUES FROM (1) TO (2);
ROLLBACK;
SQL
# The same work on two connections, as Till's load splits it: the second copies the facts into
# a table of their own and builds its indexes, committed, while the first writes the customer
# versions and row hashes; then the first adds the facts' foreign keys and attaches them. The
# session lock makes the first wait for the second (which takes it before the first starts).
# The first detaches the loaded partition only then, as the second reads it.
cat >"$work/floor_pg_facts.sql" <<'SQL'
SET max_parallel_maintenance_workers = 0;
SELECT pg_advisory_lock(42);
CREATE TABLE f (LIKE fact_sales INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK (file_id = 1));
INSERT INTO f SELECT * FROM fact_sales_file_1;
ALTER TABLE f ADD PRIMARY KEY (sale_id, file_id);
CREATE INDEX ON f (date_key);
CREATE INDEX ON f (product_key);
SELECT pg_advisory_unlock(42);
SQL
cat >"$work/floor_pg_main.sql" <<SQL
BEGIN;
SET LOCAL max_parallel_maintenance_workers = 0;
\i $work/floor_pg_copies.sql
SELECT pg_advisory_lock(42);
ALTER TABLE fact_sales DETACH PARTITION fact_sales_file_1;
\i $work/floor_pg_keys.sql
ALTER TABLE fact_sales ATTACH PARTITION f FOR VALUES FROM (1) TO (2);
ROLLBACK;
SQL
pg_steps=(begin detach "create facts" "copy facts" "facts' foreign keys" "create customers"
  "copy customer versions" "customer key" "index current customer" "create row hashes"
  "copy row hashes" "row hash key" "index row hashes by file" "attach partition" rollback)
pg_floor=("$psql" -X -q -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port user=postgres dbname=$db")
pg_peer=("$psql" -X -q -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port user=postgres dbname=peer")

: >"$work/s_till"; : >"$work/s_floor"; : >"$work/s_peer"
: >"$work/p_till"; : >"$work/p_floor"; : >"$work/p_peer"; : >"$work/p_floor2"
: >"$work/s_steps"; : >"$work/p_steps"
# Before each timed command: the server's dirty buffers written (CHECKPOINT) and the kernel's
# (sync), so that no run pays for the writes of the one before.
quiet() {
  admin "CHECKPOINT"
  sync
}

for ((i = 0; i < runs; i++)); do
  rm -f "$work"/w.db*
  sync
  seconds "$till" ingest "$raw" --warehouse "$work/w.db" >>"$work/s_till"
  rm -f "$work"/w.db*
  sync
  /usr/bin/time -f "%e" -o "$work/time" sqlite3 "$work/w.db" <"$work/floor.sql" >"$work/steps"
  cat "$work/time" >>"$work/s_floor"
  awk '/^Run Time/ { print n++, $4 }' "$work/steps" >>"$work/s_steps"
  rm -f "$work"/w.db*
  sync
  seconds sqlite3 "$work/w.db" -cmd ".mode csv" ".import $raw raw" >>"$work/s_peer"

  admin "CREATE DATABASE till_$i"
  quiet
  seconds "$till" ingest "$raw" --warehouse "postgres://postgres:$password@127.0.0.1:$port/till_$i" >>"$work/p_till"
  admin "DROP DATABASE till_$i"
  quiet
  /usr/bin/time -f "%e" -o "$work/time" "${pg_floor[@]}" -f "$work/floor_pg.sql" >"$work/steps"
  cat "$work/time" >>"$work/p_floor"
  awk '/^Time:/ { print n++, $2 / 1000 }' "$work/steps" >>"$work/p_steps"
  quiet
  start=$(date +%s.%N)
  "${pg_floor[@]}" -f "$work/floor_pg_facts.sql" >/dev/null &
  facts=$!
  until [ "$(admin "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 42 AND granted" $db)" = 1 ]; do
    kill -0 $facts 2>/dev/null || { echo "the floor's second connection failed" >&2; exit 1; }
  done
  "${pg_floor[@]}" -f "$work/floor_pg_main.sql" >/dev/null
  wait $facts
  awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", e - s }' >>"$work/p_floor2"
  admin "DROP TABLE f" $db
  admin "CREATE UNLOGGED TABLE raw ($columns)" peer
  quiet
  seconds "${pg_peer[@]}" -c "\\copy raw FROM '$raw' WITH (FORMAT csv, HEADER true)" >>"$work/p_peer"
  admin "DROP TABLE raw" peer
done
rm -f "$work"/w.db*

printf "%-10s %-9s %10s %10s %10s %12s %12s\n" engine rows till_s floor_s peer_s till/peer floor/peer
for engine in s p; do
  t=$(median <"$work/${engine}_till")
  f=$(median <"$work/${engine}_floor")
  p=$(median <"$work/${engine}_peer")
  name=$([ $engine = s ] && echo SQLite || echo PostgreSQL)
  awk -v n="$name" -v r="$rows" -v t="$t" -v f="$f" -v p="$p" \
    'BEGIN { printf "%-10s %-9d %10.3f %10.3f %10.3f %12.2f %12.2f\n", n, r, t, f, p, t / p, f / p }'
done
t=$(median <"$work/p_till")
f=$(median <"$work/p_floor2")
p=$(median <"$work/p_peer")
awk -v r="$rows" -v t="$t" -v f="$f" -v p="$p" \
  'BEGIN { printf "%-10s %-9d %10.3f %10.3f %10.3f %12.2f %12.2f  (floor on two connections)\n", "PostgreSQL", r, t, f, p, t / p, f / p }'

# Each step of the floor: its median time and its share of the floor's median.
step_table() {
  local engine=$1 floor i
  shift
  floor=$(median <"$work/${engine}_floor")
  echo
  echo "| $([ "$engine" = s ] && echo SQLite || echo PostgreSQL) floor step | median, s | share |"
  echo "|---|---|---|"
  for ((i = 0; i < $#; i++)); do
    awk -v i=$i '$1 == i { print $2 }' "$work/${engine}_steps" | median |
      awk -v name="${@:i+1:1}" -v f="$floor" '{ printf "| %s | %.3f | %.0f%% |\n", name, $1, 100 * $1 / f }'
  done
}
step_table s "${sqlite_steps[@]}"
step_table p "${pg_steps[@]}"

# Till's own steps, as its last load of each engine recorded them.
echo
echo "| Till's load, step (etl_step) | SQLite, s | PostgreSQL, s |"
echo "|---|---|---|"
admin "CREATE DATABASE till_steps"
"$till" ingest "$raw" --warehouse "postgres://postgres:$password@127.0.0.1:$port/till_steps" >/dev/null
rm -f "$work"/w.db*
"$till" ingest "$raw" --warehouse "$work/w.db" >/dev/null
step_sql="SELECT step || ' ' || round(CAST(seconds AS NUMERIC), 3) FROM etl_step ORDER BY seconds DESC"
join -a1 -a2 -e - -o 0,1.2,2.2 \
  <(sqlite3 "$work/w.db" "$step_sql" | sort -k1,1) \
  <("$psql" -X -q -A -t "host=127.0.0.1 port=$port user=postgres dbname=till_steps" -c "$step_sql" | sort -k1,1) |
  sort -k2,2gr | awk '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
rm -f "$work"/w.db*

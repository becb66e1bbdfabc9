#!/usr/bin/env bash
# Times the whole customer segmentation, `till segments` on a SQLite warehouse loaded with a
# generated raw file (reading the sales, RFM scores and segments, k-means with the k search by
# silhouette, BG/NBD and Gamma-Gamma fits, cohorts, every customer written as JSON), beside the
# peer in the same run, alternating the two: the RFM table by SQL on the same warehouse
# (sqlite3: recency, distinct orders, revenue and NTILE(5) scores per customer), then
# scikit-learn's StandardScaler, KMeans and silhouette_score over the same k range (2..8, one
# k-means++ run of at most 30 iterations each, silhouette on 5,000 customers, as Till does)
# (segments_peer.py). Reports medians of wall time, CPU time (user + system, every thread) and
# peak memory and the ratios of wall and CPU time for each size (on a shared machine the CPU time
# is the steadier of the two), then the holdout check: the purchase model fitted on all but the last 90 days, its predicted
# purchases in them beside the actual ones.
#
#   bench/segments.sh [RUNS] [ROWS...]     (defaults: 3 runs; 302010 3020100)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
shift || true
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(302010 3020100)
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: scripts/install-deps.sh" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: scripts/install-deps.sh" >&2; exit 2; }
# Debian's python3-sklearn serves the system interpreter, which another python3 on the PATH
# (pyenv, a virtualenv) may not see.
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
"$python" -c "import sklearn" 2>/dev/null || {
  echo "scikit-learn is missing: scripts/install-deps.sh" >&2
  exit 2
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Runs a command, appends "seconds peak_kib cpu_seconds" to a file.
measure() {
  local out=$1
  shift
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
    cat "$work/stderr" >&2
    exit 1
  }
  awk '{ print $1, $2, $3 + $4 }' "$work/time" >>"$out"
}

# The peer's RFM table: an order is a transaction id on a day (a line without one is an order
# of its own), recency from the latest sale's date, NTILE(5) scores.
cat >"$work/rfm.sql" <<'SQL'
.mode csv
WITH lines AS (
  SELECT c.customer_id AS id, f.date_key AS day, f.total_amount AS amount,
         coalesce(f.transaction_id, 'line' || f.sale_id) || '@' || f.date_key AS order_key
  FROM fact_sales f JOIN dim_customer c ON c.customer_key = f.customer_key
  WHERE c.customer_id IS NOT NULL AND f.date_key <> 0),
per AS (
  SELECT id, max(day) AS last_day, count(DISTINCT order_key) AS orders, sum(amount) AS revenue
  FROM lines GROUP BY id),
asof AS (SELECT julianday(printf('%d-%02d-%02d', max(last_day) / 10000, max(last_day) / 100 % 100,
                                 max(last_day) % 100)) AS day FROM per)
SELECT id,
       CAST((SELECT day FROM asof) - julianday(printf('%d-%02d-%02d', last_day / 10000,
                                                      last_day / 100 % 100, last_day % 100))
            AS INTEGER),
       orders, revenue,
       NTILE(5) OVER (ORDER BY last_day), NTILE(5) OVER (ORDER BY orders),
       NTILE(5) OVER (ORDER BY revenue)
FROM per;
SQL
cat >"$work/peer.sh" <<EOF
set -e
sqlite3 "\$1" <"$work/rfm.sql" >"$work/rfm.csv"
"$python" "$PWD/bench/segments_peer.py" "$work/rfm.csv"
EOF

printf "%-9s %-30s %9s %9s %10s\n" sales tool median_s cpu_s peak_MiB
for rows in "${sizes[@]}"; do
  raw="$work/raw_$rows.csv"
  db="$work/w_$rows.db"
  "$till" generate --rows "$rows" --seed 42 --output "$raw"
  "$till" ingest "$raw" --warehouse "$db" >/dev/null
  rm -f "$raw"
  : >"$work/till.$rows"
  : >"$work/peer.$rows"
  for ((i = 0; i < runs; i++)); do
    measure "$work/till.$rows" "$till" segments --warehouse "$db" --json
    measure "$work/peer.$rows" bash "$work/peer.sh" "$db"
  done
  for tool in till peer; do
    t=$(cut -d' ' -f1 "$work/$tool.$rows" | median)
    m=$(cut -d' ' -f2 "$work/$tool.$rows" | median)
    c=$(cut -d' ' -f3 "$work/$tool.$rows" | median)
    name=$([ $tool = till ] && echo "till segments" || echo "sqlite3 RFM + scikit-learn")
    awk -v r="$rows" -v t="$t" -v c="$c" -v m="$m" -v n="$name" \
      'BEGIN { printf "%-9d %-30s %9.3f %9.3f %10.1f\n", r, n, t, c, m / 1024 }'
  done
  for field in 1 3; do
    paste -d' ' <(cut -d' ' -f$field "$work/peer.$rows") <(cut -d' ' -f$field "$work/till.$rows") |
      awk '{ print $1 / $2 }' | median |
      awk -v r="$rows" -v what=$([ $field = 1 ] && echo "wall" || echo "CPU") \
        '{ printf "%-9d speed-up peer/till in %s time (median of pairs): %.2f\n", r, what, $1 }'
  done
  "$till" segments --warehouse "$db" --holdout-days 90 --json | tail -n 1 |
    "$python" -c '
import json, sys
h = json.load(sys.stdin)["holdout"]
print("{:<9} holdout: fitted to {}, {} customers; predicted {:.0f} purchases in {} days, actual {} ({:+.1f}%)".format(
    sys.argv[1], h["calibration_end"], h["customers"], h["predicted_purchases"], h["days"],
    h["actual_purchases"], 100 * h["error"]))' "$rows"
  rm -f "$db"
done

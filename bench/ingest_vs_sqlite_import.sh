#!/usr/bin/env bash
# Times `till ingest` of a generated raw file into a fresh SQLite warehouse beside the peer,
# `sqlite3 .import` of the same file into one flat table, in the same run, alternating the two.
# Reports medians of wall time and peak memory, the ratio, rows/s and MB/s, for each size.
#
#   bench/ingest_vs_sqlite_import.sh [RUNS] [ROWS...]     (defaults: 5 runs; 302010 3020100)
#
# TILL names the binary (build/release/src/cli/till by default); BASELINE, another build of Till
# timed in the same rounds (each round both builds, in turns first, then the peer), to compare
# two builds.
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
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: scripts/install-deps.sh" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: scripts/install-deps.sh" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The load alone: the cube file, stored forecasts and customer segments a load refreshes
# afterwards are timed by bench/serve_start.sh, bench/forecast.sh and bench/segments.sh.
printf '[forecast]\nrefresh = false\nanomaly_alerts = false\n[segments]\nrefresh_after_load = false\n[serve]\ncube_after_load = false\n' \
  >"$work/till.toml"
export TILL_CONFIG="$work/till.toml"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Runs a command, appends "seconds peak_kib" to a file.
measure() {
  local out=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
    cat "$work/stderr" >&2
    exit 1
  }
  cat "$work/time" >>"$out"
}

printf "%-9s %-16s %9s %12s %9s %10s\n" rows tool median_s rows_per_s MB_per_s peak_MiB
for rows in "${sizes[@]}"; do
  raw="$work/raw_$rows.csv"
  "$till" generate --rows "$rows" --seed 42 --output "$raw"
  bytes=$(stat -c %s "$raw")
  for tool in "${tills[@]}" peer; do : >"$work/$tool.$rows"; done
  for ((i = 0; i < runs; i++)); do
    order=("${tills[@]}")
    # With a baseline, which of the two goes first alternates: the first after the file is
    # written reads it from a cold cache.
    [ $((i % 2)) -eq 1 ] && [ -n "$baseline" ] && order=(baseline till)
    for tool in "${order[@]}"; do
      rm -f "$work"/w.db*
      binary=$([ "$tool" = till ] && echo "$till" || echo "$baseline")
      measure "$work/$tool.$rows" "$binary" ingest "$raw" --warehouse "$work/w.db"
    done
    rm -f "$work"/w.db*
    measure "$work/peer.$rows" sqlite3 "$work/w.db" -cmd ".mode csv" ".import $raw raw"
  done
  rm -f "$work"/w.db*
  for tool in "${tills[@]}" peer; do
    t=$(cut -d' ' -f1 "$work/$tool.$rows" | median)
    m=$(cut -d' ' -f2 "$work/$tool.$rows" | median)
    case $tool in
      till) name="till ingest" ;;
      baseline) name="baseline ingest" ;;
      *) name="sqlite3 .import" ;;
    esac
    awk -v r="$rows" -v t="$t" -v m="$m" -v b="$bytes" -v n="$name" \
      'BEGIN { printf "%-9d %-16s %9.3f %12.0f %9.1f %10.1f\n", r, n, t, r / t, b / 1e6 / t, m / 1024 }'
  done
  paste -d' ' <(cut -d' ' -f1 "$work/till.$rows") <(cut -d' ' -f1 "$work/peer.$rows") |
    awk '{ print $1 / $2 }' | median | awk -v r="$rows" '{ printf "%-9d ratio till/peer (median of pairs): %.2f\n", r, $1 }'
  if [ -n "$baseline" ]; then
    paste -d' ' <(cut -d' ' -f1 "$work/till.$rows") <(cut -d' ' -f1 "$work/baseline.$rows") |
      awk '{ print $1 / $2 }' | median |
      awk -v r="$rows" '{ printf "%-9d ratio till/baseline (median of pairs): %.2f\n", r, $1 }'
  fi
done

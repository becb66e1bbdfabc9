#!/usr/bin/env bash
# Forecasts the 36 daily revenue series of a generated warehouse (country x category, category,
# country and total), each fitted and backtested on 4 rolling origins of 28 days, with
# `till forecast` beside the peer, R's forecast package doing the same in the same run:
# ets() choosing its form by AICc and thetaf() on each whole series, then at each origin the
# chosen ETS form refitted and thetaf again. Till is timed twice: the four `till forecast
# --warehouse` commands end to end (the warehouse read included), and the engine alone
# (bench/forecast_engine, the 36 series fitted and backtested on every core) on the very file
# the peer reads; the engine's output must be the same bytes on one thread as on all. Reports
# wall time and peak memory, the ratios, the accuracy table of Till's backtest (MASE of the
# automatic choice against the better of naive and seasonal naive; 80% and 95% interval
# coverage), R's ETS MASE, and the coverage of the final forecasts' intervals on six later
# windows of 28 days held back from the engine altogether.
#
#   bench/forecast.sh [ROWS]     (default 302010)
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${1:-302010}
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
engine=${ENGINE:-$(dirname "$till")/../../bench/forecast_engine}
[ -x "$engine" ] || { echo "build bench/forecast_engine first (target forecast_engine)" >&2; exit 2; }
for tool in sqlite3 Rscript jq; do
  command -v $tool >/dev/null || { echo "$tool is missing: scripts/install-deps.sh" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: scripts/install-deps.sh" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$till" generate --rows "$rows" --seed 42 --output "$work/raw.csv"
"$till" ingest "$work/raw.csv" --warehouse "sqlite:$work/w.db" >/dev/null

groupings=("country,category" category country total)

# Till: the four groupings, one command each, timed together.
start=$(date +%s.%N)
peak=0
till_cpu=0
for by in "${groupings[@]}"; do
  /usr/bin/time -f "%M %U %S" -o "$work/mem" "$till" forecast --warehouse "sqlite:$work/w.db" \
    --by "$by" --measure revenue --horizon 28 --json >"$work/till_${by/,/_}.json"
  read -r kib user sys <"$work/mem"
  peak=$(( kib > peak ? kib : peak ))
  till_cpu=$(echo "$till_cpu + $user + $sys" | bc)
done
till_s=$(echo "$(date +%s.%N) - $start" | bc)
till_mib=$(( peak / 1024 ))

# The peer's input: the same daily series, as the warehouse holds them (the peer reads files).
sqlite3 -csv "$work/w.db" >"$work/series.csv" <<'SQL'
SELECT coalesce(l.country, '(unknown)') || ' / ' || coalesce(p.category, '(unknown)'), f.date_key,
       round(sum(f.total_amount), 2)
  FROM fact_sales f JOIN dim_product p USING (product_key) JOIN dim_location l USING (location_key)
 WHERE f.date_key <> 0 AND l.country IS NOT NULL AND p.category IS NOT NULL GROUP BY 1, 2
UNION ALL
SELECT p.category, f.date_key, round(sum(f.total_amount), 2)
  FROM fact_sales f JOIN dim_product p USING (product_key)
 WHERE f.date_key <> 0 AND p.category IS NOT NULL GROUP BY 1, 2
UNION ALL
SELECT l.country, f.date_key, round(sum(f.total_amount), 2)
  FROM fact_sales f JOIN dim_location l USING (location_key)
 WHERE f.date_key <> 0 AND l.country IS NOT NULL GROUP BY 1, 2
UNION ALL
SELECT 'total', f.date_key, round(sum(f.total_amount), 2) FROM fact_sales f
 WHERE f.date_key <> 0 GROUP BY 1, 2;
SQL

# The engine alone on the peer's file, on every core, then on one thread: the same bytes.
/usr/bin/time -f "%M %U %S" -o "$work/mem" "$engine" "$work/series.csv" >"$work/engine.jsonl" \
  2>"$work/engine.err"
engine_s=$(awk '$1 == "seconds" { print $2 }' "$work/engine.err")
read -r kib user sys <"$work/mem"
engine_mib=$(( kib / 1024 ))
engine_cpu=$(echo "$user + $sys" | bc)
"$engine" "$work/series.csv" 1 >"$work/engine1.jsonl" 2>/dev/null
cmp -s "$work/engine.jsonl" "$work/engine1.jsonl" && same=yes || same=NO
# The final forecasts against windows held back from the engine: the last 28, 56, ... days cut.
for held in 28 56 84 112 140 168; do
  "$engine" "$work/series.csv" "$(nproc)" "$held" 7 28 2>/dev/null | jq -c '.holdout'
done >"$work/holdout.jsonl"

cat >"$work/peer.R" <<'R'
suppressMessages(library(forecast))
d <- read.csv(commandArgs(TRUE)[1], header = FALSE, col.names = c("series", "key", "value"))
d$date <- as.Date(as.character(d$key), "%Y%m%d")
days <- seq(min(d$date), max(d$date), by = "day")
h <- 28
mase <- c()
for (s in unique(d$series)) {
  one <- d[d$series == s, ]
  y <- numeric(length(days))
  y[match(one$date, days)] <- one$value
  y <- ts(y, frequency = 7)
  fit <- ets(y)
  th <- thetaf(y, h = h)
  n <- length(y)
  form <- paste0(fit$components[1], fit$components[2], fit$components[3])
  errors <- c()
  for (origin in n - h - (3:0) * h) {
    train <- ts(y[1:origin], frequency = 7)
    refit <- ets(train, model = form, damped = as.logical(fit$components[4]))
    fc <- forecast(refit, h = h)
    thetaf(train, h = h)
    scale <- mean(abs(diff(as.numeric(train), lag = 7)))
    errors <- c(errors, mean(abs(as.numeric(fc$mean) - y[origin + 1:h])) / scale)
  }
  mase <- c(mase, mean(errors))
}
cat(sprintf("%d %.4f\n", length(mase), mean(mase)))
R
start=$(date +%s.%N)
/usr/bin/time -f "%M %U %S" -o "$work/mem" Rscript "$work/peer.R" "$work/series.csv" \
  >"$work/peer.out"
peer_s=$(echo "$(date +%s.%N) - $start" | bc)
read -r kib user sys <"$work/mem"
peer_mib=$(( kib / 1024 ))
peer_cpu=$(echo "$user + $sys" | bc)
read -r peer_series peer_mase <"$work/peer.out"

till_series=$(cat "$work"/till_*.json | jq -s '[.[].series[]] | length')
engine_series=$(wc -l <"$work/engine.jsonl")
# CPU seconds (user + system) beside the wall time: on a machine others load, the wall time
# of either side grows with the load, the CPU time much less.
printf "%-36s %6s %8s %8s %9s\n" tool series wall_s cpu_s peak_MiB
printf "%-36s %6d %8.2f %8.2f %9d\n" "till forecast engine (fit+backtest)" "$engine_series" \
  "$engine_s" "$engine_cpu" "$engine_mib"
printf "%-36s %6d %8.2f %8.2f %9d\n" "till forecast --warehouse (x4)" "$till_series" "$till_s" \
  "$till_cpu" "$till_mib"
printf "%-36s %6d %8.2f %8.2f %9d\n" "R ets()+thetaf()" "$peer_series" "$peer_s" "$peer_cpu" \
  "$peer_mib"
printf "R / Till engine: wall time %.1f x, CPU time %.1f x (target >= 20, engine <= 1 s)\n" \
  "$(echo "$peer_s / $engine_s" | bc -l)" "$(echo "$peer_cpu / $engine_cpu" | bc -l)"
printf "R / till forecast --warehouse wall time: %.1f x\n" "$(echo "$peer_s / $till_s" | bc -l)"
printf "engine output on one thread and on %d: %s\n\n" "$(nproc)" \
  "$([ "$same" = yes ] && echo "the same bytes" || echo "DIFFERENT")"

# Accuracy over the 36 series: the mean of each series' backtest figures, per model.
cat "$work"/till_*.json | jq -rs '
  [.[].series[]] as $all
  | ["auto", "naive", "snaive", "ets", "theta", "combination"][] as $m
  | [$all[] | (if $m == "auto" then .backtest.chosen
               else (.backtest.candidates[] | select(.kind == $m and .available) | .accuracy) end)
           | select(. != null)] as $acc
  | def mean(f): ([$acc[] | f | select(. != null)] | add / length);
    [$m, ($acc | length), mean(.mase), mean(.wape), mean(.bias), mean(.coverage80),
     mean(.coverage95)] | @tsv' >"$work/accuracy.tsv"
printf "%-12s %6s %7s %7s %7s %7s %7s\n" model series MASE WAPE bias cov80 cov95
awk -F'\t' '{ printf "%-12s %6d %7.3f %7.3f %7.3f %7.3f %7.3f\n", $1, $2, $3, $4, $5, $6, $7 }' \
  "$work/accuracy.tsv"
printf "%-12s %6d %7.3f   (R's ets, its own form refitted at each origin)\n" "R ets" \
  "$peer_series" "$peer_mase"
jq -rs '[length, (map(.coverage80) | add / length), (map(.coverage95) | add / length)] | @tsv' \
  "$work/holdout.jsonl" | awk -F'\t' '{
  printf "\nfinal forecasts on 6 windows of 28 days held back (%d series x windows): 80%% intervals\n", $1
  printf "cover %.3f, 95%% intervals %.3f (targets 0.75-0.85, 0.90-0.98)\n", $2, $3 }'
awk -F'\t' '$1 == "auto" { a = $3 } $1 == "naive" { n = $3 } $1 == "snaive" { s = $3 }
  END { b = n < s ? n : s; printf "\nauto MASE / better baseline: %.3f (target <= 0.85)\n", a / b }' \
  "$work/accuracy.tsv"

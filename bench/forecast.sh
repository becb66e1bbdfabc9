#!/usr/bin/env bash
# Forecasts the 36 daily revenue series of a generated warehouse (country x category, category,
# country and total), each fitted and backtested on 4 rolling origins of 28 days, with
# `till forecast` beside the peer, R's forecast package doing the same in the same run:
# ets() choosing its form by AICc and thetaf() on each whole series, then at each origin the
# chosen ETS form refitted and thetaf again. Reports wall time and peak memory of both, their
# ratio, and the accuracy table of Till's backtest (MASE of the automatic choice against the
# better of naive and seasonal naive; 80% and 95% interval coverage), and R's ETS MASE.
#
#   bench/forecast.sh [ROWS]     (default 302010)
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${1:-302010}
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
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
for by in "${groupings[@]}"; do
  /usr/bin/time -f "%M" -o "$work/mem" "$till" forecast --warehouse "sqlite:$work/w.db" \
    --by "$by" --measure revenue --horizon 28 --json >"$work/till_${by/,/_}.json"
  peak=$(( $(cat "$work/mem") > peak ? $(cat "$work/mem") : peak ))
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
/usr/bin/time -f "%M" -o "$work/mem" Rscript "$work/peer.R" "$work/series.csv" >"$work/peer.out"
peer_s=$(echo "$(date +%s.%N) - $start" | bc)
peer_mib=$(( $(cat "$work/mem") / 1024 ))
read -r peer_series peer_mase <"$work/peer.out"

till_series=$(cat "$work"/till_*.json | jq -s '[.[].series[]] | length')
printf "%-22s %8s %10s %10s\n" tool series wall_s peak_MiB
printf "%-22s %8d %10.2f %10d\n" "till forecast" "$till_series" "$till_s" "$till_mib"
printf "%-22s %8d %10.2f %10d\n" "R ets()+thetaf()" "$peer_series" "$peer_s" "$peer_mib"
printf "R / Till wall time: %.1f x\n\n" "$(echo "$peer_s / $till_s" | bc -l)"

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
awk -F'\t' '$1 == "auto" { a = $3 } $1 == "naive" { n = $3 } $1 == "snaive" { s = $3 }
  END { b = n < s ? n : s; printf "\nauto MASE / better baseline: %.3f (target <= 0.85)\n", a / b }' \
  "$work/accuracy.tsv"

#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/*_fuzz.cc) for a fixed time each, from a copy of its corpus
# (fuzz/corpus/NAME, with fuzz/NAME.dict when there is one), and fails on the first crash, leak
# or timeout, which libFuzzer writes to build/fuzz/artifacts/ and this prints.
#
#   scripts/fuzz.sh [SECONDS_EACH]        (default 60; needs clang, as `make test` installs)
#
# FUZZ_SEED fixes libFuzzer's random seed (default 1), so that a run that passes here explores
# the same inputs on the next machine and `make test` does not fail at random on a find that
# has nothing to do with the change under test. FUZZ_SEED=0 draws a new seed each run: use it
# (with more seconds) to look for new crashes.
# To keep a crash for good, copy its file into the target's corpus: CTest replays the corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
seed=${FUZZ_SEED:-1}
jobs=${JOBS:-$(nproc)}

targets=()
for source in fuzz/*_fuzz.cc; do
  targets+=("$(basename "$source" .cc)")
done
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target "${targets[@]}"

# The longest input worth trying per target: whole files for the readers, short lines for the
# rest.
declare -A max_len=([csv_reader_fuzz]=20000 [row_cleaner_fuzz]=600 [api_fuzz]=400
  [series_input_fuzz]=2000 [stream_body_fuzz]=8000 [s3_notification_fuzz]=4096 [aws_answers_fuzz]=4096)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts=build/fuzz/artifacts
mkdir -p "$artifacts"
failed=0
for target in "${targets[@]}"; do
  name=${target%_fuzz}
  mkdir -p "$work/$name"
  options=(-max_total_time="$seconds" -seed="$seed" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$artifacts/$name-" -max_len="${max_len[$target]:-4096}")
  [[ -f fuzz/$name.dict ]] && options+=(-dict="fuzz/$name.dict")
  echo "== $target, $seconds s"
  if ! build/fuzz/fuzz/"$target" "${options[@]}" "$work/$name" "fuzz/corpus/$name" \
      >"$work/$name.log" 2>&1; then
    echo "FAILED: $target"
    grep -E "ERROR|==[0-9]+==|SUMMARY|fuzz: |Test unit written" "$work/$name.log" | head -40
    failed=1
  fi
  grep -E "^stat::number_of_executed_units|^Done" "$work/$name.log" | tail -2
done
exit $failed

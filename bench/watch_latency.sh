#!/usr/bin/env bash
# Times how long a raw file takes under `till watch` from its arrival in a landing zone to its
# rows being queryable in the warehouse, for a folder and for an S3 bucket, beside the plain load
# time of the same file (`till ingest` into a fresh SQLite warehouse). Reports, for each zone kind
# and size, the median, min and max latency, so that the targets can be checked: a folder within
# 1 s plus the load time, S3 within the poll interval plus the load time, S3 with event
# notifications (`--events`) within 1 s plus the load time.
#
#   bench/watch_latency.sh [RUNS] [ROWS...]     (defaults: 5 runs; 10000 302010)
#
# Each zone kind and size gets a fresh warehouse and one watcher that sees RUNS files arrive one
# after another, each generated with its own seed, so each is new content; loads after the first
# go into a warehouse that already holds the earlier files.
#   folder  `till watch` with its default settings. The file is generated beside the zone folder,
#           on the same file system, and `mv`d in: arrival is the rename, which is atomic.
#   s3      a throwaway moto_server on 127.0.0.1 (an S3-compatible server, in memory) serves the
#           bucket; `till watch` lists the prefix every poll interval, 5 s, its default for S3,
#           passed explicitly so that the output cannot drift from it. Arrival is when
#           `aws s3 cp` returns: the object exists from then. Before each upload the script
#           sleeps a random part of the poll interval, so that arrivals fall at random points of
#           the poll cycle instead of in step with it.
#   s3ev    the same server, another bucket whose notifications go to an SQS queue of the same
#           server (put-bucket-notification-configuration); `till watch --events QUEUE` with its
#           default settings (a listing every 300 s besides the events). Arrival as for s3.
# Queryable means the ledger (landing_key) says the file's key is loaded and fact_sales holds the
# file's rows_loaded rows, asked of the warehouse with sqlite3 about every 20 ms (a new sqlite3
# process each time, as a dashboard would open it), so a latency overstates by up to one poll.
# Like a dashboard's, a poll that has the warehouse open just as the watcher begins its first load
# into the empty warehouse keeps that load in WAL mode instead of the faster rollback journal.
# The watcher's output is time-stamped as it comes, which tells when each load committed.
#
# Reading the columns (seconds):
#   median, min, max   latency, arrival to queryable, over the runs.
#   to_load     arrival to the watcher starting the file's load (etl_file.started_at), median:
#               noticing the file; for S3 also listing the prefix and downloading the object.
#               Negative for s3ev when the event made the load start before `aws s3 cp` (a
#               Python process) had exited: the latency then starts late and understates.
#   load        the watcher's load of the file, median: its start to the watcher's "loaded" line,
#               printed once the load has committed.
#   commit      the part of `load` after the rows were processed (etl_file.finished_at, which
#               the load records before committing) until that line: the warehouse's commit.
#   not_load    the largest latency minus the watcher's load of the same file: the time spent
#               other than loading, to hold against the allowance (1 s folder, the poll interval
#               S3) when the watcher's loads differ from a fresh `till ingest`.
#   ingest      `till ingest` of the same file into a fresh warehouse, wall time (creating the
#               schema included), median; run right after each file's latency was taken, while
#               the watcher idles.
#   target      the allowance plus `ingest`.
#   within      runs whose latency was within the allowance plus the ingest time of their file.
# What is left of a latency after to_load and load is the poll's: seeing the committed rows.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C  # a '.' in $EPOCHREALTIME and printf

runs=${1:-5}
shift || true
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10000 302010)
till=${TILL:-build/release/src/cli/till}
[ -x "$till" ] || { echo "build Till first: make build" >&2; exit 2; }
till=$(realpath "$till")
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: scripts/install-deps.sh" >&2; exit 2; }
for tool in moto_server aws; do
  command -v $tool >/dev/null || { echo "$tool is missing: pip install 'moto[server]' awscli" >&2; exit 2; }
done

folder_allowance=1
poll=5

work=$(mktemp -d)
watcher=
moto=
# TERM, then KILL if still there after 10 s: a watcher finishes the file in hand first.
stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  set +e
  [ -n "$watcher" ] && stop "$watcher"
  [ -n "$moto" ] && stop "$moto"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

column() { cut -d' ' -f"$2" "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

fail() {
  echo "$1" >&2
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -20 "$2" >&2
  exit 1
}

# An S3-compatible server on a port nothing listens on; it fails if another process takes the
# port first, so try a few. Hermetic AWS settings: no profile or config of the user's applies.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=$work/aws_config AWS_SHARED_CREDENTIALS_FILE=$work/aws_credentials
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_ENDPOINT_URL_S3
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
  moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  moto=$!
  for ((i = 0; i < 300; i++)); do
    kill -0 "$moto" 2>/dev/null || break
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break 2
    sleep 0.1
  done
  stop "$moto"
  moto=
  [ "$attempt" -eq 5 ] && fail "moto_server did not start" "$work/moto.log"
done
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
s3() { aws --endpoint-url "$AWS_ENDPOINT_URL" s3 "$1" --only-show-errors "${@:2}"; }
aws --endpoint-url "$AWS_ENDPOINT_URL" s3 mb s3://bench >/dev/null
aws --endpoint-url "$AWS_ENDPOINT_URL" s3 mb s3://bench-events >/dev/null
queue=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs create-queue --queue-name bench-events \
  --query QueueUrl --output text)
queue_arn=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs get-queue-attributes --queue-url "$queue" \
  --attribute-names QueueArn --query Attributes.QueueArn --output text)
aws --endpoint-url "$AWS_ENDPOINT_URL" s3api put-bucket-notification-configuration \
  --bucket bench-events --notification-configuration \
  "{\"QueueConfigurations\": [{\"QueueArn\": \"$queue_arn\", \"Events\": [\"s3:ObjectCreated:*\"]}]}"
events_allowance=1

# Copies its input to its output, each line prefixed with the time it was read.
stamp() {
  local line
  while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done
}

# Starts `till watch` on zone $1 into warehouse $2, its output time-stamped into log $3, with
# options after; returns once it watches and has created its schema.
start_watcher() {
  local zone=$1 db=$2 log=$3 i
  shift 3
  "$till" watch "$zone" --warehouse "$db" "$@" > >(stamp >"$log") 2>&1 &
  watcher=$!
  for ((i = 0; i < 600; i++)); do
    kill -0 "$watcher" 2>/dev/null || fail "till watch $zone stopped" "$log"
    if grep -qs '^[0-9.]* watching ' "$log" &&
      [ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'landing_key'" 2>/dev/null)" = 1 ]; then
      return
    fi
    sleep 0.05
  done
  fail "till watch $zone did not start within 30 s" "$log"
}

# Asks warehouse $1 every ~20 ms until the rows of the file under key $2 are queryable, and prints
# the time they were. $3 is the watcher's log, shown if it fails.
wait_queryable() {
  local db=$1 key=$2 log=$3 got deadline=$((SECONDS + 600))
  while :; do
    got=$(sqlite3 "$db" "SELECT k.status || ' ' || coalesce((SELECT count(*) FROM fact_sales s
      WHERE s.file_id = f.file_id) = f.rows_loaded AND f.status = 'loaded', 0) FROM landing_key k
      LEFT JOIN etl_file f ON f.file_id = k.file_id WHERE k.key = '$key'" 2>/dev/null) || got=
    case $got in
      "loaded 1") break ;;
      "loaded 0") fail "$key is loaded in the ledger but its rows are not queryable" "$log" ;;
      failed*) fail "till watch failed $key" "$log" ;;
    esac
    kill -0 "$watcher" 2>/dev/null || fail "till watch stopped" "$log"
    [ $SECONDS -lt $deadline ] || fail "$key not loaded within 10 minutes" "$log"
    sleep 0.02
  done
  echo "$EPOCHREALTIME"
}

# Waits for the file under key $1 that arrived at $2, and appends "latency to_load load commit" to
# file $5: arrival to queryable; arrival to the load's start (etl_file.started_at); the load, its
# start to the watcher's "loaded" line, printed once committed; and the commit, from the end of
# the row work (etl_file.finished_at) to that line. $3 is the warehouse, $4 the watcher's log.
record() {
  local key=$1 t0=$2 db=$3 log=$4 out=$5 t1 times printed i
  t1=$(wait_queryable "$db" "$key" "$log")
  times=$(sqlite3 -separator ' ' "$db" "SELECT (julianday(f.started_at) - 2440587.5) * 86400,
    (julianday(f.finished_at) - 2440587.5) * 86400 FROM landing_key k
    JOIN etl_file f ON f.file_id = k.file_id WHERE k.key = '$key'")
  for ((i = 0; i < 100; i++)); do
    printed=$(awk -v k="$key:" '$2 == "loaded" && $3 == k { print $1; exit }' "$log")
    [ -n "$printed" ] && break
    sleep 0.05
  done
  [ -n "$printed" ] || fail "till watch printed no line for $key" "$log"
  echo "$t0 $t1 $times $printed" |
    awk '{ printf "%.6f %.6f %.6f %.6f\n", $2 - $1, $3 - $1, $5 - $3, $5 - $4 }' >>"$out"
}

# Appends the wall time of `till ingest` of file $1 into a fresh warehouse to file $2.
ingest() {
  local file=$1 out=$2 t0 t1 read_rows
  rm -f "$work"/plain.db*
  t0=$EPOCHREALTIME
  "$till" ingest "$file" --warehouse "$work/plain.db" >/dev/null 2>"$work/stderr" ||
    fail "till ingest failed" "$work/stderr"
  t1=$EPOCHREALTIME
  read_rows=$(sqlite3 "$work/plain.db" "SELECT coalesce(sum(rows_read), 0) FROM etl_file WHERE status = 'loaded'")
  [ "$read_rows" -eq "$rows" ] || fail "till ingest read $read_rows rows of $rows"
  rm -f "$work"/plain.db*
  echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }' >>"$out"
}

echo "folder zone: till watch defaults (inotify, rescan every 2 s); arrival = mv into the folder"
echo "s3 zone: moto_server on 127.0.0.1, till watch --rescan $poll (poll interval ${poll} s, the S3 default); arrival = aws s3 cp returned"
echo "s3ev zone: the same server, bucket notifications to its SQS queue, till watch --events QUEUE; arrival = aws s3 cp returned"
echo "targets: folder latency <= ${folder_allowance} s + load time; s3 latency <= poll interval ${poll} s + load time; s3ev latency <= ${events_allowance} s + load time (load time: till ingest into a fresh warehouse)"
printf "%-6s %-8s %4s %8s %8s %8s %8s %8s %8s %8s %8s %8s %6s\n" \
  zone rows runs median min max to_load load commit not_load ingest target within
for rows in "${sizes[@]}"; do
  rm -rf "$work/files" "$work/stage" "$work/zone" "$work"/*.db*
  mkdir "$work/files" "$work/stage" "$work/zone"
  for ((i = 1; i <= runs; i++)); do
    "$till" generate --rows "$rows" --seed "$i" --output "$work/files/run_$i.csv"
  done

  : >"$work/folder"
  : >"$work/folder.ingest"
  start_watcher "$work/zone" "$work/folder.db" "$work/folder.log"
  for ((i = 1; i <= runs; i++)); do
    cp "$work/files/run_$i.csv" "$work/stage/run_$i.csv"
    t0=$EPOCHREALTIME
    mv "$work/stage/run_$i.csv" "$work/zone/run_$i.csv"
    record "run_$i.csv" "$t0" "$work/folder.db" "$work/folder.log" "$work/folder"
    ingest "$work/files/run_$i.csv" "$work/folder.ingest"
  done
  stop "$watcher"
  watcher=

  : >"$work/s3"
  : >"$work/s3.ingest"
  s3 rm --recursive s3://bench/raw_data/
  start_watcher s3://bench/raw_data/ "$work/s3.db" "$work/s3.log" --rescan "$poll"
  for ((i = 1; i <= runs; i++)); do
    sleep "$(awk -v r=$RANDOM -v p="$poll" 'BEGIN { printf "%.3f", r / 32768 * p }')"
    s3 cp "$work/files/run_$i.csv" "s3://bench/raw_data/run_$i.csv"
    t0=$EPOCHREALTIME
    record "run_$i.csv" "$t0" "$work/s3.db" "$work/s3.log" "$work/s3"
    ingest "$work/files/run_$i.csv" "$work/s3.ingest"
  done
  stop "$watcher"
  watcher=

  : >"$work/s3ev"
  : >"$work/s3ev.ingest"
  s3 rm --recursive s3://bench-events/raw_data/
  start_watcher s3://bench-events/raw_data/ "$work/s3ev.db" "$work/s3ev.log" --events "$queue"
  for ((i = 1; i <= runs; i++)); do
    s3 cp "$work/files/run_$i.csv" "s3://bench-events/raw_data/run_$i.csv"
    t0=$EPOCHREALTIME
    record "run_$i.csv" "$t0" "$work/s3ev.db" "$work/s3ev.log" "$work/s3ev"
    ingest "$work/files/run_$i.csv" "$work/s3ev.ingest"
  done
  stop "$watcher"
  watcher=

  for zone in folder s3 s3ev; do
    case $zone in
      folder) allowance=$folder_allowance ;;
      s3) allowance=$poll ;;
      s3ev) allowance=$events_allowance ;;
    esac
    within=$(paste -d' ' "$work/$zone" "$work/$zone.ingest" |
      awk -v a="$allowance" '$1 <= a + $5 { n++ } END { printf "%d/%d", n, NR }')
    awk -v z=$zone -v r="$rows" -v n="$runs" -v a="$allowance" -v w="$within" \
      -v med="$(column "$work/$zone" 1 | median)" -v lo="$(column "$work/$zone" 1 | sort -g | head -1)" \
      -v hi="$(column "$work/$zone" 1 | sort -g | tail -1)" -v s="$(column "$work/$zone" 2 | median)" \
      -v l="$(column "$work/$zone" 3 | median)" -v c="$(column "$work/$zone" 4 | median)" \
      -v x="$(awk '{ print $1 - $3 }' "$work/$zone" | sort -g | tail -1)" \
      -v g="$(median <"$work/$zone.ingest")" \
      'BEGIN { printf "%-6s %-8d %4d %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %6s\n", z, r, n, med, lo, hi, s, l, c, x, g, a + g, w }'
  done
done

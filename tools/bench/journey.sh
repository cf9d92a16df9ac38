#!/usr/bin/env bash
# The citizen-journey load run: a registry of PERSONS generated people, APPLICATIONS seeded applications,
# 16,000 offices, then wrk against a running `shenas serve` (captcha and rate limits off): /healthz, status
# lookups, application submissions and bookings. Usage, from the repository root after
# `cargo build --release -p shenas`:
#   tools/bench/journey.sh sqlite:///tmp/shenas-bench/bench.db        [PERSONS] [APPLICATIONS]
#   tools/bench/journey.sh postgres://postgres@127.0.0.1/shenas_bench  [PERSONS] [APPLICATIONS]
# The database must be new (the script creates a PostgreSQL one if missing). DURATION (default 15s),
# CONNECTIONS (default 64), THREADS (default 2) tune wrk.
set -euo pipefail
DB=$1
PERSONS=${2:-2000000}
APPS=${3:-1000000}
BIN=${BIN:-target/release/shenas}
WORK=${WORK:-/tmp/shenas-bench}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
export THREADS=${THREADS:-2}
PORT=${PORT:-8088}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"

if [[ $DB == postgres://* ]]; then
  name=${DB##*/}
  psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 ||
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $name" >/dev/null
fi
[ -f "$WORK/registry.csv" ] || $BIN registry generate --persons "$PERSONS" --seed 1403 --out "$WORK/registry.csv"
[ -f "$WORK/offices.csv" ] || $BIN offices generate --out "$WORK/offices.csv"
echo "== registry import";  /usr/bin/time -f "%e s" $BIN --database "$DB" registry import "$WORK/registry.csv" --json | tail -1
echo "== offices import";   $BIN --database "$DB" offices import "$WORK/offices.csv" --json | tail -1
echo "== seed";             $BIN --database "$DB" bench seed --applications "$APPS" --bodies 100000 \
                              --targets "$WORK/targets.csv" --bodies-out "$WORK/bodies.jsonl" --json | tail -1
tail -n +2 "$WORK/offices.csv" | cut -d, -f1 > "$WORK/offices.txt"

$BIN --database "$DB" serve --captcha off --rate-limits off --metrics-listen off --listen "127.0.0.1:$PORT" \
  > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

# Open days in the next five weeks (Fridays and holidays answer 409).
: > "$WORK/days.txt"
for i in $(seq 1 35); do
  g=$(date -u -d "+$i day" +%F)
  j=$(curl -sf "http://127.0.0.1:$PORT/api/v1/calendar/convert?gregorian=$g" | sed 's/.*"jalali":"\([0-9-]*\)".*/\1/')
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/offices?area_code=021&date_jalali=$j&limit=1")
  [ "$code" = 200 ] && echo "$j" >> "$WORK/days.txt"
done
echo "open days: $(wc -l < "$WORK/days.txt")"
echo "cores: $(nproc)"

run() { echo "== $1"; shift; wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" | grep -E 'Requests/sec|Latency  |99%|p50|201:|Non-2xx'; }
run "healthz"  "http://127.0.0.1:$PORT/healthz"
TARGETS="$WORK/targets.csv" run "status" -s "$HERE/status.lua" "http://127.0.0.1:$PORT"
run "healthz (again)"  "http://127.0.0.1:$PORT/healthz"
BODIES="$WORK/bodies.jsonl" CONNECTIONS=32 run "submissions" -s "$HERE/submit.lua" "http://127.0.0.1:$PORT"
TARGETS="$WORK/targets.csv" OFFICES="$WORK/offices.txt" DAYS="$WORK/days.txt" run "bookings" -s "$HERE/book.lua" "http://127.0.0.1:$PORT"

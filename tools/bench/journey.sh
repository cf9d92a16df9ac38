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

source "$HERE/lib.sh"
prepare_db "$DB" "$PERSONS" "$APPS" 100000
tail -n +2 "$WORK/offices.csv" | cut -d, -f1 > "$WORK/offices.txt"

SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null || true' EXIT
start_server "$DB"
open_days

run "healthz"  "http://127.0.0.1:$PORT/healthz"
TARGETS="$WORK/targets.csv" run "status" -s "$HERE/status.lua" "http://127.0.0.1:$PORT"
run "healthz (again)"  "http://127.0.0.1:$PORT/healthz"
BODIES="$WORK/bodies.jsonl" CONNECTIONS=32 run "submissions" -s "$HERE/submit.lua" "http://127.0.0.1:$PORT"
TARGETS="$WORK/targets.csv" OFFICES="$WORK/offices.txt" DAYS="$WORK/days.txt" run "bookings" -s "$HERE/book.lua" "http://127.0.0.1:$PORT"

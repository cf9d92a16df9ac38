#!/usr/bin/env bash
# The read path side by side in one run (issue 19): an unknown path (the whole middleware, no database), /healthz
# (one `SELECT 1`), status lookups of a hot set of HOT applications, status lookups spread over every seeded
# application, office listings (random province and open day), and the calendar conversion; then the same
# against a second server with the read caches off. Usage, from the repository root after
# `cargo build --release -p shenas`:
#   tools/bench/reads.sh sqlite:///tmp/shenas-reads/reads.db        [PERSONS] [APPLICATIONS]
#   tools/bench/reads.sh postgres://postgres@127.0.0.1/shenas_reads  [PERSONS] [APPLICATIONS]
# The database must be new (the script creates a PostgreSQL one if missing). DURATION (default 10s),
# CONNECTIONS (default 32), THREADS (default 2) tune wrk; HOT (default 10000) sizes the hot set.
set -euo pipefail
DB=$1
PERSONS=${2:-200000}
APPS=${3:-100000}
BIN=${BIN:-target/release/shenas}
WORK=${WORK:-/tmp/shenas-reads}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
export THREADS=${THREADS:-2}
HOT=${HOT:-10000}
PORT=${PORT:-8089}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"

source "$HERE/lib.sh"
prepare_db "$DB" "$PERSONS" "$APPS" 1000
head -n "$HOT" "$WORK/targets.csv" > "$WORK/hot.csv"

SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null || true' EXIT
start_server "$DB" --read-cache on
open_days
echo "database: $DB"

for mode in on off; do
  [ "$mode" = off ] && { kill $SERVER; wait $SERVER 2>/dev/null || true; start_server "$DB" --read-cache off; }
  echo "#### read caches $mode"
  run "unknown path (404)" "http://127.0.0.1:$PORT/no-such-path"
  run "healthz" "http://127.0.0.1:$PORT/healthz"
  TARGETS="$WORK/hot.csv" run "status, $HOT hot applications" -s "$HERE/status.lua" "http://127.0.0.1:$PORT"
  TARGETS="$WORK/targets.csv" run "status, all $APPS applications" -s "$HERE/status.lua" "http://127.0.0.1:$PORT"
  DAYS="$WORK/days.txt" run "offices (limit 50)" -s "$HERE/offices.lua" "http://127.0.0.1:$PORT"
  run "calendar conversion" "http://127.0.0.1:$PORT/api/v1/calendar/convert?gregorian=2026-12-03"
done

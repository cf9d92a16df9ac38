#!/usr/bin/env bash
# What asking for one captcha picture over and over costs (review F21): a fresh `shenas serve` with the captcha
# on, one captcha issued, then
#   1. wrk -t2 -c16 -d10s on its picture (GET /api/v1/captcha/{id}.png);
#   2. the same load again with a one-connection wrk on a cheap endpoint (/api/v1/calendar/convert) beside it,
#      whose latency is what other callers see meanwhile.
# Usage, from the repository root after `cargo build --release -p shenas`:
#   tools/bench/captcha.sh                  # BIN=target/release/shenas, PORT=8089, DURATION=10s
set -euo pipefail
BIN=$(realpath "${BIN:-target/release/shenas}")
PORT=${PORT:-8089}
DURATION=${DURATION:-10s}
WORK=$(mktemp -d)
(cd "$WORK" && exec "$BIN" --database "sqlite://$WORK/c.db" serve --captcha on --listen "127.0.0.1:$PORT" \
  --metrics-listen off >/dev/null 2>"$WORK/serve.err") &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
B=http://127.0.0.1:$PORT
for _ in $(seq 1 60); do curl -sf "$B/healthz" >/dev/null && break; sleep 1; done
IMG=$(curl -sf "$B/api/v1/captcha" | python3 -c 'import json,sys; print(json.load(sys.stdin)["image_url"])')
echo "== the picture alone: wrk -t2 -c16 -d$DURATION $B$IMG"
wrk -t2 -c16 -d"$DURATION" --latency "$B$IMG"
echo "== a cheap request beside it: wrk -t1 -c1 -d$DURATION $B/api/v1/calendar/convert?jalali=1403-08-19"
wrk -t2 -c16 -d"$DURATION" "$B$IMG" >/dev/null &
LOAD=$!
wrk -t1 -c1 -d"$DURATION" --latency "$B/api/v1/calendar/convert?jalali=1403-08-19"
wait $LOAD

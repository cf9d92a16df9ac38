#!/usr/bin/env bash
# Contract test of the HTTP API with Schemathesis (https://schemathesis.io): every operation of the served
# OpenAPI document is called with generated requests (valid and invalid ones, unsupported methods, missing
# credentials, stateful sequences), and every answer is checked against the document: no 5xx, documented status
# codes, content types and bodies, 4xx for invalid input, 405 for methods a path does not take.
#
#   pip install schemathesis                 # once (4.x)
#   tools/schemathesis.sh                # builds target/debug/shenas if SHENAS_BIN is not given
#   SHENAS_BIN=target/release/shenas MAX_TIME=300 tools/schemathesis.sh
#   tools/schemathesis.sh --include-path /ussd      # further arguments go to `st run`
#
# It starts a demo service (`serve --demo --captcha off --rate-limits off`, a fresh SQLite database in a temporary
# directory, port $PORT, default 18300), logs in the demo operator and runs
#
#   st run http://127.0.0.1:$PORT/api/openapi.json --checks all --max-examples 25 -w 2 --max-time $MAX_TIME \
#     -H "Authorization: Bearer $TOKEN"
#
# with tools/schemathesis.toml (what it changes, and why, is written there). The report (NDJSON) is
# left in $OUT (default /tmp/shenas-schemathesis); the exit status is Schemathesis's (0 when nothing failed).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18300}
MAX_TIME=${MAX_TIME:-300}
OUT=${OUT:-/tmp/shenas-schemathesis}
BIN=${SHENAS_BIN:-}
if [ -z "$BIN" ]; then
  cargo build -q -p shenas
  BIN=target/debug/shenas
fi
BIN=$(realpath "$BIN")
CONFIG=$(realpath tools/schemathesis.toml)
WORK=$(mktemp -d)
mkdir -p "$OUT"
(cd "$WORK" && exec "$BIN" serve --demo --captcha off --rate-limits off --listen "127.0.0.1:$PORT" \
  --metrics-listen off --database "sqlite://$WORK/st.db" >"$OUT/serve.out" 2>"$OUT/serve.err") &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
BASE=http://127.0.0.1:$PORT
for _ in $(seq 1 180); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 1; done
# The demo prints its staff's password when it creates them: "Demo staff (password …".
PASSWORD=$(sed -n 's/^Demo staff (password \([^,)]*\).*/\1/p' "$OUT/serve.err" | head -n 1)
TOKEN=$(curl -sf -XPOST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"demo-operator\",\"password\":\"${PASSWORD:-shenas-demo-1405}\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
st --config-file "$CONFIG" run "$BASE/api/openapi.json" --checks all --max-examples 25 -w 2 \
  --max-time "$MAX_TIME" -H "Authorization: Bearer $TOKEN" --report ndjson --report-dir "$OUT" "$@"

#!/bin/sh
# OCSP under load: a release server on a fresh SQLite database (the PKI initialised at its first start, as in
# development), one OCSPRequest made by openssl for the current document signer's certificate, and wrk posting it.
# Usage: tools/bench/ocsp.sh [seconds] [connections] [threads]
set -eu
SECS=${1:-30}; CONNS=${2:-64}; THREADS=${3:-2}
BIN=${BIN:-target/release/shenas}
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
export SHENAS_DATA_DIR="$WORK/data" SHENAS_LOG=warn
DB="sqlite://$WORK/ocsp.db"
"$BIN" --database "$DB" serve --listen 127.0.0.1:18090 --metrics-listen off --rate-limits off --captcha off \
  2>"$WORK/serve.log" &
PID=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18090/healthz >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf http://127.0.0.1:18090/api/v1/pki/csca.pem -o "$WORK/csca.pem"
SERIAL=$("$BIN" --database "$DB" pki status --json | tail -1 |
  python3 -c 'import json,sys; print(next(c["serial"] for c in json.load(sys.stdin)["certificates"] if c["role"]=="document_signer" and c["current"]))')
openssl ocsp -issuer "$WORK/csca.pem" -serial "0x$SERIAL" -no_nonce -reqout "$WORK/req.der" >/dev/null
openssl ocsp -reqin "$WORK/req.der" -url http://127.0.0.1:18090/ocsp -issuer "$WORK/csca.pem" -CAfile "$WORK/csca.pem" \
  -serial "0x$SERIAL" 2>&1 | grep -E "good|revoked|unknown|verify"
echo "nproc $(nproc)"
OCSP_REQUEST="$WORK/req.der" wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s tools/bench/ocsp.lua \
  http://127.0.0.1:18090/ocsp

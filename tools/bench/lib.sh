# Shared by the load scripts (journey.sh, reads.sh): sourced after BIN, WORK, PORT, THREADS, CONNECTIONS and
# DURATION are set.

# A new database (created on PostgreSQL if missing) with a generated registry of $2 people, the generated offices
# and $3 seeded applications ($WORK/targets.csv: national code, tracking code, state; $WORK/bodies.jsonl: $4
# filings of people not yet seeded).
prepare_db() {
  local db=$1 persons=$2 apps=$3 bodies=$4
  if [[ $db == postgres://* ]]; then
    local name=${db##*/}
    psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 ||
      psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $name" >/dev/null
  fi
  [ -f "$WORK/registry.csv" ] || $BIN registry generate --persons "$persons" --seed 1403 --out "$WORK/registry.csv"
  [ -f "$WORK/offices.csv" ] || $BIN offices generate --out "$WORK/offices.csv"
  echo "== registry import";  /usr/bin/time -f "%e s" $BIN --database "$db" registry import "$WORK/registry.csv" --json | tail -1
  echo "== offices import";   $BIN --database "$db" offices import "$WORK/offices.csv" --json | tail -1
  echo "== seed";             $BIN --database "$db" bench seed --applications "$apps" --bodies "$bodies" \
                                --targets "$WORK/targets.csv" --bodies-out "$WORK/bodies.jsonl" --json | tail -1
}

# Starts `shenas serve` on $PORT (captcha and rate limits off; extra flags after the database) and waits for it.
start_server() {
  local db=$1; shift
  $BIN --database "$db" serve --captcha off --rate-limits off --metrics-listen off --listen "127.0.0.1:$PORT" "$@" \
    > "$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
}

# $WORK/days.txt: the open days of the next five weeks (Fridays and holidays answer 409).
open_days() {
  : > "$WORK/days.txt"
  for i in $(seq 1 35); do
    local g j code
    g=$(date -u -d "+$i day" +%F)
    j=$(curl -sf "http://127.0.0.1:$PORT/api/v1/calendar/convert?gregorian=$g" | sed 's/.*"jalali":"\([0-9-]*\)".*/\1/')
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/offices?area_code=021&date_jalali=$j&limit=1")
    [ "$code" = 200 ] && echo "$j" >> "$WORK/days.txt"
  done
  echo "open days: $(wc -l < "$WORK/days.txt"); cores: $(nproc)"
}

run() { echo "== $1"; shift; wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" | grep -E 'Requests/sec|Latency  |99%|p50|201:|Non-2xx'; }

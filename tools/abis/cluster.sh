#!/usr/bin/env bash
# Starts the identification cluster and several service instances on this machine, without containers: matcher
# nodes (`shenas abis node`) for every shard and replica, then `shenas serve` instances on one PostgreSQL database,
# all on local ports, sharing one data directory (blobs and keys) and the NATS server already running here.
#
#   tools/abis/cluster.sh [--shards 3] [--replicas 2] [--instances 2] [--port 8081]
#                         [--database postgres://root@127.0.0.1/shenas_cluster] [--nats nats://127.0.0.1:4222]
#
# The first instance loads the demo data into an empty database. Logs go to target/cluster/*.log. Ctrl-C stops
# everything (SHENAS_BIN=target/debug/shenas uses a debug build). `shenas abis status` (with SHENAS_ABIS__SHARDS set) shows the nodes.
set -euo pipefail
cd "$(dirname "$0")/../.."

shards=3 replicas=2 instances=2 port=8081
database=postgres://root@127.0.0.1/shenas_cluster
nats=nats://127.0.0.1:4222
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) shards=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    --instances) instances=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --database) database=$2; shift 2 ;;
    --nats) nats=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

bin=${SHENAS_BIN:-target/release/shenas}
[ -x "$bin" ] || cargo build --release -p shenas
run=target/cluster
mkdir -p "$run/data"
db_name=${database##*/}
psql "${database%/*}/postgres" -qtc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1 ||
  psql "${database%/*}/postgres" -qc "CREATE DATABASE \"$db_name\""

export SHENAS_ABIS__NATS_URL=$nats SHENAS_ABIS__SHARDS=$shards SHENAS_DATABASE_URL=$database
export SHENAS_DATA_DIR=$run/data SHENAS_METRICS_LISTEN=
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM

for ((s = 0; s < shards; s++)); do
  for ((r = 0; r < replicas; r++)); do
    "$bin" abis node --shard "$s" --shards "$shards" --name "node-$s-$r" >"$run/node-$s-$r.log" 2>&1 &
    pids+=($!)
  done
done
echo "started $((shards * replicas)) matcher nodes ($shards shards × $replicas replicas)"

for ((i = 0; i < instances; i++)); do
  listen=127.0.0.1:$((port + i))
  demo=()
  [ "$i" -eq 0 ] && demo=(--demo)
  SHENAS_PUBLIC_URL=http://$listen "$bin" serve --listen "$listen" "${demo[@]}" >"$run/serve-$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -sf "http://$listen/healthz" >/dev/null && break
    sleep 1
  done
  echo "instance $i: http://$listen"
done
"$bin" abis status || true
echo "running; Ctrl-C stops all"
wait

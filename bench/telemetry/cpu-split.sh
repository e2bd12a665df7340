#!/usr/bin/env bash
# Where the collection path spends CPU: one worker (APP_ROLE=worker, 5 s interval) collects from
# NODES RUNNING nodes on a scratch database; after a warm-up, the worker process's and the
# database's PostgreSQL backends' CPU time (/proc utime+stime) is summed over 20 s.
# NO_ROLLUP_TRIGGER=1 disables the rollup trigger on that scratch database, to see its share.
#   NETORCH_DIST=<build> bench/telemetry/cpu-split.sh [NODES]   (multiple of 10,000)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIST="${NETORCH_DIST:-$ROOT/dist}"
NODES="${1:-200000}"
SUFFIX="$$_$(date +%s)"
DB="netorch_bench_cpu_$SUFFIX"
BASE="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
URL="${BASE%/*}/$DB"
PREFIX="netorch_bench_cpu_$SUFFIX"
export NODE_PATH="$ROOT/node_modules"

DATABASE_URL="$URL" QUEUE_PREFIX="$PREFIX" APP_ROLE=worker TELEMETRY_INTERVAL_MS=5000 \
  LOG_LEVEL=warn node "$DIST/main.js" >/dev/null 2>&1 &
WORKER=$!
cleanup() {
  kill "$WORKER" 2>/dev/null || true
  wait "$WORKER" 2>/dev/null || true
  psql -q "$BASE" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  redis-cli --scan --pattern "$PREFIX:*" | xargs -r redis-cli del >/dev/null
}
trap cleanup EXIT
until psql -Atq "$URL" -c "SELECT 1 FROM telemetry_shard_ticks LIMIT 1" >/dev/null 2>&1; do sleep 0.5; done
sleep 2
if [ "${NO_ROLLUP_TRIGGER:-}" = 1 ]; then
  psql -q "$URL" -c "ALTER TABLE telemetry_samples DISABLE TRIGGER telemetry_samples_rollup"
fi
psql -q "$URL" \
  -c "INSERT INTO deployments (name, target_node_count) SELECT 'bench', 10000 FROM generate_series(1, $((NODES / 10000)))" \
  -c "INSERT INTO nodes (deployment_id, seq, node_id, state, hostname)
      SELECT d.id, g, 'node-' || g, 'RUNNING', 'bench-' || d.id || '-' || g
      FROM deployments d, generate_series(1, 10000) g" \
  -c "ANALYZE nodes"
sleep 12
cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
backends() {
  local sum=0
  for pid in $(psql -Atq "$URL" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$DB'"); do
    sum=$((sum + $(cpu "$pid")))
  done
  echo "$sum"
}
w0=$(cpu "$WORKER"); p0=$(backends)
sleep 20
w1=$(cpu "$WORKER"); p1=$(backends)
hz=$(getconf CLK_TCK)
TRIGGER=on
[ "${NO_ROLLUP_TRIGGER:-}" = 1 ] && TRIGGER=off
echo "nodes $NODES, rollup trigger $TRIGGER:" \
  "worker $(echo "scale=2; ($w1 - $w0) / $hz" | bc) s CPU, PostgreSQL $(echo "scale=2; ($p1 - $p0) / $hz" | bc) s CPU in 20 s;" \
  "last tick $(redis-cli hget "$PREFIX:telemetry:netorch-stats" last_tick_duration_ms) ms"

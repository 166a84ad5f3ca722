#!/usr/bin/env bash
# bench/pg-outage.sh — token availability through a PostgreSQL outage (issue 8;
# SPEC §3.2a: a node keeps issuing for apps it already knows while the database is
# unreachable; uncached clients get a prompt 503 temporarily_unavailable).
#
# Starts a throwaway PostgreSQL cluster (scripts/with-postgres.sh, which exports
# TENANTD_TEST_POSTGRES_CTL to stop and start it) and two `tenantd serve` nodes, A and
# B, on one database with the same master key and issuer. Seeds through A one warm
# app (requested on B before the load) and COLD apps B never sees, then runs
# bench/pg-outage.mjs: RATE token requests/s for the warm app on B for DURATION s,
# with the cluster stopped (`pg_ctl stop -m fast`) at OUTAGE_AT s and started again
# OUTAGE_S s later; once a second a cold client asks B for a token and B's /readyz is
# read. Prints a per-second timeline and the percentage of successful requests.
#
# Usage:
#   bench/pg-outage.sh                         # 200 req/s, 25 s, outage 5 s -> 20 s
#   RATE=100 DURATION=40 OUTAGE_S=30 bench/pg-outage.sh
# Environment: RATE=200  DURATION=25  OUTAGE_AT=5  OUTAGE_S=15  TIMEOUT_MS=2000
#   COLD=30 (cold apps; one is used per second)  THREADS_SERVER=4  BIN=build/tenantd
#   NO_BUILD=1  KEEP_WORK=1 (keep node logs)
# Output ends with
#   outage-result: rate=… warm_ok_pct=… (whole run) outage_ok_pct=… (database down) timeouts=…
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib/common.sh
source "$HERE/lib/common.sh"
bench_use_postgres "$@"
[[ -n ${TENANTD_TEST_POSTGRES_CTL:-} ]] || {
  echo "bench: scripts/with-postgres.sh did not export TENANTD_TEST_POSTGRES_CTL" >&2
  exit 1
}
bench_init
COLD=${COLD:-30}

bench_start_two_nodes "bench_outage_$$"
IFS=$'\t' read -r _ AUTH < <(bench_new_app "warm app")
for i in $(seq "$COLD"); do
  bench_new_app "cold app $i" | cut -f2
done >"$WORK/cold.headers"
bench_machine
echo "nodes: A ${NODE_URL[A]} (pid ${NODE_PID[A]}), B ${NODE_URL[B]} (pid ${NODE_PID[B]}), one PostgreSQL database, TENANTD_THREADS=$TENANTD_THREADS"
B_URL=${NODE_URL[B]} AUTH=$AUTH COLD_FILE=$WORK/cold.headers PG_CTL=$TENANTD_TEST_POSTGRES_CTL \
  node "$HERE/pg-outage.mjs"
# The cluster must be up again for the nodes to stop cleanly (and for the cleanup).
psql -h "$TENANTD_TEST_POSTGRES_HOST" -U postgres -Atc 'SELECT 1' postgres >/dev/null ||
  "$TENANTD_TEST_POSTGRES_CTL" start >/dev/null

#!/usr/bin/env bash
# bench/pg-invalidation.sh — cross-node invalidation latency on PostgreSQL (issue 8;
# SPEC §3.2: a change made on one node takes effect on every other node within
# 250 ms, aim 100 ms).
#
# Starts a throwaway PostgreSQL cluster (scripts/with-postgres.sh) and two
# `tenantd serve` nodes, A and B, on one database with the same master key (data
# dir) and issuer, as tests/integration/multinode.test.mjs does. Seeds one app with a
# plan through A, then TRIALS times: disable the app on A and poll B's
# /connect/token back to back until B refuses (400 unauthorized_client); re-enable on
# A and poll until B issues again (bench/pg-invalidation.mjs). Latency is measured
# from A's 200 (committed) to B's first answer that reflects the change.
#
# Usage:
#   bench/pg-invalidation.sh                 # 50 trials
#   TRIALS=20 bench/pg-invalidation.sh
# Environment: TRIALS=50  JITTER_MS=300 (random pause before each trial)
#   GIVE_UP_MS=10000  THREADS_SERVER=4  BIN=build/tenantd  NO_BUILD=1  KEEP_WORK=1
# Output: a line per trial, then
#   disable->refused: n=50 p50_ms=… p90_ms=… p99_ms=… max_ms=… min_ms=…
#   enable->issued:   n=50 …
#   polls: … (mean time per poll of B = the resolution of the figures)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib/common.sh
source "$HERE/lib/common.sh"
bench_use_postgres "$@"
bench_init

bench_start_two_nodes "bench_inval_$$"
IFS=$'\t' read -r APP_ID AUTH < <(bench_new_app "invalidation app")
bench_machine
echo "nodes: A ${NODE_URL[A]} (pid ${NODE_PID[A]}), B ${NODE_URL[B]} (pid ${NODE_PID[B]}), one PostgreSQL database, TENANTD_THREADS=$TENANTD_THREADS"
A_URL=${NODE_URL[A]} B_URL=${NODE_URL[B]} KEY=$KEY TENANT=$TENANT APP_ID=$APP_ID AUTH=$AUTH \
  node "$HERE/pg-invalidation.mjs"

#!/usr/bin/env bash
# bench/compare-threads.sh — TENANTD_THREADS comparison for /connect/token,
# interleaved (2, 4, 2, 4, ...) so that drift on a shared box hits both alike.
# Each run is a fresh server from bench/run.sh. Prints
#   threads conns req/s p50_ms p99_ms server_cpu_pct
# Environment: THREAD_LIST="2 4"  CONNS="16 64"  SECS=10  REPS=2  (plus run.sh's)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
THREAD_LIST=${THREAD_LIST:-"2 4"}
CONNS=${CONNS:-"16 64"}
SECS=${SECS:-10}
REPS=${REPS:-2}
make -C "$HERE/.." -j2 build/tenantd >/dev/null
echo "threads conns req/s p50_ms p99_ms server_cpu_pct"
for rep in $(seq "$REPS"); do
  for c in $CONNS; do
    for t in $THREAD_LIST; do
      line=$(THREADS_SERVER=$t CONNS=$c SECS=$SECS NO_BUILD=1 "$HERE/run.sh" token 2>&1 | grep '^detail:')
      get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
      echo "$t $c $(get req_s) $(get p50_ms) $(get p99_ms) $(get server_cpu_pct)"
    done
  done
done

#!/usr/bin/env bash
# bench/soak.sh — a long mixed-load run that looks for leaks and errors (issue 9;
# not part of `make test`). Results: docs/RELIABILITY.md.
#
# Starts the benchmark server (bench/run.sh serve: SQLite, one seeded app with a
# plan), then for SOAK_SECONDS runs at once
#   - token load: wrk, TOKEN_CONNS connections on one thread (with 2 cores shared by
#     the server, wrk and node this is ~75-85 % of the token capacity measured by
#     bench/run.sh; the run prints the rate it got),
#   - admin reads and writes plus introspection: bench/soak-admin.mjs (~10 cycles/s
#     of list, create, rename, regenerate, token, disable, enable, delete,
#     introspect),
# and samples the server's RSS, open fds and threads every SAMPLE_SECONDS into
# samples.csv. It fails (exit 1) when any request failed (wrk non-2xx or socket
# errors, or any admin error) or when RSS grew more than RSS_GROWTH_KIB over the last
# WINDOW_SECONDS of the run (the first part is warm-up: caches, pools, arenas).
#
# Usage: bench/soak.sh            (30 minutes)
#        SOAK_SECONDS=120 WINDOW_SECONDS=60 bench/soak.sh   (a quick check)
# Environment: SOAK_SECONDS=1800 WINDOW_SECONDS=1200 SAMPLE_SECONDS=10
#   RSS_GROWTH_KIB=2048 TOKEN_CONNS=8 PORT=18090 OUT=bench/soak-out (kept)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SOAK_SECONDS=${SOAK_SECONDS:-1800}
WINDOW_SECONDS=${WINDOW_SECONDS:-1200}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-10}
RSS_GROWTH_KIB=${RSS_GROWTH_KIB:-2048}
TOKEN_CONNS=${TOKEN_CONNS:-8}
export PORT=${PORT:-18090}
OUT=${OUT:-$ROOT/bench/soak-out}
BENCH_DIR=${BENCH_DIR:-/work/shared/bench}
BASE=http://127.0.0.1:$PORT
mkdir -p "$OUT"
rm -f "$OUT"/*

"$HERE/run.sh" serve >"$OUT/serve.out" 2>"$OUT/serve.err" &
RUNNER=$!
cleanup() { kill "$RUNNER" 2>/dev/null || true; wait "$RUNNER" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 600); do grep -q '^client_id=' "$OUT/serve.out" 2>/dev/null && break; sleep 0.2; done
LINE=$(grep '^client_id=' "$OUT/serve.out") || { cat "$OUT/serve.err" >&2; exit 1; }
CLIENT_ID=$(sed 's/.*client_id=\([^ ]*\).*/\1/' <<<"$LINE")
CLIENT_SECRET=$(sed 's/.*client_secret=\([^ ]*\).*/\1/' <<<"$LINE")
PID=$(sed 's/.*pid=\([^ ]*\).*/\1/' <<<"$LINE")
echo "soak: server pid $PID, $SOAK_SECONDS s, token connections $TOKEN_CONNS" >&2

wrk -t1 -c"$TOKEN_CONNS" -d"${SOAK_SECONDS}s" -s "$BENCH_DIR/token.lua" "$BASE/connect/token" \
  -- "$CLIENT_ID" "$CLIENT_SECRET" >"$OUT/wrk.out" 2>&1 &
WRK=$!
node "$HERE/soak-admin.mjs" "$BASE" "$SOAK_SECONDS" "$CLIENT_ID" "$CLIENT_SECRET" \
  bench-admin@example.com bench-admin-password-1 >"$OUT/admin.out" 2>&1 &
ADMIN=$!

echo "seconds,rss_kib,fds,threads" >"$OUT/samples.csv"
start=$(date +%s)
while kill -0 "$WRK" 2>/dev/null || kill -0 "$ADMIN" 2>/dev/null; do
  now=$(( $(date +%s) - start ))
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$PID/status")
  fds=$(ls "/proc/$PID/fd" | wc -l)
  echo "$now,$rss,$fds,$threads" >>"$OUT/samples.csv"
  sleep "$SAMPLE_SECONDS"
done
wait "$WRK" || true
admin_rc=0
wait "$ADMIN" || admin_rc=$?

cat "$OUT/admin.out"
grep 'wrk-token' "$OUT/wrk.out" || { cat "$OUT/wrk.out"; exit 1; }
fail=0
# wrk-token: non2xx, bad_body and socket errors (err_*): any non-zero fails.
if grep -Eq 'non2xx=[1-9]|bad_body=[1-9]|err_(connect|read|write|timeout)=[1-9]' "$OUT/wrk.out"; then echo "soak: FAIL token errors" >&2; fail=1; fi
[[ $admin_rc -eq 0 ]] || { echo "soak: FAIL admin errors" >&2; fail=1; }
# RSS growth over the window: the largest sample in the window minus the first one.
growth=$(awk -F, -v from=$(( SOAK_SECONDS - WINDOW_SECONDS )) '
  NR > 1 && $1 >= from { if (first == "") first = $2; if ($2 > max) max = $2 }
  END { print max - first }' "$OUT/samples.csv")
awk -F, 'NR > 1 { n++; if (n == 1) f = $0; l = $0 } END { print "soak: first sample " f "; last " l }' "$OUT/samples.csv"
echo "soak: RSS growth over the last $WINDOW_SECONDS s: ${growth} KiB (limit $RSS_GROWTH_KIB)"
if (( growth > RSS_GROWTH_KIB )); then echo "soak: FAIL memory grows" >&2; fail=1; fi
[[ $fail -eq 0 ]] && echo "soak: PASS" || echo "soak: FAIL"
exit $fail
